"""The data generation stamp: which committed state of the data a computed result was made from.

Every write records an audit row (``ducha.audit.actions.record_audit``), and appends are serialised on the
one-row ``AuditChainHead``, so its ``seq`` moves with every committed write, in commit order, and a reader
never sees a smaller seq after a larger one. Its ``hash`` (the chain's last link) tells two histories that
reached the same seq apart — a database rebuilt by ``ducha demo`` or restored from another copy.
"""

from __future__ import annotations

from ducha.audit.actions import HEAD_PK
from ducha.audit.models import AuditChainHead, AuditEntry


def data_generation() -> str:
    """``"<seq>-<hash prefix>"`` of the audit chain head: one primary-key read."""
    head = AuditChainHead.objects.filter(pk=HEAD_PK).values_list("seq", "hash").first()
    if head is None:  # after a flush, before the next append rebuilds the head
        last = AuditEntry.objects.order_by("-seq").values_list("seq", "hash").first()
        head = last or (0, "")
    return f"{head[0]}-{head[1][:16]}"
