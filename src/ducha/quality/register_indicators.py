"""Indicators recounted from the registers, next to the reported ones: the verification factor.

VF = count recounted from register records ÷ count reported in the monthly reports, per unit, indicator
and period (`quality.md` §2): 0.90–1.10 acceptable, > 1.10 under-reporting, < 0.90 over-reporting.
All counting is one Ibis expression per register on DuckDB over Arrow tables pulled from the store.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import ibis
import ibis.expr.types as ir
import pyarrow as pa
from django.conf import settings

from ducha.core.actor import Actor
from ducha.core.periods import Period
from ducha.indicators.engine import ancestry_table
from ducha.orgs.models import OrgUnit
from ducha.orgs.selectors import visible_units
from ducha.registers.models import AntenatalVisit, ChildExam, ChildRecord, PostpartumVisit, PregnancyRecord
from ducha.reporting.models import DataValue

VF_LOW, VF_HIGH = 0.90, 1.10
# Child 4:2:2 (indicators.md): checks by age in days; the newborn and one-month visits (< 75 days) do not count.
CHILD_YEARS = ((75, 395, 4), (396, 760, 2), (761, 1125, 2))
CLOSING_AGE_DAYS = 1095

# indicator code, 名称, register numerator column, denominator column ("" = count), reported element
REGISTER_INDICATORS: list[tuple[str, str, str, str, str]] = [
    ("REG_COUNT", "建册人数", "registered", "", "PREG_REGISTERED"),
    ("EARLY_REG_RATE", "早孕建册率", "early_registered", "live_births", "EARLY_REG"),
    ("ANC5_RATE", "产前检查≥5次率", "anc5", "live_births", "ANC_5PLUS"),
    ("MAT_SYS_RATE", "孕产妇系统管理率", "sys_managed", "live_births", "SYS_MANAGED"),
    ("POSTPARTUM_RATE", "产后访视率", "postpartum", "live_births", "POSTPARTUM_VISIT"),
    ("CAESAREAN_RATE", "剖宫产率", "caesarean", "live_births", "CAESAREAN"),
    ("LIVE_BIRTHS", "活产数", "live_births", "", "LIVE_BIRTHS"),
    ("CHILD_SYS_RATE", "3岁儿童系统管理（4:2:2）结案率", "child_managed", "child_closing", "CHILD_U3_SYS"),
    ("CHILD_EXAMS", "0-3岁儿童体检人数", "children_examined", "", "CHILD_U3_EXAMS"),
]


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


def _arrow(rows: list[tuple[Any, ...]], names: list[str], types: list[pa.DataType]) -> pa.Table:
    """Rows from ``values_list`` as an Arrow table (Decimal fields become floats)."""
    columns = {}
    for i, (name, kind) in enumerate(zip(names, types, strict=True)):
        values = [r[i] for r in rows]
        if pa.types.is_floating(kind):
            values = [None if v is None else float(v) for v in values]
        columns[name] = values
    return pa.table(columns, schema=pa.schema(list(zip(names, types, strict=True))))


def _pregnancy_tables(units: list[OrgUnit]) -> tuple[pa.Table, pa.Table, pa.Table]:
    records = PregnancyRecord.objects.filter(org_unit__in=units)
    preg = _arrow(
        list(records.values_list("id", "org_unit_id", "registered_on", "weeks_at_registration", "delivered_on",
                                 "outcome", "delivery_mode", "delivery_place", "babies", "check_42d_on")),
        ["id", "unit_id", "registered_on", "weeks_at_registration", "delivered_on", "outcome", "mode", "place",
         "babies", "check_42d_on"],
        [pa.int64(), pa.int64(), pa.date32(), pa.float64(), pa.date32(), pa.string(), pa.string(), pa.string(),
         pa.int64(), pa.date32()],
    )
    anc = _arrow(list(AntenatalVisit.objects.filter(record__in=records).values_list("record_id", "visit_on", "weeks")),
                 ["record_id", "visit_on", "weeks"], [pa.int64(), pa.date32(), pa.float64()])
    post = _arrow(list(PostpartumVisit.objects.filter(record__in=records).values_list("record_id", "visit_on")),
                  ["record_id", "visit_on"], [pa.int64(), pa.date32()])
    return preg, anc, post


def pregnancy_counts(preg: ir.Table, anc: ir.Table, post: ir.Table, period: Period) -> ir.Table:
    """Per unit: records opened, early registrations, and among deliveries in the period the counts."""
    start, end = ibis.date(period.start), ibis.date(period.end)
    visits = anc.group_by("record_id").agg(
        n_anc=anc.count(), first_weeks=anc.weeks.min())
    after = post.join(preg.select("id", "delivered_on"), post.record_id == preg.id)
    timely_post = after.filter(
        (after.visit_on >= after.delivered_on) & (after.visit_on <= after.delivered_on + ibis.interval(days=28))
    ).select("record_id").distinct().mutate(has_post=ibis.literal(True))
    p = preg.left_join(visits, preg.id == visits.record_id).left_join(timely_post, preg.id == timely_post.record_id)
    n_anc = p.n_anc.fill_null(0)
    early = (p.weeks_at_registration < 13) | (p.first_weeks < 13)
    delivered = (p.delivered_on >= start) & (p.delivered_on <= end)
    live = delivered & (p.outcome == "live")
    has_post = p.has_post.fill_null(False)
    needs_42d = bool(getattr(settings, "DUCHA_SYSTEMATIC_MANAGEMENT_REQUIRES_42D", False))
    managed = live & early.fill_null(False) & (n_anc >= 5) & has_post
    if needs_42d:
        managed = managed & p.check_42d_on.notnull()
    registered = (p.registered_on >= start) & (p.registered_on <= end)

    def count(cond: Any) -> Any:
        return cond.fill_null(False).cast("int64").sum()

    return p.group_by(p.unit_id).agg(
        registered=count(registered),
        early_registered=count(registered & early),
        live_births=(live.fill_null(False).cast("int64") * p.babies.fill_null(1)).sum(),
        anc5=count(live & (n_anc >= 5)),
        sys_managed=count(managed),
        postpartum=count(live & has_post),
        caesarean=count(live & (p.mode == "caesarean")),
    )


def _child_tables(units: list[OrgUnit]) -> tuple[pa.Table, pa.Table]:
    children = ChildRecord.objects.filter(org_unit__in=units)
    kids = _arrow(list(children.values_list("id", "org_unit_id", "birth_date")), ["id", "unit_id", "birth_date"],
                  [pa.int64(), pa.int64(), pa.date32()])
    exams = _arrow(list(ChildExam.objects.filter(child__in=children).values_list("child_id", "exam_on")),
                   ["child_id", "exam_on"], [pa.int64(), pa.date32()])
    return kids, exams


def child_counts(kids: ir.Table, exams: ir.Table, period: Period) -> ir.Table:
    """Per unit: children closing the 4:2:2 cycle in the period (reaching 3 years), managed ones, examined."""
    start, end = ibis.date(period.start), ibis.date(period.end)
    e = exams.join(kids, exams.child_id == kids.id)
    age = e.exam_on.delta(e.birth_date, unit="day")
    per_year = {f"y{i}": ((age >= lo) & (age <= hi)).cast("int64").sum() for i, (lo, hi, _n) in
                enumerate(CHILD_YEARS)}
    examined_in_period = ((e.exam_on >= start) & (e.exam_on <= end) & (age < CLOSING_AGE_DAYS)).cast("int64").max()
    by_child = e.group_by(e.child_id).agg(**per_year, examined=examined_in_period)
    k = kids.left_join(by_child, kids.id == by_child.child_id)
    closes = k.birth_date + ibis.interval(days=CLOSING_AGE_DAYS)
    closing = (closes >= start) & (closes <= end)
    managed = closing
    for i, (_lo, _hi, needed) in enumerate(CHILD_YEARS):
        managed = managed & (k[f"y{i}"].fill_null(0) >= needed)
    return k.group_by(k.unit_id).agg(
        child_closing=closing.cast("int64").sum(),
        child_managed=managed.fill_null(False).cast("int64").sum(),
        children_examined=k.examined.fill_null(0).sum(),
    )


def _reported(units: list[OrgUnit], period: Period) -> pa.Table:
    rows = list(DataValue.objects.filter(org_unit__in=units, period__in=period.month_codes(),
                                         data_element__code__in=[r[4] for r in REGISTER_INDICATORS])
                .values_list("org_unit_id", "data_element__code", "value"))
    return _arrow(rows, ["unit_id", "code", "value"], [pa.int64(), pa.string(), pa.int64()])


def register_indicator_table(actor: Actor, *, period: Period, root: OrgUnit,
                             level: Literal["children", "all"] = "children") -> list[RegisterIndicatorRow]:
    units = list(visible_units(actor).filter(path__startswith=root.path))
    targets = units if level == "all" else [u for u in units if u.parent_id == root.pk]
    if not targets:
        return []
    ancestry = ibis.memtable(ancestry_table(units, targets))
    preg, anc, post = (ibis.memtable(t) for t in _pregnancy_tables(units))
    kids, exams = (ibis.memtable(t) for t in _child_tables(units))
    counts = [pregnancy_counts(preg, anc, post, period), child_counts(kids, exams, period)]
    con = ibis.duckdb.connect()
    up: dict[int, dict[str, int]] = {}
    for table in counts:
        joined = table.join(ancestry, table.unit_id == ancestry.unit_id)
        cols = [c for c in table.columns if c != "unit_id"]
        summed = joined.group_by(joined.target_id).agg(**{c: joined[c].sum() for c in cols})
        for rec in con.execute(summed).to_dict("records"):
            up.setdefault(rec["target_id"], {}).update({c: int(rec[c] or 0) for c in cols})
    reported = ibis.memtable(_reported(units, period))
    rj = reported.join(ancestry, reported.unit_id == ancestry.unit_id)
    rep: dict[tuple[int, str], int] = {
        (r["target_id"], r["code"]): int(r["total"])
        for r in con.execute(rj.group_by([rj.target_id, rj.code]).agg(total=rj.value.sum())).to_dict("records")}
    return [_row(t, spec, up.get(t.pk, {}), rep) for t in targets for spec in REGISTER_INDICATORS]


def _ratio(num: float | None, den: float | None, factor: float = 100.0) -> float | None:
    return None if num is None or not den else num / den * factor


def _row(unit: OrgUnit, spec: tuple[str, str, str, str, str], counts: dict[str, int],
         reported: dict[tuple[int, str], int]) -> RegisterIndicatorRow:
    code, name, num_col, den_col, element = spec
    num = counts.get(num_col, 0)
    den = counts.get(den_col, 0) if den_col else None
    rep_num = reported.get((unit.pk, element))
    rep_den = reported.get((unit.pk, "LIVE_BIRTHS")) if den_col == "live_births" else None
    vf = None if not rep_num else num / rep_num
    status: Literal["ok", "under", "over"] | None = None
    if vf is not None:
        status = "ok" if VF_LOW <= vf <= VF_HIGH else ("under" if vf > VF_HIGH else "over")
    return RegisterIndicatorRow(
        unit_code=unit.code, unit_label=unit.label, indicator_code=code, indicator_name=name,
        register_numerator=num, register_denominator=den,
        register_value=_ratio(num, den) if den_col else float(num),
        reported_element=element, reported_numerator=rep_num,
        reported_value=_ratio(rep_num, rep_den) if den_col == "live_births" else (
            None if den_col else (None if rep_num is None else float(rep_num))),
        verification_factor=vf, vf_status=status,
    )
