"""REST API over routine reports: read data values, write one report, reporting status."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any

from django.http import Http404, HttpRequest, HttpResponse
from ninja import Query, Router, Schema
from ninja.errors import HttpError
from pydantic import BeforeValidator, ConfigDict, Field, StrictBool, StrictInt, StringConstraints
from pydantic_core import PydanticCustomError

from ducha.api_auth import actor_of
from ducha.api_contract import (
    CODE_PATTERN,
    PERIOD_MAX_LENGTH,
    PERIOD_PATTERN,
    UNIT_CODE,
    WRITE_ERRORS,
    contract,
)
from ducha.core.limits import UNIT_CODE_MAX_LENGTH
from ducha.core.locking import BusyError
from ducha.core.periods import parse_period
from ducha.orgs.api import scoped_root
from ducha.reporting.actions import ReportConflict, save_report
from ducha.reporting.approval_lock import ReportApproved, approved_response
from ducha.reporting.errors import conflict_response
from ducha.reporting.models import MAX_VALUE_CEILING, DataSet
from ducha.reporting.selectors import MCH_MONTHLY, data_values, get_data_set, reporting_status

router = Router(tags=["报表数据"])


class DataValueOut(Schema):
    unit: str
    period: str
    element: str
    element_name: str
    value: int
    updated_at: datetime
    version: int = Field(description="该值的版本；修改或清空时在 based_on 中原样传回")


class DataValuesOut(Schema):
    data_set: str
    period: str
    period_label: str
    unit: str
    months: list[str]
    values: list[DataValueOut]


ElementCode = Annotated[str, StringConstraints(pattern=CODE_PATTERN)]


def _integral_float(value: Any) -> Any:
    """``2.0`` is the integer 2 in JSON Schema too; ``1.5``, ``"10"``, ``true`` stay what they are (and fail)."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


_NUMBER_TEXT = re.compile(r"^\s*[+-]?[0-9]+(?:\.[0-9]*)?\s*$")


def _no_number(value: Any) -> Any:
    """A number is not a time here, nor a number in a string ("40942.5", "20120203"): pydantic would read it as
    Unix seconds (1970), a file reads it as an Excel serial — neither is what a client means."""
    if isinstance(value, int | float) and not isinstance(value, bool) or isinstance(value, str) and \
            _NUMBER_TEXT.match(value):
        raise PydanticCustomError("datetime_type", "报送时间应写作文字，如 2012-02-03T10:15:00+08:00")
    return value


Count = Annotated[StrictInt, Field(ge=0, le=MAX_VALUE_CEILING), BeforeValidator(_integral_float)]
ONLY_CODE_KEYS: dict[str, Any] = {"additionalProperties": False}  # keys other than data element codes are refused


class ReportIn(Schema):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"unit": "T01", "period": "201202", "values": {"PREG_TOTAL": 10, "PREG_REGISTERED": 7}, "submit": True}]})

    data_set: str = Field(default=MCH_MONTHLY, pattern=CODE_PATTERN, description="报表编码")
    unit: str = Field(pattern=UNIT_CODE, max_length=UNIT_CODE_MAX_LENGTH, description="报送单位编码，如 T01")
    period: str = Field(pattern=PERIOD_PATTERN, max_length=PERIOD_MAX_LENGTH,
                        description="月份，如 201201（报表为月报时只接受月份，且不能是尚未开始的月份）")
    values: dict[ElementCode, Count | None] = Field(
        min_length=1, json_schema_extra=ONLY_CODE_KEYS, description="数据元编码 → 非负整数（不超过该数据元的最大值）；null 表示清空该项；至少一项")
    submit: StrictBool = Field(default=True, description="同时记为已报送")
    submitted_at: Annotated[datetime, BeforeValidator(_no_number)] | None = Field(
        default=None, description="报送时间（其他系统中的报送时间，ISO 8601，如 2012-02-03T10:15:00+08:00；不带时区按服务器时区）。"
        "缺省为现在；不能晚于现在、不能早于期间开始。已有报送记录时只在这一时间更早时改为这一时间")
    based_on: dict[ElementCode, Annotated[StrictInt, Field(ge=0)] | None] = Field(
        default_factory=dict, json_schema_extra=ONLY_CODE_KEYS, description="数据元编码 → 修改所依据的版本（GET 返回的 version）；null 或缺省表示"
        "“该项原为空”。库中的值与所依据的版本不符时返回 409，什么都不写入")


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
    versions: dict[str, int] = Field(default_factory=dict, description="写入后各项的新版本（清空的项不列出）")


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


PERIOD_QUERY = Query(..., pattern=PERIOD_PATTERN, max_length=PERIOD_MAX_LENGTH,
                     description="期间：201201、2012-01、2012Q1、2012、2012MCH", example="2012Q1")
UNIT_QUERY = Query(None, pattern=UNIT_CODE, max_length=UNIT_CODE_MAX_LENGTH,
                   description="单位编码，缺省为调用者的最上级单位", example="T01")
DATA_SET_QUERY = Query(MCH_MONTHLY, pattern=CODE_PATTERN, description="报表编码", example=MCH_MONTHLY)


@router.get("/data-values", **contract(DataValuesOut), summary="读取数据值")
def read_data_values(
    request: HttpRequest, period: str = PERIOD_QUERY, unit: str | None = UNIT_QUERY,
    data_set: str = DATA_SET_QUERY,
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
                             element_name=v.data_element.name, value=v.value, updated_at=v.updated_at,
                             version=v.version)
                for v in rows],
    )


@router.post("/data-values", **contract(ReportSavedOut, WRITE_ERRORS), summary="填报或修改一份报表")
def write_data_values(request: HttpRequest, payload: ReportIn) -> ReportSavedOut | HttpResponse:
    """保存一个单位一个月的报表（与网页填报同一动作）；返回改动的项目和违反的校验规则。"""
    actor = actor_of(request)
    ds = find_data_set(payload.data_set)
    try:
        result = save_report(actor=actor, data_set=ds, unit_code=payload.unit, period=parse_period(payload.period),
                             values=payload.values, based_on=payload.based_on, submit=payload.submit, source="API",
                             submitted_at=payload.submitted_at)
    except ReportApproved as err:
        return approved_response(err)
    except ReportConflict as err:
        return conflict_response(err)
    except BusyError as err:
        raise HttpError(503, str(err)) from None
    return ReportSavedOut(
        data_set=ds.code, unit=payload.unit, period=parse_period(payload.period).code,
        changed={c: ChangeOut(before=o, after=n) for c, (o, n) in result.changed.items()},
        violations=[ViolationOut(rule_code=v.rule_code, rule_name=v.rule_name, importance=v.importance,
                                 message=v.message, left_value=v.left_value, operator=v.operator,
                                 right_value=v.right_value) for v in result.violations],
        submitted_at=result.submission.submitted_at if result.submission else None,
        versions={c: result.version for c, (_, n) in result.changed.items() if n is not None and result.version},
    )


@router.get("/reporting-status", **contract(ReportingStatusOut), summary="报送及时率与完整率")
def read_reporting_status(
    request: HttpRequest, period: str = PERIOD_QUERY, unit: str | None = UNIT_QUERY,
    data_set: str = DATA_SET_QUERY,
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
