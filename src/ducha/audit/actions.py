"""The one way to write an audit row; every action calls it inside its own transaction.

Appends are serialised by the one-row ``AuditChainHead``: the first statement is an UPDATE of that row,
which takes its row lock on PostgreSQL and the database write lock on SQLite, held until the caller's
transaction ends. Two transactions therefore never chain from the same predecessor, and the order of
``seq`` is the order in which the audited writes committed. Call it after the write it records (the
last lock a transaction takes), so concurrent writers queue on the head instead of deadlocking.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from ducha.audit.chain import seal
from ducha.audit.models import AuditChainHead, AuditEntry

HEAD_PK = 1


def _lock_head() -> tuple[int, str]:
    """Lock the chain head until the transaction ends; return the last sequence number and hash."""
    for _ in range(3):
        if AuditChainHead.objects.filter(pk=HEAD_PK).update(seq=F("seq")):
            head = AuditChainHead.objects.get(pk=HEAD_PK)
            return head.seq, head.hash
        _create_head()
    raise RuntimeError("无法锁定审计链头")  # pragma: no cover - the head was just created


def _create_head() -> None:
    """The head is made by the migration; after a flush it is rebuilt from the last row."""
    last = AuditEntry.objects.order_by("-seq").only("seq", "hash").first()
    try:
        with transaction.atomic():
            AuditChainHead.objects.create(pk=HEAD_PK, seq=last.seq if last else 0, hash=last.hash if last else "")
    except IntegrityError:
        pass  # a concurrent append created it first


def _advance_head(seq: int, hash_: str) -> None:
    AuditChainHead.objects.filter(pk=HEAD_PK).update(seq=seq, hash=hash_)


def record_audit(
    *,
    actor: AbstractBaseUser | AnonymousUser | None,
    action: str,
    object_type: str,
    object_id: str | int = "",
    summary: str = "",
    before: Any = None,
    after: Any = None,
) -> AuditEntry:
    user = actor if actor is not None and getattr(actor, "is_authenticated", False) else None
    entry = AuditEntry(
        actor=user,  # type: ignore[misc]
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        summary=summary,
        before=before,
        after=after,
    )
    with transaction.atomic():
        seq, prev_hash = _lock_head()
        seal(entry, seq=seq + 1, prev_hash=prev_hash, at=timezone.now())
        entry.save(force_insert=True)
        _advance_head(entry.seq, entry.hash)
    return entry


def record_audit_bulk(entries: list[AuditEntry]) -> None:
    """Append many rows at once (bulk imports); rows are built with ``AuditEntry(...)``."""
    if not entries:
        return
    with transaction.atomic():
        seq, prev_hash = _lock_head()
        now = timezone.now()
        for entry in entries:
            seq += 1
            prev_hash = seal(entry, seq=seq, prev_hash=prev_hash, at=now)
        AuditEntry.objects.bulk_create(entries, batch_size=1000)
        _advance_head(seq, prev_hash)
