"""The one way to write an audit row; every action calls it inside its own transaction."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

from ducha.audit.models import AuditEntry


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
    return AuditEntry.objects.create(
        actor=user,  # type: ignore[misc]
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        summary=summary[:300],
        before=before,
        after=after,
    )


def record_audit_bulk(entries: list[AuditEntry]) -> None:
    """Append many rows at once (bulk imports); rows are built with ``AuditEntry(...)``."""
    AuditEntry.objects.bulk_create(entries, batch_size=1000)
