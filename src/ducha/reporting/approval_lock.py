"""Period locking: values of an approved report cannot be changed until the approval is withdrawn.

Every write of data values goes through :func:`ducha.reporting.actions.save_report` (web form, API,
Excel upload, ``ducha import-reports``, demo); it calls :func:`refuse_if_approved` with the elements it
is about to change, after taking the unit's row lock that :mod:`ducha.reporting.approval` also takes,
so an approval and a save of the same unit never interleave. A data element may belong to several data
sets: a live approval of any of them for the unit and period locks the element.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet
from django.http import HttpResponse
from django.utils import timezone

from ducha.core.actor import actor_label
from ducha.core.excel_io import ImportProblem
from ducha.core.periods import Period, parse_period
from ducha.orgs.models import OrgUnit
from ducha.reporting.errors import ReportError
from ducha.reporting.models import DataApproval, DataSet

if TYPE_CHECKING:
    from ducha.reporting.actions import ReportInput

APPROVED_PROBLEM = "IMP053"
APPROVED_EXPECTED = "请督查员先在“数据填报”或“报送情况”页面取消审核（须填写原因），再重新导入"


def live_approvals() -> QuerySet[DataApproval]:
    return DataApproval.objects.filter(unapproved_at__isnull=True).select_related(
        "data_set", "org_unit", "approved_by")


def approved_text(approval: DataApproval) -> str:
    """“甲镇卫生院 2012年1月 的“妇幼保健月报表”已于 2012-02-03 10:00 由 张三 审核通过”."""
    when = timezone.localtime(approval.approved_at).strftime("%Y-%m-%d %H:%M")
    label = _period_label(approval.period)
    return (f"{approval.org_unit.name} {label} 的“{approval.data_set.name}”已于 {when} 由 "
            f"{actor_label(approval.approved_by)} 审核通过")


def _period_label(code: str) -> str:
    try:
        return parse_period(code).label
    except ValueError:
        return code


class ReportApproved(ReportError):
    """A write refused because the unit's report for the period is approved; nothing was written."""

    def __init__(self, approvals: list[DataApproval]):
        self.approvals = approvals
        super().__init__([f"{approved_text(a)}，数据已锁定，不能修改；如需修改，请联系督查员取消审核"
                          for a in approvals])


def blocking_approvals(*, data_set: DataSet, unit: OrgUnit, period: Period,
                       codes: Iterable[str]) -> list[DataApproval]:
    """Live approvals that lock any of ``codes`` (data element codes) of ``unit`` in ``period``."""
    return list(live_approvals().filter(org_unit=unit, period=period.code).filter(
        Q(data_set=data_set) | Q(data_set__set_elements__data_element__code__in=list(codes))).distinct()
        .order_by("data_set__code"))


def refuse_if_approved(*, data_set: DataSet, unit: OrgUnit, period: Period, codes: Iterable[str]) -> None:
    """Raise :class:`ReportApproved` when a live approval locks what is about to be written."""
    approvals = blocking_approvals(data_set=data_set, unit=unit, period=period, codes=codes)
    if approvals:
        raise ReportApproved(approvals)


def approved_problem(report: ReportInput, err: ReportApproved) -> ImportProblem:
    """The import problem (IMP053) of a file row whose unit and period are approved."""
    where = next(iter(report.cells.values()), None)
    text = "；".join(err.problems)
    if where is None:
        return ImportProblem(APPROVED_PROBLEM, report.source, text, expected=APPROVED_EXPECTED)
    return ImportProblem(APPROVED_PROBLEM, where.file, text, sheet=where.sheet, row=where.row,
                         expected=APPROVED_EXPECTED)


def approved_response(err: ReportApproved) -> HttpResponse:
    """409 for the API: ``detail``, ``problems`` and who approved what when."""
    body = {
        "detail": "报表已审核，什么都没有写入：" + "；".join(err.problems),
        "problems": err.problems,
        "approvals": [{"data_set": a.data_set.code, "unit": a.org_unit.code, "period": a.period,
                       "approved_by": actor_label(a.approved_by), "approved_at": a.approved_at.isoformat()}
                      for a in err.approvals],
    }
    return HttpResponse(json.dumps(body, ensure_ascii=False), status=409,
                        content_type="application/json; charset=utf-8")
