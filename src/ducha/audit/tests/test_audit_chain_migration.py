"""Migration 0004 chains the audit rows written before the hash chain existed."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from ducha.audit.models import AuditChainHead, AuditEntry
from ducha.audit.verify import verify_chain

BEFORE = [("audit", "0002_append_only_triggers")]
AFTER = [("audit", "0004_chain_existing_rows_truncate_guard")]


def migrate(targets: list[tuple[str, str]]) -> None:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)  # leaves the database as later tests expect
def test_existing_rows_are_chained():
    migrate(BEFORE)
    try:
        with connection.cursor() as cursor:
            for n, value in enumerate(['{"v": 1}', '{"v": 2.0, "d": "1.50"}', None]):
                cursor.execute(
                    "INSERT INTO audit_auditentry (at, action, object_type, object_id, summary, before, after)"
                    " VALUES (%s, 'old.write', 'X', %s, '旧记录', NULL, %s)",
                    [f"2024-01-0{n + 1} 08:00:00.12345{n}+00:00", str(n), value])
    finally:
        migrate(AFTER)
    chain = list(AuditEntry.objects.order_by("seq"))
    assert [(e.seq, e.object_id) for e in chain] == [(1, "0"), (2, "1"), (3, "2")]
    assert chain[1].after == {"v": 2.0, "d": "1.50"} and chain[0].at.microsecond == 123450
    head = AuditChainHead.objects.get()
    assert (head.seq, head.hash) == (3, chain[-1].hash)
    assert verify_chain().ok
