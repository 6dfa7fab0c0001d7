"""REST API over routine reports: read data values, write one report, reporting status."""

from __future__ import annotations

from datetime import datetime

from django.http import Http404, HttpRequest
from ninja import Router, Schema
from pydantic import Field, StrictInt

from ducha.api_auth import actor_of
from ducha.orgs.api import scoped_root
from ducha.reporting.actions import ReportError, save_report
from ducha.reporting.models import DataSet
from ducha.reporting.periods import parse_period
from ducha.reporting.selectors import MCH_MONTHLY, data_values, get_data_set, reporting_status

router = Router(tags=["报表数据"])


class DataValueOut(Schema):
    unit: str
    period: str
    element: str
    element_name: str
    value: int
    updated_at: datetime


class DataValuesOut(Schema):
    data_set: str
    period: str
    period_label: str
    unit: str
    months: list[str]
    values: list[DataValueOut]


class ReportIn(Schema):
    data_set: str = MCH_MONTHLY
    unit: str = Field(description="报送单位编码，如 T01")
    period: str = Field(description="月份，如 201201（报表为月报时只接受月份）")
    values: dict[str, StrictInt | None] = Field(description="数据元编码 → 非负整数；null 表示清空该项")
    submit: bool = Field(default=True, description="同时记为已报送")


class ChangeOut(Schema):
    before: int | None
    after: int | None


class ViolationOut(Schema):
    rule_code: str
    rule_name: str
    importance: str
    message: str
    left_value: float
    operator: str
    right_value: float


class ReportSavedOut(Schema):
    data_set: str
    unit: str
    period: str
    changed: dict[str, ChangeOut]
    violations: list[ViolationOut]
    submitted_at: datetime | None


class UnitReportingOut(Schema):
    unit: str
    unit_name: str
    expected: int
    received: int
    timely: int
    completeness: float | None
    timeliness: float | None
    value_completeness: float | None
    missing_periods: list[str]
    late_periods: list[str]


class ReportingStatusOut(Schema):
    data_set: str
    period: str
    period_label: str
    unit: str
    units: list[UnitReportingOut]


def find_data_set(code: str) -> DataSet:
    try:
        return get_data_set(code)
    except DataSet.DoesNotExist:
        raise Http404(f"报表 {code} 不存在") from None


@router.get("/data-values", response=DataValuesOut, summary="读取数据值")
def read_data_values(
    request: HttpRequest, period: str, unit: str | None = None, data_set: str = MCH_MONTHLY
) -> DataValuesOut:
    """``unit`` 及其全部下级在 ``period`` 内各月的数据值；季度、年、妇幼统计年度展开为月份。"""
    actor = actor_of(request)
    per = parse_period(period)
    ds = find_data_set(data_set)
    root = scoped_root(actor, unit)
    months = per.month_codes()
    rows = (data_values(actor, root=root, months=months).filter(data_element__in=ds.elements.all())
            .order_by("org_unit__path", "period", "data_element__code"))
    return DataValuesOut(
        data_set=ds.code, period=per.code, period_label=per.label, unit=root.code, months=months,
        values=[DataValueOut(unit=v.org_unit.code, period=v.period, element=v.data_element.code,
                             element_name=v.data_element.name, value=v.value, updated_at=v.updated_at)
                for v in rows],
    )


@router.post("/data-values", response=ReportSavedOut, summary="填报或修改一份报表")
def write_data_values(request: HttpRequest, payload: ReportIn) -> ReportSavedOut:
    """保存一个单位一个月的报表（与网页填报同一动作）；返回改动的项目和违反的校验规则。"""
    actor = actor_of(request)
    if not payload.values:
        raise ReportError(["values 中至少要有一项数据"])
    ds = find_data_set(payload.data_set)
    result = save_report(actor=actor, data_set=ds, unit_code=payload.unit, period=parse_period(payload.period),
                         values=payload.values, submit=payload.submit, source="API")
    return ReportSavedOut(
        data_set=ds.code, unit=payload.unit, period=parse_period(payload.period).code,
        changed={c: ChangeOut(before=o, after=n) for c, (o, n) in result.changed.items()},
        violations=[ViolationOut(rule_code=v.rule_code, rule_name=v.rule_name, importance=v.importance,
                                 message=v.message, left_value=v.left_value, operator=v.operator,
                                 right_value=v.right_value) for v in result.violations],
        submitted_at=result.submission.submitted_at if result.submission else None,
    )


@router.get("/reporting-status", response=ReportingStatusOut, summary="报送及时率与完整率")
def read_reporting_status(
    request: HttpRequest, period: str, unit: str | None = None, data_set: str = MCH_MONTHLY
) -> ReportingStatusOut:
    """``unit`` 下每个应报单位在 ``period`` 内的应报、已报、及时份数与比率（%）。"""
    actor = actor_of(request)
    per = parse_period(period)
    ds = find_data_set(data_set)
    root = scoped_root(actor, unit)
    rows = reporting_status(actor, data_set=ds, period=per, root=root)
    return ReportingStatusOut(
        data_set=ds.code, period=per.code, period_label=per.label, unit=root.code,
        units=[UnitReportingOut(
            unit=r.unit.code, unit_name=r.unit.name, expected=r.expected, received=r.received, timely=r.timely,
            completeness=r.completeness, timeliness=r.timeliness, value_completeness=r.value_completeness,
            missing_periods=r.missing_periods, late_periods=r.late_periods,
        ) for r in rows],
    )
