"""The task (任务) a unit has for a period, from annual targets.

- Count indicators: quarters take 25 % of the annual task each unless a quarter is set explicitly;
  a month takes a third of its quarter; a year (or statistical year) the whole task. A unit without a
  target of its own has the sum of the targets in its subtree (the county's task is its townships').
- Rate indicators: the annual rate, or — when ``split_by_quarter`` — the annual rate × the share of
  the year covered so far (Q1 25 %, Q2 50 %…, as the seed county measured 系管率 "全年的四分之一任务").
  A unit without a target inherits its nearest ancestor's.
"""

from __future__ import annotations

from decimal import Decimal

import pyarrow as pa

from ducha.core.periods import Period, PeriodKind
from ducha.indicators.models import Indicator, Target
from ducha.orgs.models import OrgUnit


def _quarter_task(target: Target, q: int) -> float:
    explicit: Decimal | None = getattr(target, f"q{q}")
    return float(explicit) if explicit is not None else float(target.annual_value) / 4


def count_task(target: Target, period: Period) -> float:
    """Task for exactly ``period`` (not cumulative)."""
    if period.kind in (PeriodKind.YEAR, PeriodKind.MCH_YEAR):
        return float(target.annual_value)
    q = (period.start.month - 1) // 3 + 1
    task = _quarter_task(target, q)
    return task / 3 if period.kind is PeriodKind.MONTH else task


def rate_task(target: Target, period: Period) -> float:
    if not target.split_by_quarter or period.kind in (PeriodKind.YEAR, PeriodKind.MCH_YEAR):
        return float(target.annual_value)
    months_so_far = period.end.month if period.kind is not PeriodKind.MCH_YEAR else 12
    share = (months_so_far + 2) // 3 / 4 if period.kind is PeriodKind.QUARTER else months_so_far / 12
    return float(target.annual_value) * share


def period_tasks(period: Period, units: list[OrgUnit], indicators: list[Indicator]) -> pa.Table:
    """(target_id, indicator, task) for every unit and indicator that has one."""
    year = period.year
    stored = list(Target.objects.filter(indicator__in=indicators, year=year).select_related("org_unit", "indicator"))
    rows: list[tuple[int, str, float]] = []
    for ind in indicators:
        mine = [t for t in stored if t.indicator_id == ind.pk]
        for unit in units:
            task = _task_for(unit, ind, mine, period)
            if task is not None:
                rows.append((unit.pk, ind.code, task))
    return pa.table(
        {"target_id": [r[0] for r in rows], "indicator": [r[1] for r in rows], "task": [r[2] for r in rows]},
        schema=pa.schema([("target_id", pa.int64()), ("indicator", pa.string()), ("task", pa.float64())]),
    )


def _task_for(unit: OrgUnit, ind: Indicator, targets: list[Target], period: Period) -> float | None:
    own = next((t for t in targets if t.org_unit_id == unit.pk), None)
    if ind.is_count:
        if own is not None:
            return count_task(own, period)
        below = [t for t in targets if t.org_unit.path.startswith(unit.path)]
        return sum(count_task(t, period) for t in below) if below else None
    if own is not None:
        return rate_task(own, period)
    above = [t for t in targets if unit.path.startswith(t.org_unit.path)]
    if not above:
        return None
    nearest = max(above, key=lambda t: len(t.org_unit.path))
    return rate_task(nearest, period)
