"""Raw-SQL tampering with the audit log, as a database owner could do it (tests only)."""

from __future__ import annotations

import json
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from ducha.audit.models import AuditEntry
from ducha.audit.verify import describe


def disable_triggers() -> None:
    """PostgreSQL: switch the append-only triggers off inside the test's transaction (superuser)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no ALTER TABLE while FK checks are pending
            cursor.execute("ALTER TABLE audit_auditentry DISABLE TRIGGER USER")
            cursor.execute("ALTER TABLE audit_auditchainhead DISABLE TRIGGER USER")


def execute(sql: str, params: list[Any] | None = None) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params or [])


def set_json(entry: AuditEntry, column: str, value: Any) -> None:
    execute(f"UPDATE audit_auditentry SET {column} = %s WHERE id = %s", [json.dumps(value), entry.pk])


def rows() -> list[AuditEntry]:
    return list(AuditEntry.objects.order_by("seq"))


def named(entry: AuditEntry) -> str:
    return describe(entry)


def check_audit(*args: str) -> str:
    out = StringIO()
    call_command("check_audit", *args, stdout=out)
    return out.getvalue()


def check_audit_fails(*args: str) -> str:
    out = StringIO()
    with pytest.raises(CommandError, match="审计链校验失败"):
        call_command("check_audit", *args, stdout=out)
    return out.getvalue()
