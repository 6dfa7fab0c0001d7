"""Approve / unapprove buttons (POST, CSRF) and what the entry page and the status grid show of approvals.

The buttons post to :func:`approve` and :func:`unapprove`, which call the actions of
:mod:`ducha.reporting.approval` and go back to the page they came from with a Chinese message.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from ducha.core.actor import Actor, actor_label
from ducha.core.locking import BusyError
from ducha.core.periods import Period, PeriodError, parse_period
from ducha.orgs.models import OrgUnit
from ducha.reporting.approval import ApprovalError, approve_period, approving_units, unapprove_period
from ducha.reporting.approval_lock import approved_text
from ducha.reporting.approval_selectors import approval_map, last_withdrawal, live_approval
from ducha.reporting.models import DataApproval, DataSet, Submission
from ducha.reporting.selectors import get_data_set


def _back(request: HttpRequest, unit: str, period: str) -> HttpResponseRedirect:
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                           require_https=request.is_secure()):
        target = f"{reverse('reporting:entry')}?unit={unit}&period={period}"
    return HttpResponseRedirect(target)


def _target(request: HttpRequest) -> tuple[DataSet, str, Period]:
    try:
        data_set = get_data_set(request.POST.get("data_set", "").strip())
    except DataSet.DoesNotExist:
        raise Http404("报表不存在") from None
    return data_set, request.POST.get("unit", "").strip(), parse_period(request.POST.get("period", ""))


def _version(request: HttpRequest) -> int:
    raw = request.POST.get("version", "").strip()
    if not raw.isdigit():
        raise ApprovalError("页面缺少审核记录的版本，请刷新页面后重试")
    return int(raw)


@login_required
@require_POST
def approve(request: HttpRequest) -> HttpResponse:
    """审核通过: lock the unit's report for the period."""
    unit, period_code = request.POST.get("unit", ""), request.POST.get("period", "")
    try:
        data_set, unit, period = _target(request)
        approval = approve_period(actor=request.user, data_set=data_set, unit_code=unit, period=period)
    except (ApprovalError, PeriodError, BusyError) as err:
        messages.error(request, f"未能审核：{err}")
    else:
        messages.success(request, f"{approved_text(approval)}，该期数据已锁定")
    return _back(request, unit, period_code)


@login_required
@require_POST
def unapprove(request: HttpRequest) -> HttpResponse:
    """取消审核 with a reason: the values can be changed again."""
    unit, period_code = request.POST.get("unit", ""), request.POST.get("period", "")
    try:
        data_set, unit, period = _target(request)
        approval = unapprove_period(actor=request.user, data_set=data_set, unit_code=unit, period=period,
                                    reason=request.POST.get("reason", ""), version=_version(request))
    except (ApprovalError, PeriodError, BusyError) as err:
        messages.error(request, f"未能取消审核：{err}")
    else:
        messages.success(request, f"已取消 {approval.org_unit.name} {period.label} 的审核，数据可以重新修改")
    return _back(request, unit, period_code)


def withdrawn_text(approval: DataApproval) -> str:
    when = timezone.localtime(approval.unapproved_at).strftime("%Y-%m-%d %H:%M") if approval.unapproved_at else ""
    return f"上次审核已于 {when} 由 {actor_label(approval.unapproved_by)} 取消，原因：{approval.unapproval_reason}"


def entry_approval(actor: Actor, *, data_set: DataSet, unit: OrgUnit, period: Period, read_only: bool,
                   next_url: str) -> dict[str, Any]:
    """Context of the entry page: the live approval (the form is then read-only) and the buttons."""
    approval = live_approval(actor, data_set=data_set, unit=unit, period=period)
    withdrawn = None if approval else last_withdrawal(actor, data_set=data_set, unit=unit, period=period)
    return {
        "approval": approval, "approval_text": approved_text(approval) if approval else "",
        "approval_withdrawn": withdrawn_text(withdrawn) if withdrawn else "",
        "can_approve_unit": approving_units(actor).filter(pk=unit.pk).exists(),
        "approval_submitted": Submission.objects.filter(data_set=data_set, org_unit=unit,
                                                        period=period.code).exists(),
        "approval_next": next_url, "read_only": read_only or approval is not None,
    }


def grid_approvals(actor: Actor, *, data_set: DataSet, grid: list[dict[str, Any]], next_url: str) -> dict[str, Any]:
    """Mark each cell of the status grid with its live approval and whether the actor may (un)approve it."""
    units = [g["row"].unit for g in grid]
    codes = sorted({c["period"] for g in grid for c in g["cells"]})
    marks = approval_map(actor, data_set=data_set, units=units, periods=codes)
    approver = set(approving_units(actor).filter(pk__in=[u.pk for u in units]).values_list("pk", flat=True))
    submitted = set(Submission.objects.filter(data_set=data_set, org_unit__in=units, period__in=codes)
                    .values_list("org_unit_id", "period"))
    for g in grid:
        unit = g["row"].unit
        for cell in g["cells"]:
            key = (unit.pk, cell["period"])
            cell["approval"] = marks.get(key)
            cell["approval_title"] = approved_text(marks[key]) if key in marks else ""
            cell["can_approve"] = unit.pk in approver and key in submitted and key not in marks
            cell["can_unapprove"] = unit.pk in approver and key in marks
    return {"approved_count": len(marks), "approver": bool(approver), "approval_next": next_url}
