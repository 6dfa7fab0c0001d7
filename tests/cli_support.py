"""Helpers for tests that run the real ``ducha`` console script against a database of their own.

The suite runs twice, on SQLite and on PostgreSQL (``DUCHA_DATABASE_URL`` set to a PostgreSQL server).
``ScratchDatabases.new()`` gives a test a new, empty database of the same kind: an SQLite file path that does
not exist yet, or a new PostgreSQL database on the same server, dropped afterwards. ``ducha_command`` and
``query`` come from ``ducha.core.tests.processes``, which the tests inside the package share.
"""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path
from typing import Any

import dj_database_url

from ducha.core.tests.processes import ducha_command as ducha_command
from ducha.core.tests.processes import query as query

SUITE_DATABASE_URL = os.environ.get("DUCHA_DATABASE_URL", "")
ON_POSTGRESQL = SUITE_DATABASE_URL.startswith(("postgres", "pgsql"))


def _server() -> dict[str, Any]:
    db = dj_database_url.parse(SUITE_DATABASE_URL)
    return {"host": db["HOST"] or "localhost", "port": db["PORT"] or 5432, "user": db["USER"],
            "password": db["PASSWORD"] or None, "dbname": "postgres", "autocommit": True}


def _pg(sql: str) -> None:
    import psycopg

    with psycopg.connect(**_server()) as conn:
        conn.execute(sql)  # type: ignore[arg-type]


class ScratchDatabases:
    """Makes empty databases (or copies of one) and removes them at the end."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.made: list[str] = []

    def new(self, copy_of: str | None = None) -> str:
        name = f"ducha_scratch_{uuid.uuid4().hex[:12]}"
        if not ON_POSTGRESQL:
            path = self.folder / f"{name}.sqlite3"
            if copy_of:
                shutil.copyfile(copy_of.removeprefix("sqlite:///"), path)
            return f"sqlite:///{path}"
        _pg(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{copy_of.rsplit("/", 1)[1]}"' if copy_of else ""))
        self.made.append(name)
        server = _server()
        password = f":{server['password']}" if server["password"] else ""
        return f"postgresql://{server['user']}{password}@{server['host']}:{server['port']}/{name}"

    def drop_all(self) -> None:
        for name in self.made:
            _pg(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
