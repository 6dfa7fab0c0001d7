"""Indicators recounted from the registers, next to the reported ones: the verification factor.

VF = count recounted from register records ÷ count reported in the monthly reports, per unit, indicator
and period (`quality.md` §2): 0.90–1.10 acceptable, > 1.10 under-reporting, < 0.90 over-reporting.
The register indicators are defined once, in the indicator engine (``Indicator.source == "registers"``,
``indicators/register_source.py``): the engine counts both sides in one pass, this module only judges.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from ducha.core.actor import Actor
from ducha.core.periods import Period
from ducha.indicators.models import Indicator, IndicatorSource
from ducha.indicators.selectors import IndicatorValue, indicator_table
from ducha.orgs.models import OrgUnit

VF_LOW, VF_HIGH = 0.90, 1.10


@dataclass(frozen=True)
class RegisterIndicatorRow:
    unit_code: str
    unit_label: str
    indicator_code: str
    indicator_name: str
    register_numerator: int
    register_denominator: int | None
    register_value: float | None
    reported_element: str
    reported_numerator: int | None
    reported_value: float | None
    verification_factor: float | None
    vf_status: Literal["ok", "under", "over"] | None

    @property
    def vf_label(self) -> str:
        return {"ok": "一致", "under": "少报（登记多于报表）", "over": "多报（报表多于登记）", None: "无法比较"}[
            self.vf_status]


def register_indicators() -> dict[str, str]:
    """Code → the report expression of every register indicator that is checked against the reports."""
    rows = Indicator.objects.filter(source=IndicatorSource.REGISTERS).exclude(reported_numerator="")
    return dict(rows.order_by("sort_order", "code").values_list("code", "reported_numerator"))


def register_indicator_table(actor: Actor, *, period: Period, root: OrgUnit,
                             level: Literal["children", "all"] = "children") -> list[RegisterIndicatorRow]:
    """The register indicators of the root's children (``all``: of every unit of its subtree, root included)
    with their report side and verification factor, as the engine computes them for ``actor``."""
    reported = register_indicators()
    if not reported:
        return []
    table = indicator_table(actor, period=period, root=root, codes=list(reported), level=level)
    return [_row(v, reported[v.indicator_code]) for v in table.rows if level == "all" or not v.is_root]


def _whole(value: float | None) -> int | None:
    return None if value is None else round(value)


def _row(value: IndicatorValue, element: str) -> RegisterIndicatorRow:
    num = round(value.numerator)
    rep_num = _whole(value.reported_numerator)
    vf = None if not rep_num else num / rep_num
    status: Literal["ok", "under", "over"] | None = None
    if vf is not None:
        status = "ok" if VF_LOW <= vf <= VF_HIGH else ("under" if vf > VF_HIGH else "over")
    return RegisterIndicatorRow(
        unit_code=value.unit_code, unit_label=value.unit_label, indicator_code=value.indicator_code,
        indicator_name=value.indicator_name, register_numerator=num,
        register_denominator=_whole(value.denominator), register_value=value.value,
        reported_element=element, reported_numerator=rep_num, reported_value=value.reported_value,
        verification_factor=vf, vf_status=status,
    )
