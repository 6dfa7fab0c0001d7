"""PostgreSQL refuses TRUNCATE of the audit log (and of its chain head) unless the session allows it."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction

from ducha.audit.actions import record_audit
from ducha.audit.models import AuditChainHead, AuditEntry

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql",
                                reason="TRUNCATE and its trigger exist on PostgreSQL; SQLite has no TRUNCATE")


@pytest.fixture(autouse=True)
def no_pending_checks(db):
    """Inside the test's transaction, FK checks of the fixture's inserts are deferred; TRUNCATE waits for none."""
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def run(sql: str) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql)


@pytest.mark.parametrize("table", ["audit_auditentry", "audit_auditchainhead"])
def test_truncate_refused_without_the_setting(mini_county, table):
    count = AuditEntry.objects.count()
    assert count > 0
    with pytest.raises(DatabaseError, match="审计记录不能清空"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL ducha.allow_audit_truncate = 'off'")
        cursor.execute(f"TRUNCATE {table}")
    with pytest.raises(DatabaseError, match="审计记录不能清空"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL ducha.allow_audit_truncate = ''")
        cursor.execute(f"TRUNCATE {table} CASCADE")
    assert AuditEntry.objects.count() == count and AuditChainHead.objects.get().seq == count


def test_truncate_allowed_with_the_setting(mini_county):
    """The test suite's flush and ``ducha demo``'s rebuild set it; the next append starts a new chain."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL ducha.allow_audit_truncate = 'on'")
        cursor.execute("TRUNCATE audit_auditentry, audit_auditchainhead")
    assert not AuditEntry.objects.exists()
    entry = record_audit(actor=None, action="test.after_truncate", object_type="X")
    assert (entry.seq, entry.prev_hash) == (1, "")


def test_chain_head_cannot_be_deleted_or_moved_back(mini_county):
    head = AuditChainHead.objects.get()
    with pytest.raises(DatabaseError, match="审计链头不能删除"):
        run("DELETE FROM audit_auditchainhead")
    with pytest.raises(DatabaseError, match="审计链头不能回退"):
        run("UPDATE audit_auditchainhead SET seq = seq - 1")
    assert AuditChainHead.objects.get().seq == head.seq
    assert record_audit(actor=None, action="test.still_appends", object_type="X").seq == head.seq + 1
