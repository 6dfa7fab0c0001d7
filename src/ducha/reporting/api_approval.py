"""REST API over data approvals: list (scoped), approve, unapprove with a reason (same actions as the pages)."""

from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest
from ninja import Query, Router, Schema
from ninja.errors import HttpError
from pydantic import ConfigDict, Field, StrictInt

from ducha.api_auth import actor_of
from ducha.api_contract import (
    CODE_PATTERN,
    PERIOD_MAX_LENGTH,
    PERIOD_PATTERN,
    UNIT_CODE,
    WRITE_ERRORS,
    contract,
)
from ducha.core.actor import actor_label
from ducha.core.limits import UNIT_CODE_MAX_LENGTH
from ducha.core.locking import BusyError
from ducha.core.periods import parse_period
from ducha.orgs.api import scoped_root
from ducha.reporting.api import DATA_SET_QUERY, UNIT_QUERY, find_data_set
from ducha.reporting.approval import REASON_MAX_LENGTH, ApprovalConflict, approve_period, unapprove_period
from ducha.reporting.approval_selectors import approvals
from ducha.reporting.models import DataApproval
from ducha.reporting.selectors import MCH_MONTHLY

router = Router(tags=["数据审核"])


class ApprovalOut(Schema):
    data_set: str
    data_set_name: str
    unit: str
    unit_name: str
    period: str
    period_label: str
    approved: bool = Field(description="true：审核有效（数据已锁定）；false：已取消审核")
    approved_by: str
    approved_at: datetime
    unapproved_by: str | None
    unapproved_at: datetime | None
    unapproval_reason: str
    version: int = Field(description="审核记录的版本；取消审核时在 version 中原样传回")


class ApprovalsOut(Schema):
    unit: str
    approvals: list[ApprovalOut]


class ApprovalIn(Schema):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"data_set": MCH_MONTHLY, "unit": "T01", "period": "201201"}]})

    data_set: str = Field(default=MCH_MONTHLY, pattern=CODE_PATTERN, description="报表编码")
    unit: str = Field(pattern=UNIT_CODE, max_length=UNIT_CODE_MAX_LENGTH, description="报送单位编码，如 T01")
    period: str = Field(pattern=PERIOD_PATTERN, max_length=PERIOD_MAX_LENGTH,
                        description="报表的期间（月报为月份，如 201201）；只能审核已报送的报表")


class UnapprovalIn(ApprovalIn):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"data_set": MCH_MONTHLY, "unit": "T01", "period": "201201", "reason": "孕妇总数有误，退回乡镇更正",
         "version": 123}]})

    reason: str = Field(max_length=REASON_MAX_LENGTH, description="取消审核的原因（必填，记入审计日志）")
    version: StrictInt = Field(ge=0, description="要取消的审核记录的版本（GET 或 POST 返回的 version）")


APPROVAL_PERIOD_QUERY = Query(None, pattern=PERIOD_PATTERN, max_length=PERIOD_MAX_LENGTH,
                              description="期间（缺省为全部）；季度、年展开为其中各月", example="2012Q1")
WITHDRAWN_QUERY = Query(False, description="同时列出已取消的审核（含取消人、时间和原因）")


def _out(a: DataApproval) -> ApprovalOut:
    return ApprovalOut(
        data_set=a.data_set.code, data_set_name=a.data_set.name, unit=a.org_unit.code, unit_name=a.org_unit.name,
        period=a.period, period_label=parse_period(a.period).label, approved=a.unapproved_at is None,
        approved_by=actor_label(a.approved_by), approved_at=a.approved_at,
        unapproved_by=actor_label(a.unapproved_by) if a.unapproved_at else None, unapproved_at=a.unapproved_at,
        unapproval_reason=a.unapproval_reason, version=a.version)


@router.get("/data-approvals", **contract(ApprovalsOut), summary="读取数据审核情况")
def read_approvals(
    request: HttpRequest,
    period: str | None = APPROVAL_PERIOD_QUERY, unit: str | None = UNIT_QUERY, data_set: str = DATA_SET_QUERY,
    include_withdrawn: bool = WITHDRAWN_QUERY,
) -> ApprovalsOut:
    """``unit`` 及其全部下级的审核记录（调用者权限范围内），默认只列出有效的审核。"""
    actor = actor_of(request)
    ds = find_data_set(data_set)
    root = scoped_root(actor, unit)
    periods = None
    if period is not None:
        per = parse_period(period)
        periods = sorted({per.code, *per.month_codes()})
    rows = approvals(actor, data_set=ds, root=root, periods=periods, include_withdrawn=include_withdrawn)
    return ApprovalsOut(unit=root.code, approvals=[_out(a) for a in rows])


@router.post("/data-approvals", **contract(ApprovalOut, WRITE_ERRORS), summary="审核通过（锁定数据）")
def create_approval(request: HttpRequest, payload: ApprovalIn) -> ApprovalOut:
    """督查员或系统管理员审核一个单位一期已报送的报表；此后网页、导入和接口都不能修改该期数据，直到取消审核。
    已审核时返回 409；尚未报送返回 422；妇幼专干和领导返回 403。"""
    actor = actor_of(request)
    ds = find_data_set(payload.data_set)
    try:
        approval = approve_period(actor=actor, data_set=ds, unit_code=payload.unit,
                                  period=parse_period(payload.period))
    except ApprovalConflict as err:
        raise HttpError(409, str(err)) from None
    except BusyError as err:
        raise HttpError(503, str(err)) from None
    return _out(approval)


@router.post("/data-approvals/unapprove", **contract(ApprovalOut, WRITE_ERRORS), summary="取消审核（须填原因）")
def withdraw_approval(request: HttpRequest, payload: UnapprovalIn) -> ApprovalOut:
    """取消一个单位一期报表的审核；``reason`` 必填，``version`` 须为当前审核记录的版本（否则 409）。"""
    actor = actor_of(request)
    ds = find_data_set(payload.data_set)
    try:
        approval = unapprove_period(actor=actor, data_set=ds, unit_code=payload.unit,
                                    period=parse_period(payload.period), reason=payload.reason,
                                    version=payload.version)
    except ApprovalConflict as err:
        raise HttpError(409, str(err)) from None
    except BusyError as err:
        raise HttpError(503, str(err)) from None
    return _out(approval)
