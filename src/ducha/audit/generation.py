"""The data generation stamp: which committed state of the data a computed result was made from.

Every write records an audit row (``ducha.audit.actions.record_audit``), and appends are serialised on the
one-row ``AuditChainHead``, so its ``seq`` moves with every committed write, in commit order, and a reader
never sees a smaller seq after a larger one. Its ``hash`` (the chain's last link) tells two histories that
reached the same seq apart — a database rebuilt by ``ducha demo`` or restored from another copy.
"""

from __future__ import annotations

from django.db import connection

from ducha.audit.actions import HEAD_PK
from ducha.audit.models import AuditChainHead, AuditEntry

_HEAD_SQL = "SELECT {seq}, {hash} FROM {table} WHERE {pk} = %s".format(  # noqa: S608 - names from the model
    seq=AuditChainHead._meta.get_field("seq").column, hash=AuditChainHead._meta.get_field("hash").column,  # type: ignore[union-attr]
    table=AuditChainHead._meta.db_table, pk=AuditChainHead._meta.pk.column)  # type: ignore[union-attr]


# The same stamp as a scalar subquery (read with each session, ``ducha.core.sessions``); NULL without a head.
STAMP_SQL = "SELECT CAST({seq} AS VARCHAR(20)) || '-' || SUBSTR({hash}, 1, 16) FROM {table} WHERE {pk} = {head}".format(  # noqa: S608
    seq=AuditChainHead._meta.get_field("seq").column, hash=AuditChainHead._meta.get_field("hash").column,  # type: ignore[union-attr]
    table=AuditChainHead._meta.db_table, pk=AuditChainHead._meta.pk.column, head=int(HEAD_PK))  # type: ignore[union-attr]


def data_generation() -> str:
    """``"<seq>-<hash prefix>"`` of the audit chain head: one primary-key read (a plain cursor: every page
    asks several times, and the ORM would cost more than the read)."""
    with connection.cursor() as cursor:
        cursor.execute(_HEAD_SQL, [HEAD_PK])
        head = cursor.fetchone()
    if head is None:  # after a flush, before the next append rebuilds the head
        last = AuditEntry.objects.order_by("-seq").values_list("seq", "hash").first()
        head = last or (0, "")
    return f"{head[0]}-{head[1][:16]}"
