"""Data approval (审核) as DHIS2 users know it: a county inspector approves a unit's report for a period,
which locks its values (:mod:`ducha.reporting.approval_lock`), and can withdraw the approval with a reason.

Who: a 督查员 or 系统管理员 (or a superuser) over the unit's subtree; a 妇幼专干 or 领导 gets a Chinese 403.
What: only a report that was submitted (DHIS2 approves complete data only); a period of the data set's
own kind that has begun. Each approve or unapprove is one transaction with one audit row; the approval
row keeps who withdrew it, when and why, and its ``version`` (the audit row's id) must be sent back to
withdraw it, so an approval renewed in the meantime is never withdrawn by a stale page.
"""

from __future__ import annotations

from functools import reduce
from operator import or_

from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from ducha.audit.actions import record_audit
from ducha.core.actor import Actor, actor_label, actor_user
from ducha.core.limits import LimitError, check_text
from ducha.core.locking import retry_when_locked
from ducha.core.periods import Period
from ducha.orgs.models import OrgUnit, Role
from ducha.orgs.selectors import access_unit, memberships_of, writable_units
from ducha.reporting.actions import check_report_period
from ducha.reporting.approval_lock import approved_text, live_approvals
from ducha.reporting.models import DataApproval, DataSet, Submission

APPROVING_ROLES = frozenset({Role.ADMIN, Role.INSPECTOR})
NOT_APPROVER = "只有督查员或系统管理员可以审核数据；妇幼专干和领导不能审核或取消审核"
REASON_MAX_LENGTH = 300
REASON_LABEL = "取消审核原因"


class ApprovalError(ValueError):
    """An approval that cannot be made or withdrawn (Chinese message); nothing was written."""


class ApprovalConflict(ApprovalError):
    """The approval state is not what the caller saw (already approved, withdrawn, or renewed)."""


def approving_units(actor: Actor) -> QuerySet[OrgUnit]:
    """Units whose reports the actor may approve: writable units under an inspector or admin membership."""
    if actor.is_authenticated and actor.is_superuser:
        return writable_units(actor)
    paths = [m.org_unit.path for m in memberships_of(actor) if m.role in APPROVING_ROLES]
    if not paths:
        return OrgUnit.objects.none()
    return writable_units(actor).filter(reduce(or_, (Q(path__startswith=p) for p in paths)))


def can_approve(actor: Actor) -> bool:
    return bool(actor.is_authenticated and actor.is_superuser) or any(
        m.role in APPROVING_ROLES for m in memberships_of(actor))


def access_approval_unit(actor: Actor, unit_code: str) -> OrgUnit:
    """The unit if the actor may approve its reports: 404 when not visible, 403 when not an approver of it."""
    unit = access_unit(actor, unit_code)
    if not can_approve(actor):
        raise PermissionDenied(NOT_APPROVER)
    if not approving_units(actor).filter(pk=unit.pk).exists():
        raise PermissionDenied(f"无权审核单位“{unit.name}”的数据")
    return unit


def _lock_unit(unit: OrgUnit) -> None:
    """The row lock :func:`ducha.reporting.actions.save_report` takes: approvals and saves of a unit queue."""
    no_key = connection.features.has_select_for_no_key_update
    list(OrgUnit.objects.select_for_update(no_key=no_key).filter(pk=unit.pk).values_list("pk", flat=True))


def _live(data_set: DataSet, unit: OrgUnit, period: Period) -> DataApproval | None:
    return live_approvals().filter(data_set=data_set, org_unit=unit, period=period.code).first()


def _check_approvable(data_set: DataSet, unit: OrgUnit, period: Period) -> None:
    problems = check_report_period(data_set, period)
    if not data_set.org_units.filter(pk=unit.pk).exists():
        problems.append(f"单位“{unit.name}”不需要报送“{data_set.name}”")
    elif not problems and not Submission.objects.filter(data_set=data_set, org_unit=unit, period=period.code).exists():
        problems.append(f"{unit.name} {period.label} 的“{data_set.name}”尚未报送，不能审核（只能审核已报送的报表）")
    if problems:
        raise ApprovalError("；".join(problems))


def approve_period(*, actor: Actor, data_set: DataSet, unit_code: str, period: Period) -> DataApproval:
    """Approve ``unit_code``'s submitted report of ``data_set`` for ``period``; its values are then locked."""
    return retry_when_locked(lambda: _approve(actor=actor, data_set=data_set, unit_code=unit_code, period=period))


@transaction.atomic
def _approve(*, actor: Actor, data_set: DataSet, unit_code: str, period: Period) -> DataApproval:
    unit = access_approval_unit(actor, unit_code)
    _check_approvable(data_set, unit, period)
    _lock_unit(unit)
    if (live := _live(data_set, unit, period)) is not None:
        raise ApprovalConflict(f"{approved_text(live)}，无需再次审核")
    now = timezone.now()
    entry = record_audit(
        actor=actor, action="reporting.approve_period", object_type="DataApproval",
        object_id=f"{data_set.code}/{unit.code}/{period.code}",
        summary=f"{unit.name} {period.label} {data_set.name}：审核通过",
        after={"approved_by": actor_label(actor), "approved_at": now.isoformat()},
    )
    return DataApproval.objects.create(data_set=data_set, org_unit=unit, period=period.code,
                                       approved_by=actor_user(actor), approved_at=now, version=entry.pk)


def check_reason(reason: str) -> str:
    try:
        text = check_text(reason or "", label=REASON_LABEL, max_length=REASON_MAX_LENGTH)
    except LimitError as err:
        raise ApprovalError(str(err)) from None
    if not text:
        raise ApprovalError("请填写取消审核的原因（例如：发现数据有误，需要乡镇更正）")
    return text


def unapprove_period(*, actor: Actor, data_set: DataSet, unit_code: str, period: Period, reason: str,
                     version: int) -> DataApproval:
    """Withdraw the live approval whose ``version`` the caller saw, giving ``reason``; values unlock."""
    text = check_reason(reason)
    return retry_when_locked(lambda: _unapprove(actor=actor, data_set=data_set, unit_code=unit_code,
                                                period=period, reason=text, version=version))


@transaction.atomic
def _unapprove(*, actor: Actor, data_set: DataSet, unit_code: str, period: Period, reason: str,
               version: int) -> DataApproval:
    unit = access_approval_unit(actor, unit_code)
    _lock_unit(unit)
    live = _live(data_set, unit, period)
    if live is None:
        raise ApprovalConflict(f"{unit.name} {period.label} 的“{data_set.name}”未审核（或已被他人取消审核），无需取消")
    if live.version != version:
        raise ApprovalConflict(f"{approved_text(live)}（版本 {live.version}），与您依据的版本 {version} 不符："
                               "请刷新页面核对后再取消审核")
    now = timezone.now()
    entry = record_audit(
        actor=actor, action="reporting.unapprove_period", object_type="DataApproval",
        object_id=f"{data_set.code}/{unit.code}/{period.code}",
        summary=f"{unit.name} {period.label} {data_set.name}：取消审核（{reason}）"[:300],
        before={"approved_by": actor_label(live.approved_by), "approved_at": live.approved_at.isoformat(),
                "version": live.version},
        after={"reason": reason, "unapproved_by": actor_label(actor), "unapproved_at": now.isoformat()},
    )
    live.unapproved_at, live.unapproved_by, live.unapproval_reason, live.version = (
        now, actor_user(actor), reason, entry.pk)
    live.save(update_fields=["unapproved_at", "unapproved_by", "unapproval_reason", "version"])
    return live
