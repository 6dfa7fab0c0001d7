"""Helpers for tests that start the real ``ducha`` console script as a process, serve on a port and wait for it.

Shared by ``test_worker_restart`` and the console-script tests of the top-level ``tests`` folder (through
``cli_support``), which cannot import each other.
"""

from __future__ import annotations

import socket
import sys
import urllib.request
from contextlib import closing
from pathlib import Path
from typing import Any


def ducha_command() -> list[str]:
    """The console script installed next to this Python, else ``python -m ducha.cli``."""
    script = Path(sys.executable).with_name("ducha")
    return [str(script)] if script.exists() else [sys.executable, "-m", "ducha.cli"]


def query(url: str, sql: str) -> list[tuple[Any, ...]]:
    """Rows of one SQL query on a database of a test's own, read directly (no ducha process to start)."""
    if url.startswith("sqlite:///"):
        import sqlite3

        with closing(sqlite3.connect(url.removeprefix("sqlite:///"))) as conn:
            return conn.execute(sql).fetchall()
    import psycopg

    with psycopg.connect(url) as pg:
        return pg.execute(sql).fetchall()  # type: ignore[arg-type]


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on (for ``ducha serve --port``)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def answers(url: str) -> bool:
    """The server answers ``url`` with 200 (False while it is not up yet)."""
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status == 200
    except OSError:
        return False
