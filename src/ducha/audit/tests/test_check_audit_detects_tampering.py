"""``ducha check-audit`` names the row that was deleted, altered, swapped, inserted or cut off the end.

The tampering is done with raw SQL, as the database owner could (on PostgreSQL the triggers are first
switched off, which only the owner or a superuser can do).
"""

from __future__ import annotations

import pytest

from ducha.audit.actions import record_audit
from ducha.audit.models import AuditChainHead, AuditEntry
from ducha.audit.tests.tamper import (
    check_audit,
    check_audit_fails,
    disable_triggers,
    execute,
    named,
    rows,
    set_json,
)


@pytest.fixture
def chain(mini_county):
    for n in range(6):
        record_audit(actor=mini_county.officer_a, action="test.write", object_type="X", object_id=n,
                     before={"v": n}, after={"v": n + 1})
    disable_triggers()
    return rows()


def test_deleted_row_is_named(chain):
    gone, successor = chain[3], chain[4]
    execute("DELETE FROM audit_auditentry WHERE id = %s", [gone.pk])
    out = check_audit_fails()
    assert f"{named(successor)}：{named(chain[2])}之后缺少第 {gone.seq} 条记录（已被删除）" in out


@pytest.mark.parametrize("column", ["before", "after"])
def test_altered_before_or_after_is_named(chain, column):
    victim = chain[2]
    set_json(victim, column, {"v": 999})
    out = check_audit_fails()
    assert f"{named(AuditEntry.objects.get(pk=victim.pk))}：内容与哈希不符（记录被修改）" in out
    assert out.count("：") == 1 + out.count("审计记录：") + out.count("链头哈希：")  # only that row is named


def test_altered_summary_or_actor_is_named(chain, mini_county):
    execute("UPDATE audit_auditentry SET actor_id = %s WHERE id = %s", [mini_county.officer_b.pk, chain[1].pk])
    execute("UPDATE audit_auditentry SET summary = %s WHERE id = %s", ["改过", chain[4].pk])
    out = check_audit_fails()
    assert f"{named(chain[1])}：内容与哈希不符" in out and f"{named(chain[4])}：内容与哈希不符" in out


def test_swapped_rows_are_named(chain):
    first, second = chain[2], chain[3]
    execute("UPDATE audit_auditentry SET seq = -1 WHERE id = %s", [first.pk])
    execute("UPDATE audit_auditentry SET seq = %s WHERE id = %s", [first.seq, second.pk])
    execute("UPDATE audit_auditentry SET seq = %s WHERE id = %s", [second.seq, first.pk])
    out = check_audit_fails()
    moved_up, moved_down = AuditEntry.objects.get(pk=second.pk), AuditEntry.objects.get(pk=first.pk)
    assert f"{named(moved_up)}：前一条哈希与{named(chain[1])}不符" in out
    assert f"{named(moved_down)}：前一条哈希与{named(moved_up)}不符" in out
    assert f"{named(moved_down)}：id 不大于上一条" in out


def test_inserted_row_is_named(chain):
    forged = chain[-1]
    execute(
        "INSERT INTO audit_auditentry (seq, at, actor_id, action, object_type, object_id, summary, before, after,"
        " prev_hash, hash) SELECT seq + 100, at, actor_id, action, object_type, object_id, summary, before, after,"
        " prev_hash, hash FROM audit_auditentry WHERE id = %s", [forged.pk])
    inserted = AuditEntry.objects.get(seq=forged.seq + 100)
    out = check_audit_fails()
    assert f"{named(inserted)}：{named(forged)}之后缺少第 {forged.seq + 1}–{forged.seq + 99} 条记录" in out
    assert f"{named(inserted)}：前一条哈希与{named(forged)}不符" in out


def test_truncated_tail_is_detected_against_the_chain_head(chain):
    kept = chain[-3]
    execute("DELETE FROM audit_auditentry WHERE seq > %s", [kept.seq])
    out = check_audit_fails()
    assert f"末尾缺少第 {kept.seq + 1}–{chain[-1].seq} 条记录" in out and f"现存最后一条为{named(kept)}" in out


def test_truncated_tail_with_rewritten_head_is_detected_against_a_kept_hash(chain):
    kept_hash = check_audit().split("链头哈希：")[1].split()[0]
    assert kept_hash == chain[-1].hash
    last = chain[-3]
    execute("DELETE FROM audit_auditentry WHERE seq > %s", [last.seq])
    execute("UPDATE audit_auditchainhead SET seq = %s, hash = %s", [last.seq, last.hash])
    assert "审计链校验通过" in check_audit()  # without the kept hash the shortened chain looks whole
    out = check_audit_fails("--anchor", kept_hash)
    assert f"保存的哈希 {kept_hash} 不在审计链中" in out and f"现存最后一条为{named(last)}" in out


def test_kept_hash_still_in_chain_passes(chain):
    out = check_audit("--anchor", chain[2].hash.upper())
    assert "保存的哈希均在链中" in out and "审计链校验通过" in out


def test_deleted_chain_head_is_reported(chain):
    execute("DELETE FROM audit_auditchainhead")
    assert not AuditChainHead.objects.exists()
    assert "审计链头记录缺失" in check_audit_fails()
