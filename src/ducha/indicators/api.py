"""REST API over indicators: the definitions and their values for a unit's subtree and a period."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Literal

from django.http import Http404, HttpRequest, HttpResponse
from ninja import Query, Router, Schema
from ninja.responses import NinjaJSONEncoder

from ducha.api_auth import actor_of
from ducha.api_contract import CODE_LIST_PATTERN, PERIOD_MAX_LENGTH, PERIOD_PATTERN, UNIT_CODE, contract
from ducha.core.limits import UNIT_CODE_MAX_LENGTH
from ducha.core.periods import parse_period
from ducha.indicators.cache import cached_for_table
from ducha.indicators.models import Indicator
from ducha.indicators.selectors import indicator_table
from ducha.orgs.api import scoped_root

router = Router(tags=["指标"])


class IndicatorOut(Schema):
    code: str
    name: str
    numerator: str
    numerator_label: str
    denominator: str
    denominator_label: str
    factor: int
    factor_label: str
    is_count: bool
    higher_is_better: bool
    is_key: bool
    definition_set: str
    definition_set_label: str
    description: str
    source: str
    source_label: str
    reported_numerator: str
    reported_denominator: str


class IndicatorValueOut(Schema):
    unit_code: str
    unit_name: str
    unit_label: str
    is_root: bool
    indicator_code: str
    indicator_name: str
    factor_label: str
    is_count: bool
    higher_is_better: bool
    numerator: float
    denominator: float | None
    value: float | None
    target: float | None
    target_met: bool | None
    attainment: float | None
    rank: int | None
    rank_of: int
    source: str
    reported_numerator: float | None
    reported_value: float | None


class IndicatorTableOut(Schema):
    period: str
    period_label: str
    unit: str
    level: str
    rows: list[IndicatorValueOut]


@router.get("/indicators", **contract(list[IndicatorOut], (401, 429)), summary="指标定义")
def list_indicators(request: HttpRequest) -> list[IndicatorOut]:
    """全部指标的定义：分子、分母表达式与系数。source 为 data_values（月报，表达式用数据元编码）或 registers（个案登记，
    表达式用登记指标量编码），个案登记指标另有对照的月报分子、分母（数据元表达式）。"""
    return [
        IndicatorOut(
            code=i.code, name=i.name, numerator=i.numerator, numerator_label=i.numerator_label,
            denominator=i.denominator, denominator_label=i.denominator_label, factor=i.factor,
            factor_label=i.factor_label, is_count=i.is_count, higher_is_better=i.higher_is_better,
            is_key=i.is_key, definition_set=i.definition_set, definition_set_label=i.get_definition_set_display(),
            description=i.description, source=i.source, source_label=i.get_source_display(),
            reported_numerator=i.reported_numerator, reported_denominator=i.reported_denominator,
        )
        for i in Indicator.objects.all()
    ]


def parse_codes(codes: str | None) -> list[str] | None:
    """``REG_RATE,FOLIC_COUNT`` → the codes, each checked against the defined indicators (404 if not)."""
    if not codes:
        return None
    wanted = [c.strip().upper() for c in codes.split(",") if c.strip()]
    known = set(Indicator.objects.filter(code__in=wanted).values_list("code", flat=True))
    unknown = [c for c in wanted if c not in known]
    if unknown:
        raise Http404(f"未定义的指标 {', '.join(unknown)}")
    return wanted or None


@router.get("/indicator-values", **contract(IndicatorTableOut), summary="指标值")
def read_indicator_values(
    request: HttpRequest,
    period: str = Query(..., pattern=PERIOD_PATTERN, max_length=PERIOD_MAX_LENGTH,
                        description="期间：201201、2012-01、2012Q1、2012、2012MCH", example="2012Q1"),
    unit: str | None = Query(None, pattern=UNIT_CODE, max_length=UNIT_CODE_MAX_LENGTH,
                             description="合计单位的编码，缺省为调用者的最上级单位", example="T00"),
    codes: str | None = Query(None, pattern=CODE_LIST_PATTERN, max_length=1000,
                              description="逗号分隔的指标编码（不区分大小写），缺省为全部指标",
                              example="REG_RATE,FOLIC_COUNT"),
    level: Literal["children", "all"] = Query("children", description="children：直接下级；all：全部下级"),
) -> HttpResponse:
    """``unit``（合计行 is_root=true）及其下级（children：直接下级；all：全部下级）在 ``period`` 的指标值、任务完成情况和排名。"""
    actor = actor_of(request)
    per = parse_period(period)
    root = scoped_root(actor, unit)
    wanted = parse_codes(codes)

    def render() -> str:  # the JSON is kept with the table it is made from (ducha.indicators.cache)
        table = indicator_table(actor, period=per, root=root, codes=wanted, level=level)
        out = IndicatorTableOut(period=per.code, period_label=per.label, unit=root.code, level=level,
                                rows=[IndicatorValueOut(**asdict(r)) for r in table.rows])
        return json.dumps(out.model_dump(), cls=NinjaJSONEncoder, ensure_ascii=False)  # as ducha.api renders

    body = cached_for_table("indicator-values-json", actor, period=per, root=root, codes=wanted, level=level,
                            compute=render)
    return HttpResponse(body, content_type="application/json; charset=utf-8")
