"""The hash chain of the audit log: canonical serialisation and SHA-256 of one row.

Each row's ``hash`` covers the previous row's hash, its own sequence number and every column a reader
sees, so a removed, altered, reordered or inserted row breaks the chain at that row. The hash is taken
over what the database gives back: JSON values are normalised before they are stored and hashed, times
are written in UTC with microseconds (both SQLite and PostgreSQL keep microseconds).
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from django.core.serializers.json import DjangoJSONEncoder

if TYPE_CHECKING:
    from ducha.audit.models import AuditEntry

GENESIS = ""  # the ``prev_hash`` of the first row


def normalise_json(value: Any) -> Any:
    """The value as a JSONField reads it back (decimals, dates and UUIDs become strings)."""
    if value is None:
        return None
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder, allow_nan=False))


def _canonical(value: Any) -> Any:
    """PostgreSQL's jsonb prints 1e16 as 10000000000000000: integral floats are hashed as integers."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {str(key): _canonical(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_canonical(item) for item in value]
    return value


def time_text(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def row_hash(entry: AuditEntry) -> str:
    """SHA-256 (hex) of the row's canonical JSON: sorted keys, no spaces, UTF-8."""
    payload = {
        "prev_hash": entry.prev_hash,
        "seq": entry.seq,
        "at": time_text(entry.at),
        "actor": entry.actor_id,
        "action": entry.action,
        "object_type": entry.object_type,
        "object_id": entry.object_id,
        "summary": entry.summary,
        "before": _canonical(entry.before),
        "after": _canonical(entry.after),
    }
    text = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"), allow_nan=False,
                      cls=DjangoJSONEncoder)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def seal(entry: AuditEntry, *, seq: int, prev_hash: str, at: datetime) -> str:
    """Fill in the chain columns of an unsaved row (normalising its values first); returns its hash."""
    entry.seq = seq
    entry.prev_hash = prev_hash
    entry.at = at
    entry.object_id = str(entry.object_id)[:128]
    entry.summary = (entry.summary or "")[:300]
    entry.before = normalise_json(entry.before)
    entry.after = normalise_json(entry.after)
    entry.hash = row_hash(entry)
    return entry.hash
