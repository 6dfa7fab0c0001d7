"""Issue 7 §4: a county inspector approves a unit's submitted period and withdraws it with a reason.

Who may approve (inspector and admin over the unit; not township staff, leaders or another county),
what may be approved (a submitted report of a period that has begun), and that each approve and
unapprove is one audit row while a refused one writes nothing.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from ducha.audit.models import AuditEntry
from ducha.core.periods import month
from ducha.reporting.actions import save_report
from ducha.reporting.approval import ApprovalConflict, ApprovalError, approve_period, unapprove_period
from ducha.reporting.models import DataApproval

JAN = month(2012, 1)


def counts() -> tuple[int, int]:
    return DataApproval.objects.count(), AuditEntry.objects.count()


@pytest.fixture
def submitted(mini_county: Any) -> Any:
    """甲镇 (T01) submitted January 2012."""
    save_report(actor=mini_county.officer_a, data_set=mini_county.data_set, unit_code="T01", period=JAN,
                values={"PREG_TOTAL": 10, "PREG_REGISTERED": 7})
    return mini_county


def approve(county: Any, user: Any, unit: str = "T01", period: Any = JAN) -> DataApproval:
    return approve_period(actor=user, data_set=county.data_set, unit_code=unit, period=period)


@pytest.mark.parametrize("who", ["inspector", "admin"])
def test_inspector_and_admin_approve_a_submitted_period_with_one_audit_row(submitted: Any, who: str) -> None:
    user = submitted.users[who]
    before = AuditEntry.objects.count()
    approval = approve(submitted, user)
    assert (approval.org_unit.code, approval.period, approval.approved_by, approval.is_live) == (
        "T01", "201201", user, True)
    entry = AuditEntry.objects.get(action="reporting.approve_period")
    assert AuditEntry.objects.count() == before + 1 and approval.version == entry.pk
    assert (entry.actor, entry.object_id) == (user, "MCH_MONTHLY/T01/201201")
    assert "甲镇卫生院 2012年1月" in entry.summary and "审核通过" in entry.summary


@pytest.mark.parametrize(("who", "message"), [
    ("officer_a", "只有督查员或系统管理员可以审核数据"),
    ("leader", "只有督查员或系统管理员可以审核数据"),
])
def test_township_staff_and_leaders_cannot_approve(submitted: Any, who: str, message: str) -> None:
    before = counts()
    with pytest.raises(PermissionDenied, match=message):
        approve(submitted, submitted.users[who])
    assert counts() == before


def test_an_inspector_of_another_county_cannot_approve(submitted: Any) -> None:
    before = counts()
    with pytest.raises(Http404, match="单位 T01 不存在或无权查看"):
        approve(submitted, submitted.outsider)
    assert counts() == before


def test_a_period_not_submitted_cannot_be_approved(submitted: Any) -> None:
    before = counts()
    with pytest.raises(ApprovalError, match="乙乡卫生院 2012年1月 的“妇幼保健月报表”尚未报送，不能审核"):
        approve(submitted, submitted.inspector, unit="T02")
    assert counts() == before


def test_a_future_or_wrong_kind_of_period_cannot_be_approved(submitted: Any) -> None:
    from ducha.core.periods import parse_period

    with pytest.raises(ApprovalError, match="不是月报的期间"):
        approve(submitted, submitted.inspector, period=parse_period("2012Q1"))
    with pytest.raises(ApprovalError, match="尚未开始"):
        approve(submitted, submitted.inspector, period=month(2200, 1))
    assert not DataApproval.objects.exists()


def test_approving_twice_is_a_conflict_naming_who_approved(submitted: Any) -> None:
    approve(submitted, submitted.inspector)
    before = counts()
    with pytest.raises(ApprovalConflict, match=r"已于 .* 由 inspector1 审核通过，无需再次审核"):
        approve(submitted, submitted.admin)
    assert counts() == before


def test_unapprove_needs_a_reason_and_writes_nothing_without_one(submitted: Any) -> None:
    approval = approve(submitted, submitted.inspector)
    before = counts()
    for reason in ("", "   "):
        with pytest.raises(ApprovalError, match="请填写取消审核的原因"):
            unapprove_period(actor=submitted.inspector, data_set=submitted.data_set, unit_code="T01", period=JAN,
                             reason=reason, version=approval.version)
    with pytest.raises(ApprovalError, match="“取消审核原因”过长"):
        unapprove_period(actor=submitted.inspector, data_set=submitted.data_set, unit_code="T01", period=JAN,
                         reason="错" * 301, version=approval.version)
    assert counts() == before
    assert DataApproval.objects.get().is_live


def test_unapprove_keeps_who_when_and_why_and_is_audited(submitted: Any) -> None:
    approval = approve(submitted, submitted.inspector)
    withdrawn = unapprove_period(actor=submitted.admin, data_set=submitted.data_set, unit_code="T01", period=JAN,
                                 reason="孕妇总数有误，退回更正", version=approval.version)
    assert not withdrawn.is_live
    assert (withdrawn.unapproved_by, withdrawn.unapproval_reason) == (submitted.admin, "孕妇总数有误，退回更正")
    entry = AuditEntry.objects.get(action="reporting.unapprove_period")
    assert withdrawn.version == entry.pk and entry.actor == submitted.admin
    assert entry.after["reason"] == "孕妇总数有误，退回更正" and "取消审核（孕妇总数有误，退回更正）" in entry.summary
    assert entry.before["approved_by"] == "inspector1"
    again = approve(submitted, submitted.inspector)  # approve again: a new live row, the history stays
    assert again.pk != approval.pk and DataApproval.objects.count() == 2


def test_unapprove_based_on_a_stale_version_is_a_conflict(submitted: Any) -> None:
    first = approve(submitted, submitted.inspector)
    unapprove_period(actor=submitted.inspector, data_set=submitted.data_set, unit_code="T01", period=JAN,
                     reason="重新核对", version=first.version)
    approve(submitted, submitted.inspector)
    before = counts()
    with pytest.raises(ApprovalConflict, match=f"与您依据的版本 {first.version} 不符"):
        unapprove_period(actor=submitted.inspector, data_set=submitted.data_set, unit_code="T01", period=JAN,
                         reason="旧页面", version=first.version)
    assert counts() == before


def test_unapprove_of_a_period_not_approved_is_a_conflict(submitted: Any) -> None:
    with pytest.raises(ApprovalConflict, match="未审核（或已被他人取消审核），无需取消"):
        unapprove_period(actor=submitted.inspector, data_set=submitted.data_set, unit_code="T01", period=JAN,
                         reason="试试", version=0)


def test_township_staff_cannot_unapprove(submitted: Any) -> None:
    approval = approve(submitted, submitted.inspector)
    with pytest.raises(PermissionDenied, match="只有督查员或系统管理员"):
        unapprove_period(actor=submitted.officer_a, data_set=submitted.data_set, unit_code="T01", period=JAN,
                         reason="我要改", version=approval.version)
    assert DataApproval.objects.get().is_live
