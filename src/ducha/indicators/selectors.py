"""Reads of indicator values, scoped to the actor's org units (computed by ``engine``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from ducha.core.actor import Actor
from ducha.core.periods import Period
from ducha.indicators.models import Indicator
from ducha.orgs.models import OrgUnit
from ducha.orgs.selectors import default_unit


@dataclass(frozen=True)
class IndicatorValue:
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
    target: float | None = None
    target_met: bool | None = None
    attainment: float | None = None
    rank: int | None = None
    rank_of: int = 0
    source: str = "data_values"  # Indicator.source: "data_values" (月报) or "registers" (个案登记)
    # Register indicators only: the report expression they are checked against, over the same units and period
    # (None where the subtree reported none of it).
    reported_numerator: float | None = None
    reported_value: float | None = None


@dataclass
class IndicatorTable:
    period: Period
    root: OrgUnit
    rows: list[IndicatorValue] = field(default_factory=list)

    def indicator_codes(self) -> list[str]:
        return list(dict.fromkeys(r.indicator_code for r in self.rows))

    def total(self, code: str) -> IndicatorValue:
        return next(r for r in self.rows if r.indicator_code == code and r.is_root)

    def peers(self, code: str) -> list[IndicatorValue]:
        """The units under the root for one indicator, best first (unranked last)."""
        rows = [r for r in self.rows if r.indicator_code == code and not r.is_root]
        return sorted(rows, key=lambda r: (r.rank is None, r.rank or 0, r.unit_code))


def key_indicator_codes() -> list[str]:
    """Indicators shown on the home dashboard (Indicator.is_key), in pack order."""
    return list(Indicator.objects.filter(is_key=True).order_by("sort_order", "code").values_list("code", flat=True))


def indicator_choices(codes: list[str] | None = None) -> list[tuple[str, str]]:
    """(code, 名称) of all indicators, or of ``codes``, in pack order."""
    qs = Indicator.objects.filter(code__in=codes) if codes is not None else Indicator.objects.all()
    return list(qs.order_by("sort_order", "code").values_list("code", "name"))


def indicator_table(
    actor: Actor,
    *,
    period: Period,
    root: OrgUnit | None = None,
    codes: list[str] | None = None,
    level: Literal["children", "all"] = "children",
) -> IndicatorTable:
    """The engine's table, kept between requests until the data change (``ducha.indicators.cache``)."""
    from ducha.indicators.cache import cached_indicator_table

    root = root or default_unit(actor)
    if root is None:
        raise LookupError("当前用户没有任何单位的查看权限")
    return cached_indicator_table(actor, period=period, root=root, codes=codes, level=level)
