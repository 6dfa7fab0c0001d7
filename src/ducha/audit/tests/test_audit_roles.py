"""The documented PostgreSQL deployment: the application's role may only read and append the audit log.

The test follows docs/deployment-postgresql.md on the suite's cluster: part 1 of ``ducha audit-roles
--print-sql`` as superuser, ``ducha migrate`` as the owner role, part 2 as the owner; then, connected as
the application role, appending works and every way of removing or rewriting audit rows is refused.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from io import StringIO
from typing import Any

import psycopg
import pytest
from django.core.management import call_command
from django.db import connection

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql",
                                reason="roles and privileges are PostgreSQL's; SQLite has no roles")

SUFFIX = f"{os.getpid()}"
OWNER, APP, DATABASE = f"ducha_owner_t{SUFFIX}", f"ducha_app_t{SUFFIX}", f"ducha_roles_t{SUFFIX}"

REFUSED = {
    "UPDATE": "UPDATE audit_auditentry SET summary = 'x'",
    "DELETE": "DELETE FROM audit_auditentry",
    "TRUNCATE": "TRUNCATE audit_auditentry",
    "DISABLE TRIGGER": "ALTER TABLE audit_auditentry DISABLE TRIGGER USER",
    "DROP TRIGGER": "DROP TRIGGER audit_append_only ON audit_auditentry",
    "DROP": "DROP TABLE audit_auditentry",
    "ALTER": "ALTER TABLE audit_auditentry ADD COLUMN note text",
    "head DELETE": "DELETE FROM audit_auditchainhead",
    "head TRUNCATE": "TRUNCATE audit_auditchainhead",
    "head DISABLE TRIGGER": "ALTER TABLE audit_auditchainhead DISABLE TRIGGER USER",
    "migrations": "DELETE FROM django_migrations",
}


def sql_of(*args: str) -> str:
    out = StringIO()
    call_command("audit_roles", "--print-sql", f"--owner={OWNER}", f"--app={APP}", f"--database={DATABASE}", *args,
                 stdout=out)
    return out.getvalue()


def statements(script: str) -> list[str]:
    lines = [line for line in script.splitlines() if line.strip() and not line.startswith("--")]
    return [part.strip() for part in "\n".join(lines).split(";") if part.strip()]


def connect(user: str, dbname: str) -> Any:
    params = connection.settings_dict
    return psycopg.connect(host=params["HOST"] or "127.0.0.1", port=params["PORT"] or 5432, user=user,
                           password=params["PASSWORD"] if user == params["USER"] else None, dbname=dbname,
                           autocommit=True)


def url(user: str) -> str:
    params = connection.settings_dict
    return f"postgresql://{user}@{params['HOST'] or '127.0.0.1'}:{params['PORT'] or 5432}/{DATABASE}"


def ducha(user: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DUCHA_DATABASE_URL": url(user)}
    return subprocess.run([sys.executable, "-m", "ducha.cli", *args], env=env, capture_output=True, text=True,
                          timeout=300, check=False)


@pytest.fixture(scope="module")
def deployment() -> Iterator[None]:
    superuser = connection.settings_dict["USER"]
    part1 = sql_of("--roles-only")
    on_server, in_database = part1.split(f"\\connect {DATABASE}\n")
    with connect(superuser, "postgres") as admin:
        try:
            for sql in statements(on_server):
                admin.execute(sql)
            with connect(superuser, DATABASE) as db:
                for sql in statements(in_database):
                    db.execute(sql)
            migrated = ducha(OWNER, "migrate", "--no-input")
            assert migrated.returncode == 0, migrated.stderr
            with connect(OWNER, DATABASE) as owner:
                for sql in statements(sql_of("--grants-only")):
                    owner.execute(sql)
            yield
        finally:
            admin.execute(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
            admin.execute(f"DROP ROLE IF EXISTS {APP}")
            admin.execute(f"DROP ROLE IF EXISTS {OWNER}")


@pytest.mark.slow
def test_app_role_can_append_but_not_remove_or_rewrite(deployment):
    with connect(APP, DATABASE) as app:
        with app.transaction(force_rollback=True):
            app.execute("INSERT INTO audit_auditentry (seq, at, action, object_type, object_id, summary, prev_hash, hash)"
                        " VALUES (1000000, now(), 'test.raw', 'X', '', '', '', 'x')")
            assert app.execute("SELECT count(*) FROM audit_auditentry").fetchone() == (1,)
        app.execute("UPDATE audit_auditchainhead SET seq = seq")
        app.execute("DELETE FROM django_session")  # the ordinary tables are read and written as usual
        for what, sql in REFUSED.items():
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                app.execute(sql)
                pytest.fail(f"{what} was allowed")


@pytest.mark.slow
def test_app_role_runs_ducha_and_check_audit(deployment):
    wrote = ducha(APP, "shell", "-c", "from ducha.audit.actions import record_audit; "
                  "record_audit(actor=None, action='test.app_role', object_type='X', after={'v': 1})")
    assert wrote.returncode == 0, wrote.stderr
    checked = ducha(APP, "check-audit")
    assert checked.returncode == 0, checked.stderr
    assert "共 1 条" in checked.stdout and "审计链校验通过" in checked.stdout
