"""Concurrent appends on PostgreSQL never chain from the same predecessor: the chain stays unbroken."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections, transaction

from ducha.audit.actions import record_audit, record_audit_bulk
from ducha.audit.models import AuditEntry
from ducha.audit.verify import verify_chain

THREADS = 10
ROUNDS = 6


def _writer(number: int, barrier: threading.Barrier, errors: list[BaseException]) -> None:
    try:
        barrier.wait()
        for round_ in range(ROUNDS):
            with transaction.atomic():
                if round_ % 3 == 2:
                    record_audit_bulk([AuditEntry(action="test.bulk", object_type="T", object_id=f"{number}/{n}")
                                       for n in range(3)])
                else:
                    record_audit(actor=None, action="test.concurrent", object_type="T",
                                 object_id=f"{number}/{round_}", before={"v": round_}, after={"v": round_ + 1})
    except BaseException as exc:  # reported by the test
        errors.append(exc)
    finally:
        connections.close_all()


@pytest.mark.skipif(connection.vendor != "postgresql",
                    reason="the in-memory SQLite test database is not written from several threads; on SQLite "
                           "the database write lock taken by the chain-head UPDATE serialises appends")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)  # leaves the database as later tests expect
def test_concurrent_appends_chain_unbroken():
    barrier = threading.Barrier(THREADS)
    errors: list[BaseException] = []
    threads = [threading.Thread(target=_writer, args=(n, barrier, errors)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    expected = THREADS * (ROUNDS // 3) * (2 + 3)
    report = verify_chain()
    assert report.ok, report.problems
    assert report.rows == report.last_seq == expected == AuditEntry.objects.count()
    ids = list(AuditEntry.objects.order_by("seq").values_list("id", flat=True))
    assert ids == sorted(ids)
