"""Every audit row is hash-chained to the one before; ``ducha check-audit`` verifies the whole chain."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ducha.audit.actions import record_audit, record_audit_bulk
from ducha.audit.chain import row_hash
from ducha.audit.models import AuditChainHead, AuditEntry
from ducha.audit.tests.tamper import check_audit, rows
from ducha.orgs.actions import create_user
from ducha.orgs.models import Role


def test_normal_writes_form_an_unbroken_chain(mini_county):
    mc = mini_county
    create_user(actor=mc.admin, username="new_officer", password="ducha-test-1",
                memberships=[(mc.town_c, Role.MCH_OFFICER)])
    record_audit_bulk([AuditEntry(actor=mc.inspector, action="test.bulk", object_type="X", object_id=n)
                       for n in range(3)])
    chain = rows()
    assert [e.seq for e in chain] == list(range(1, len(chain) + 1))
    assert chain[0].prev_hash == ""
    assert all(later.prev_hash == earlier.hash for earlier, later in zip(chain, chain[1:], strict=False))
    assert all(row_hash(e) == e.hash for e in chain)
    head = AuditChainHead.objects.get()
    assert (head.seq, head.hash) == (chain[-1].seq, chain[-1].hash)
    out = check_audit()
    assert f"共 {len(chain)} 条" in out and f"链头哈希：{head.hash}" in out and "审计链校验通过" in out


def test_values_are_hashed_as_the_database_gives_them_back(mini_county):
    """Decimals and dates become strings, 1e16 comes back from jsonb as an integer, times keep microseconds."""
    odd = {"d": Decimal("1.50"), "day": dt.date(2012, 1, 31), "big": 1e16, "tiny": 1.5e-7, "half": 0.5,
           "zh": "孕妇总数", 3: [1.0, None, True]}
    entry = record_audit(actor=mini_county.admin, action="test.odd", object_type="X", object_id=7,
                         summary="说" * 400, before=odd, after=[odd])
    stored = AuditEntry.objects.get(pk=entry.pk)
    assert stored.before["d"] == "1.50" and stored.before["day"] == "2012-01-31" and stored.before["3"][2] is True
    assert len(stored.summary) == 300 and stored.object_id == "7"
    assert stored.at == entry.at
    assert row_hash(stored) == stored.hash == entry.hash
    assert "审计链校验通过" in check_audit()


def test_empty_log_verifies(db):
    out = check_audit()
    assert "共 0 条" in out and "审计链校验通过" in out
