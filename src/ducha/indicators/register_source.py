"""The second data source of the indicator engine: counts taken from the registers (个案登记).

A register indicator (``Indicator.source == "registers"``) writes its numerator and denominator as
expressions over the **register measures** below, exactly as a report indicator writes them over data
elements: ``SYS_MANAGED_DELIVERED`` ÷ ``LIVE_DELIVERED`` × 100. A measure is declared, not programmed:
which register (table), which date puts a record into the period, which conditions on the record's
columns it must meet, and optionally a column to add up instead of counting records (``babies``).

The record columns are built once per register as one Ibis expression (``pregnancy_frame``,
``child_frame``: one row per record with the visit counts and rule flags of ``domain/indicators.md``);
every measure is a filtered sum over that frame, summed per unit and then up the tree by the engine.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import ibis
import ibis.expr.types as ir
import pyarrow as pa
from django.conf import settings
from django.db.models import Q

from ducha.core.fetch import Spec, arrow_of
from ducha.core.periods import Period
from ducha.orgs.models import OrgUnit
from ducha.registers.models import AntenatalVisit, ChildExam, ChildRecord, PostpartumVisit, PregnancyRecord

PREGNANCY, CHILD = "pregnancy", "child"
# Child 4:2:2 (indicators.md): checks by age in days; the newborn and one-month visits (< 75 days) do not count.
CHILD_YEARS = ((75, 395, 4), (396, 760, 2), (761, 1125, 2))
CLOSING_AGE_DAYS = 1095
POSTPARTUM_DAYS = 28
EARLY_WEEKS = 13
MEASURE_PREFIX = "register__"

OPERATORS: dict[str, Callable[[Any, Any], Any]] = {
    "==": operator.eq, "!=": operator.ne, ">=": operator.ge, "<=": operator.le, ">": operator.gt, "<": operator.lt,
}
# The columns of each register's record frame a measure may name (date columns may place it in the period).
FRAME_COLUMNS: dict[str, dict[str, str]] = {
    PREGNANCY: {"registered_on": "date", "delivered_on": "date", "outcome": "string", "delivery_mode": "string",
                "babies": "int", "antenatal_visits": "int", "early": "bool", "postpartum_in_time": "bool",
                "managed": "bool"},
    CHILD: {"birth_date": "date", "closes_on": "date", "met_422": "bool", "examined_in_period": "bool",
            "exam_months": "int"},
}


@dataclass(frozen=True)
class RegisterMeasure:
    code: str
    name: str
    register: str
    # the record counts in the period when this date falls in it; None: every record of the register's frame
    # (the frames hold only the period's records: pregnancies registered or delivered in it, children under 3)
    period_column: str | None
    where: tuple[tuple[str, str, Any], ...] = ()  # (column, operator, value), all must hold
    weight: str | None = None  # add up this column instead of counting records


LIVE = ("outcome", "==", "live")
MEASURES: dict[str, RegisterMeasure] = {m.code: m for m in [
    RegisterMeasure("PREG_RECORDS", "本期建册人数", PREGNANCY, "registered_on"),
    RegisterMeasure("EARLY_RECORDS", "本期早孕建册人数", PREGNANCY, "registered_on", (("early", "==", True),)),
    RegisterMeasure("LIVE_DELIVERED", "本期活产数", PREGNANCY, "delivered_on", (LIVE,), weight="babies"),
    RegisterMeasure("ANC5_DELIVERED", "本期活产产妇中产前检查≥5次人数", PREGNANCY, "delivered_on",
                    (LIVE, ("antenatal_visits", ">=", 5))),
    RegisterMeasure("SYS_MANAGED_DELIVERED", "本期活产产妇中系统管理人数", PREGNANCY, "delivered_on",
                    (LIVE, ("managed", "==", True))),
    RegisterMeasure("POSTPARTUM_DELIVERED", "本期活产产妇中28天内产后访视人数", PREGNANCY, "delivered_on",
                    (LIVE, ("postpartum_in_time", "==", True))),
    RegisterMeasure("CAESAREAN_DELIVERED", "本期剖宫产活产产妇数", PREGNANCY, "delivered_on",
                    (LIVE, ("delivery_mode", "==", "caesarean")), weight="babies"),
    RegisterMeasure("CHILDREN_CLOSING", "本期满3岁结案儿童数", CHILD, "closes_on"),
    RegisterMeasure("CHILDREN_422", "本期满3岁且达到4:2:2的儿童数", CHILD, "closes_on", (("met_422", "==", True),)),
    # 0-3岁儿童体检人数 is a monthly count (distinct children each month) and the quarter's report value is the sum
    # of its months: a child examined in two months of the quarter counts twice on both sides
    RegisterMeasure("CHILDREN_EXAMINED", "本期各月体检过的0-3岁儿童数之和", CHILD, None,
                    (("examined_in_period", "==", True),), weight="exam_months"),
]}


def measure_errors(measure: RegisterMeasure) -> list[str]:
    """What is wrong with a measure's declaration (Chinese), empty when it is valid."""
    columns = FRAME_COLUMNS.get(measure.register)
    if columns is None:
        return [f"登记指标量 {measure.code}：没有登记簿“{measure.register}”"]
    errors = []
    if measure.period_column is not None and columns.get(measure.period_column) != "date":
        errors.append(f"登记指标量 {measure.code}：期间字段“{measure.period_column}”不是该登记簿的日期列")
    for column, op, _value in measure.where:
        if column not in columns:
            errors.append(f"登记指标量 {measure.code}：条件中的“{column}”不是该登记簿的列")
        if op not in OPERATORS:
            errors.append(f"登记指标量 {measure.code}：条件中的运算符“{op}”不可用（可用 {' '.join(OPERATORS)}）")
    if measure.weight is not None and columns.get(measure.weight) != "int":
        errors.append(f"登记指标量 {measure.code}：累加列“{measure.weight}”不是该登记簿的整数列")
    return errors


def measure_column(code: str) -> str:
    """The engine's wide-table column holding a measure (kept apart from data-element columns)."""
    return MEASURE_PREFIX + code


# ---- the store → Arrow ------------------------------------------------------------------------------------

PREGNANCY_SPEC: Spec = [
    ("id", "id", pa.int64()), ("unit_id", "org_unit_id", pa.int64()), ("registered_on", "registered_on", pa.date32()),
    ("weeks_at_registration", "weeks_at_registration", pa.float64()), ("delivered_on", "delivered_on", pa.date32()),
    ("outcome", "outcome", pa.string()), ("delivery_mode", "delivery_mode", pa.string()),
    ("babies", "babies", pa.int64()), ("check_42d_on", "check_42d_on", pa.date32()),
]
ANTENATAL_SPEC: Spec = [("record_id", "record_id", pa.int64()), ("visit_on", "visit_on", pa.date32()),
                        ("weeks", "weeks", pa.float64())]
POSTPARTUM_SPEC: Spec = [("record_id", "record_id", pa.int64()), ("visit_on", "visit_on", pa.date32())]
CHILD_SPEC: Spec = [("id", "id", pa.int64()), ("unit_id", "org_unit_id", pa.int64()),
                    ("birth_date", "birth_date", pa.date32())]
EXAM_SPEC: Spec = [("child_id", "child_id", pa.int64()), ("exam_on", "exam_on", pa.date32())]


def pregnancy_frame(units: list[OrgUnit], period: Period) -> ir.Table:
    """One row per pregnancy of the period (registered or delivered in it) of ``units``, with its antenatal
    count and the systematic-management flags. Older records are not read: no measure counts them."""
    window = (period.start, period.end)
    records = PregnancyRecord.objects.filter(Q(registered_on__range=window) | Q(delivered_on__range=window),
                                             org_unit__in=units)
    preg = ibis.memtable(arrow_of(records, PREGNANCY_SPEC))
    anc = ibis.memtable(arrow_of(AntenatalVisit.objects.filter(record__in=records), ANTENATAL_SPEC))
    post = ibis.memtable(arrow_of(PostpartumVisit.objects.filter(record__in=records), POSTPARTUM_SPEC))
    visits = anc.group_by("record_id").agg(n_anc=anc.count(), first_weeks=anc.weeks.min())
    after = post.join(preg.select("id", "delivered_on"), post.record_id == preg.id)
    in_time = after.filter((after.visit_on >= after.delivered_on)
                           & (after.visit_on <= after.delivered_on + ibis.interval(days=POSTPARTUM_DAYS)))
    in_time = in_time.select("record_id").distinct().mutate(has_post=ibis.literal(True))
    p = preg.left_join(visits, preg.id == visits.record_id).left_join(in_time, preg.id == in_time.record_id)
    n_anc = p.n_anc.fill_null(0)
    early = ((p.weeks_at_registration < EARLY_WEEKS) | (p.first_weeks < EARLY_WEEKS)).fill_null(False)
    has_post = p.has_post.fill_null(False)
    managed = early & (n_anc >= 5) & has_post
    if getattr(settings, "DUCHA_SYSTEMATIC_MANAGEMENT_REQUIRES_42D", False):
        managed = managed & p.check_42d_on.notnull()
    return p.select(unit_id=p.unit_id, registered_on=p.registered_on, delivered_on=p.delivered_on,
                    outcome=p.outcome, delivery_mode=p.delivery_mode, babies=p.babies.fill_null(1),
                    antenatal_visits=n_anc, early=early, postpartum_in_time=has_post, managed=managed)


def child_frame(units: list[OrgUnit], period: Period) -> ir.Table:
    """One row per child under 3 at some time in the period (the 0–3 register): when it closes (3 years), whether
    it met 4:2:2, whether examined in the period and in how many of its calendar months (the monthly report counts
    a child once a month). Older children are not read: no measure counts them."""
    # no upper bound: an exam dated before the birth (a data error) still counts as it always did
    children = ChildRecord.objects.filter(org_unit__in=units,
                                          birth_date__gte=period.start - timedelta(days=CLOSING_AGE_DAYS))
    kids = ibis.memtable(arrow_of(children, CHILD_SPEC))
    exams = ibis.memtable(arrow_of(ChildExam.objects.filter(child__in=children), EXAM_SPEC))
    start, end = ibis.date(period.start), ibis.date(period.end)
    e = exams.join(kids, exams.child_id == kids.id)
    age = e.exam_on.delta(e.birth_date, unit="day")
    per_year = {f"y{i}": ((age >= lo) & (age <= hi)).cast("int64").sum() for i, (lo, hi, _n) in enumerate(CHILD_YEARS)}
    in_period = (e.exam_on >= start) & (e.exam_on <= end) & (age < CLOSING_AGE_DAYS)
    month = ibis.cases((in_period, e.exam_on.year() * 12 + e.exam_on.month()), else_=ibis.null().cast("int64"))
    by_child = e.group_by(e.child_id).agg(**per_year, examined=in_period.cast("int64").max(),
                                          exam_months=month.nunique())
    k = kids.left_join(by_child, kids.id == by_child.child_id)
    met = ibis.literal(True)
    for i, (_lo, _hi, needed) in enumerate(CHILD_YEARS):
        met = met & (k[f"y{i}"].fill_null(0) >= needed)
    return k.select(unit_id=k.unit_id, birth_date=k.birth_date,
                    closes_on=k.birth_date + ibis.interval(days=CLOSING_AGE_DAYS), met_422=met,
                    examined_in_period=k.examined.fill_null(0) == 1, exam_months=k.exam_months.fill_null(0))


FRAMES: dict[str, Callable[[list[OrgUnit], Period], ir.Table]] = {PREGNANCY: pregnancy_frame, CHILD: child_frame}


def _measure_value(frame: ir.Table, measure: RegisterMeasure, period: Period) -> ir.Value:
    condition: Any = ibis.literal(True)
    if measure.period_column is not None:
        day = frame[measure.period_column]
        condition = condition & (day >= ibis.date(period.start)) & (day <= ibis.date(period.end))
    for column, op, value in measure.where:
        condition = condition & OPERATORS[op](frame[column], value)
    weight = frame[measure.weight] if measure.weight else 1
    return (condition.fill_null(False).cast("int64") * weight).sum()


def measures_by_target(units: list[OrgUnit], ancestry: ir.Table, codes: list[str], period: Period) -> ir.Table:
    """One row per target unit, one column per measure (``measure_column``): the subtree's count in the period."""
    every_target = ancestry.select("target_id").distinct()
    out = every_target
    for register in sorted({MEASURES[c].register for c in codes}):
        wanted = [c for c in codes if MEASURES[c].register == register]
        frame = FRAMES[register](units, period)
        per_unit = frame.group_by("unit_id").agg(
            **{measure_column(c): _measure_value(frame, MEASURES[c], period) for c in wanted})
        joined = per_unit.join(ancestry, per_unit.unit_id == ancestry.unit_id)
        summed = joined.group_by(joined.target_id).agg(**{measure_column(c): joined[measure_column(c)].sum()
                                                          for c in wanted})
        filled = out.left_join(summed, out.target_id == summed.target_id)
        out = filled.select(*[filled[c] for c in out.columns],
                            **{measure_column(c): filled[measure_column(c)].fill_null(0).cast("float64")
                               for c in wanted})
    return out
