"""Indicator computation as Ibis expressions executed by DuckDB.

Data leave the store as Arrow tables (values, the unit ancestry, targets); everything after that —
taking the period-end value of stock elements, summing numerators and denominators up the tree,
dividing, ranking with ties and comparing with targets — is one Ibis expression. The same expression
runs on Spark through Ibis's pyspark backend.

Two data sources feed the same pass: data elements of the monthly reports, and the register measures
(``register_source``) counted from the individual records. An indicator's ``source`` says which its
numerator and denominator name; a register indicator also carries the report expression it is checked
against (``reported_numerator`` ÷ ``reported_denominator``), computed alongside from the data values.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

import ibis
import ibis.expr.types as ir
import pyarrow as pa

from ducha.core.actor import Actor
from ducha.core.expressions import codes_in, evaluate
from ducha.core.periods import Period
from ducha.indicators.models import Indicator
from ducha.indicators.register_source import measure_column, measures_by_target
from ducha.indicators.selectors import IndicatorTable, IndicatorValue
from ducha.indicators.targets import period_tasks
from ducha.orgs.models import OrgUnit
from ducha.orgs.selectors import visible_units
from ducha.reporting.models import DataElement, DataSetElement, DataValue

POPULATION = "POPULATION"


def _connection() -> Any:
    return ibis.duckdb.connect()


def _units_in_scope(actor: Actor, root: OrgUnit) -> list[OrgUnit]:
    return list(visible_units(actor).filter(path__startswith=root.path).order_by("path"))


def _targets_of(root: OrgUnit, units: list[OrgUnit], level: str) -> list[OrgUnit]:
    if level == "all":
        return units
    return [root, *[u for u in units if u.parent_id == root.pk]]


def ancestry_table(units: list[OrgUnit], targets: list[OrgUnit]) -> pa.Table:
    """Pairs (target unit, unit in its subtree): the join that sums values up the tree."""
    pairs = [(t.pk, u.pk) for t in targets for u in units if u.path.startswith(t.path)]
    return pa.table({"target_id": [p[0] for p in pairs], "unit_id": [p[1] for p in pairs]},
                    schema=pa.schema([("target_id", pa.int64()), ("unit_id", pa.int64())]))


def population_leaves(units: list[OrgUnit]) -> list[OrgUnit]:
    """Units whose population is counted: those with no populated unit below them.

    A county's own population is the sum of its townships', so it is never added on top of theirs.
    """
    populated = [u for u in units if u.population]
    return [u for u in populated if not any(o.path != u.path and o.path.startswith(u.path) for o in populated)]


def values_table(units: list[OrgUnit], months: list[str], codes: set[str]) -> pa.Table:
    """Data values of ``units`` in ``months`` for ``codes``, plus each unit's population as a pseudo-value."""
    rows = list(DataValue.objects.filter(
        org_unit__in=units, period__in=months, data_element__code__in=codes
    ).values_list("org_unit_id", "period", "data_element__code", "value"))
    stock = set(DataElement.objects.filter(code__in=codes, aggregation="last").values_list("code", flat=True))
    if POPULATION in codes:
        rows += [(u.pk, "", POPULATION, u.population) for u in population_leaves(units)]
    return pa.table(
        {
            "unit_id": [r[0] for r in rows],
            "period": [r[1] for r in rows],
            "code": [r[2] for r in rows],
            "value": [float(r[3]) for r in rows],
            "is_stock": [r[2] in stock for r in rows],
        },
        schema=pa.schema([("unit_id", pa.int64()), ("period", pa.string()), ("code", pa.string()),
                          ("value", pa.float64()), ("is_stock", pa.bool_())]),
    )


def participation_table(units: list[OrgUnit], targets: list[OrgUnit], indicators: list[Indicator],
                        root: OrgUnit) -> pa.Table:
    """(target, indicator) pairs where the target's subtree must report the indicator's numerator.

    A county hospital is not ranked on folic acid: no unit under it reports 叶酸补服人数.
    """
    reporters: dict[str, set[int]] = {}
    for code, unit_id in DataSetElement.objects.filter(data_set__org_units__in=units).values_list(
            "data_element__code", "data_set__org_units"):
        reporters.setdefault(code, set()).add(unit_id)
    by_id = {u.pk: u for u in units}
    pairs: list[tuple[int, str]] = []
    for ind in indicators:
        if ind.from_registers:  # every unit keeps registers: a unit that counts nothing is news, not noise
            pairs += [(t.pk, ind.code) for t in targets]
            continue
        ids = set().union(*(reporters.get(c, set()) for c in codes_in(ind.numerator)))
        paths = [by_id[i].path for i in ids if i in by_id]
        pairs += [(t.pk, ind.code) for t in targets
                  if t.pk == root.pk or any(p.startswith(t.path) for p in paths)]
    return pa.table({"target_id": [p[0] for p in pairs], "indicator": [p[1] for p in pairs]},
                    schema=pa.schema([("target_id", pa.int64()), ("indicator", pa.string())]))


def present_column(code: str) -> str:
    return f"present__{code}"


def summed_by_target(values: ir.Table, ancestry: ir.Table, codes: list[str],
                     counted: Sequence[str] = ()) -> ir.Table:
    """One row per target unit, one column per code: the subtree's total over the period.

    Flow elements add up over the months; stock elements (在册人数) take each unit's latest month.
    For each of ``counted`` a column ``present_column(code)`` says how many values the subtree has
    (0: nothing reported, which is not the same as a reported 0).
    """
    latest = values.period.max().over(group_by=[values.unit_id, values.code])
    values = values.mutate(latest=latest)
    values = values.filter(~values.is_stock | (values.period == values.latest))
    joined = values.join(ancestry, values.unit_id == ancestry.unit_id)
    sums = {c: ibis.cases((joined.code == c, joined.value), else_=0.0).sum() for c in codes}
    sums |= {present_column(c): (joined.code == c).cast("int64").sum() for c in counted}
    wide = joined.group_by(joined.target_id).agg(**sums)
    every_target = ancestry.select("target_id").distinct()
    filled = every_target.left_join(wide, every_target.target_id == wide.target_id)
    return filled.select(
        target_id=every_target.target_id, **{c: filled[c].fill_null(0) for c in sums}
    )


def _ratio(numerator: ir.Value, denominator_text: str, lookup: Any, factor: int) -> tuple[ir.Value, ir.Value]:
    """(denominator, value) of ``numerator`` over the expression ``denominator_text`` ("" = a count)."""
    if not denominator_text:
        return ibis.null().cast("float64"), numerator
    denominator = evaluate(denominator_text, lookup).cast("float64")
    return denominator, ibis.cases((denominator > 0, numerator / denominator * factor), else_=ibis.null())


def _reported(wide: ir.Table, ind: Indicator) -> tuple[ir.Value, ir.Value]:
    """A register indicator's report side: (numerator, value), null where the subtree reported none of it."""
    if not ind.reported_numerator:
        return ibis.null().cast("float64"), ibis.null().cast("float64")
    codes = sorted(codes_in(ind.reported_numerator))
    reported = ibis.greatest(*[wide[present_column(c)] for c in codes]) > 0 if len(codes) > 1 else \
        wide[present_column(codes[0])] > 0
    numerator = evaluate(ind.reported_numerator, lambda c: wide[c]).cast("float64")
    numerator = ibis.cases((reported, numerator), else_=ibis.null().cast("float64"))
    den_text = ind.reported_denominator if not ind.is_count else ""
    _, value = _ratio(numerator, den_text, lambda c: wide[c], ind.factor)
    if ind.is_count or den_text:
        return numerator, value.cast("float64")
    return numerator, ibis.null().cast("float64")


def indicator_rows(wide: ir.Table, indicators: list[Indicator]) -> ir.Table:
    """Long table (target_id, indicator, numerator, denominator, value) by evaluating each formula.

    A report indicator's codes are columns of ``wide`` named by the data element; a register indicator's
    are its measures' columns (``measure_column``), and its report side fills ``reported_*``.
    """
    parts = []
    for ind in indicators:
        def lookup(c: str, registers: bool = ind.from_registers) -> Any:
            return wide[measure_column(c)] if registers else wide[c]

        numerator = evaluate(ind.numerator, lookup).cast("float64")
        denominator, value = _ratio(numerator, ind.denominator, lookup, ind.factor)
        reported_numerator, reported_value = _reported(wide, ind)
        parts.append(wide.select(
            target_id=wide.target_id,
            indicator=ibis.literal(ind.code),
            higher=ibis.literal(ind.higher_is_better),
            is_count=ibis.literal(ind.is_count),
            numerator=numerator,
            denominator=denominator,
            value=value.cast("float64"),
            reported_numerator=reported_numerator,
            reported_value=reported_value,
        ))
    return ibis.union(*parts)


def ranked(rows: ir.Table, root_id: int) -> ir.Table:
    """Rank the units below the root per indicator; ties (equal to 2 decimals) share the best rank.

    Counts with a task are ranked by attainment (a small township's 80 % beats a big one's 60 %).
    """
    shown = ibis.cases((rows.is_count & rows.attainment.notnull(), rows.attainment), else_=rows.value).round(2)
    key = ibis.cases((rows.higher, shown), else_=-shown)
    peers = rows.filter((rows.target_id != root_id) & rows.value.notnull())
    peers = peers.mutate(sort_key=key)
    peers = peers.mutate(
        rank=(ibis.rank().over(group_by=peers.indicator, order_by=ibis.desc(peers.sort_key)) + 1).cast("int64"),
        rank_of=peers.target_id.count().over(group_by=peers.indicator).cast("int64"),
    ).select("target_id", "indicator", "rank", "rank_of")
    out = rows.left_join(peers, [rows.target_id == peers.target_id, rows.indicator == peers.indicator])
    return out.select(*[out[c] for c in rows.columns], out["rank"], out["rank_of"])


def with_targets(rows: ir.Table, tasks: ir.Table) -> ir.Table:
    joined = rows.left_join(tasks, [rows.target_id == tasks.target_id, rows.indicator == tasks.indicator])
    met = ibis.cases(
        (joined.task.isnull() | joined.value.isnull(), ibis.null().cast("boolean")),
        (joined.higher, joined.value.round(2) >= joined.task.round(2)),
        else_=joined.value.round(2) <= joined.task.round(2),
    )
    attainment = ibis.cases((joined.task > 0, joined.value / joined.task * 100), else_=ibis.null())
    return joined.select(
        *[joined[c] for c in rows.columns], target=joined.task, target_met=met,
        attainment=attainment.cast("float64"),
    )


def _codes(texts: list[str]) -> list[str]:
    return sorted(set().union(*(codes_in(t) for t in texts if t)))


def wide_table(units: list[OrgUnit], ancestry: ir.Table, indicators: list[Indicator], period: Period) -> ir.Table:
    """Per target: the data elements' totals and the register measures' counts the indicators name."""
    from_reports = [i for i in indicators if not i.from_registers]
    from_registers = [i for i in indicators if i.from_registers]
    reported = _codes([i.reported_numerator for i in from_registers])
    element_codes = sorted({*_codes([t for i in from_reports for t in (i.numerator, i.denominator)]), *reported,
                            *_codes([i.reported_denominator for i in from_registers])})
    if element_codes:
        values = ibis.memtable(values_table(units, period.month_codes(), set(element_codes)))
        wide = summed_by_target(values, ancestry, element_codes, counted=reported)
    else:
        wide = ancestry.select("target_id").distinct()
    measure_codes = _codes([t for i in from_registers for t in (i.numerator, i.denominator)])
    if not measure_codes:
        return wide
    counts = measures_by_target(units, ancestry, measure_codes, period)
    joined = wide.join(counts, wide.target_id == counts.target_id)
    return joined.select(*[joined[c] for c in wide.columns], *[joined[measure_column(c)] for c in measure_codes])


def compute_indicator_table(
    actor: Actor,
    *,
    period: Period,
    root: OrgUnit,
    codes: list[str] | None = None,
    level: Literal["children", "all"] = "children",
) -> IndicatorTable:
    indicators = list(Indicator.objects.filter(code__in=codes) if codes else Indicator.objects.all())
    if codes:
        unknown = sorted(set(codes) - {i.code for i in indicators})
        if unknown:
            raise LookupError(f"没有指标 {', '.join(unknown)}")
    units = _units_in_scope(actor, root)
    targets = _targets_of(root, units, level)
    table = IndicatorTable(period=period, root=root)
    if not indicators or not targets:
        return table
    con = _connection()
    ancestry = ibis.memtable(ancestry_table(units, targets))
    wide = wide_table(units, ancestry, indicators, period)
    rows = indicator_rows(wide, indicators)
    taking_part = ibis.memtable(participation_table(units, targets, indicators, root))
    rows = rows.semi_join(taking_part, [rows.target_id == taking_part.target_id,
                                        rows.indicator == taking_part.indicator])
    rows = with_targets(rows, ibis.memtable(period_tasks(period, targets, indicators)))
    rows = ranked(rows, root.pk)
    frame = con.execute(rows)
    by_id = {u.pk: u for u in targets}
    by_code = {i.code: i for i in indicators}
    order = {i.code: n for n, i in enumerate(indicators)}
    records = sorted(frame.to_dict("records"),
                     key=lambda r: (order[r["indicator"]], r["target_id"] != root.pk, by_id[r["target_id"]].path))
    table.rows = [_row(r, by_id[r["target_id"]], by_code[r["indicator"]], root) for r in records]
    return table


def _num(value: Any) -> float | None:
    return None if value is None or value != value else float(value)


def _row(rec: dict[str, Any], unit: OrgUnit, ind: Indicator, root: OrgUnit) -> IndicatorValue:
    rank = _num(rec.get("rank"))
    met = rec.get("target_met")
    return IndicatorValue(
        unit_code=unit.code, unit_name=unit.name, unit_label=unit.label, is_root=unit.pk == root.pk,
        indicator_code=ind.code, indicator_name=ind.name, factor_label=ind.factor_label, is_count=ind.is_count,
        higher_is_better=ind.higher_is_better, numerator=float(rec["numerator"]), source=ind.source,
        reported_numerator=_num(rec.get("reported_numerator")), reported_value=_num(rec.get("reported_value")),
        denominator=_num(rec["denominator"]), value=_num(rec["value"]), target=_num(rec.get("target")),
        target_met=None if met is None or met != met else bool(met), attainment=_num(rec.get("attainment")),
        rank=int(rank) if rank is not None else None, rank_of=int(_num(rec.get("rank_of")) or 0),
    )
