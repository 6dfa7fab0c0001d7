"""Arrow tables out of the store for one scan: reports, registers and their entry metadata.

Everything the checks read leaves the database here, once, as Arrow tables (``quality.fetch.arrow_of``:
the cursor's rows converted column by column by Arrow, entry times to the local ``TIME_ZONE`` wall
clock); the checks then run as Ibis expressions over ``ibis.memtable`` of these tables. Child growth
z-scores are added by ``quality.zscores.compute_zscores`` (vectorised) before the Ibis stage.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

import ibis
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from ducha.core.actor import Actor
from ducha.core.fetch import Spec, arrow_of
from ducha.core.periods import Period
from ducha.orgs.models import OrgUnit
from ducha.quality.checks.base import Labels, ScanData
from ducha.quality.checks.holidays import holiday_dates
from ducha.quality.imported_operators import ENTERED_BY, named_operators
from ducha.quality.zscores import compute_zscores
from ducha.registers.models import (
    AntenatalVisit,
    ChildExam,
    ChildRecord,
    ImportBatch,
    PostpartumVisit,
    PregnancyRecord,
)
from ducha.reporting.models import DataElement, DataSet, DataValue, Submission

ENTRY: Spec = [("created_at", "created_at", pa.timestamp("us")), ("created_by", "created_by_id", pa.int64()),
               ("batch_id", "batch_id", pa.int64()), ("time_known", "created_time_known", pa.bool_())]
Z_COLUMNS = ["waz", "laz", "wlz", "baz", "fwaz", "flaz", "fwlz", "fbaz"]
HISTORY_YEARS = 3


def _with_local_date(table: pa.Table) -> pa.Table:
    return table.append_column("created_date", table["created_at"].cast(pa.date32()))


def _in_period(table: pa.Table, column: str, period: Period) -> pa.Table:
    values = table[column]
    flags = pc.and_kleene(pc.greater_equal(values, pa.scalar(period.start, pa.date32())),
                          pc.less_equal(values, pa.scalar(period.end, pa.date32())))
    return table.append_column("in_period", pc.fill_null(flags, False))


# ---- routine reports --------------------------------------------------------------------------------

def month_index(code: str) -> int:
    return int(code[:4]) * 12 + int(code[4:6]) - 1


def _report_months(period: Period) -> list[str]:
    first = date(period.start.year - HISTORY_YEARS, period.start.month, 1)
    first = min(first, date(period.end.year - 1, period.end.month, 1))
    span = Period(first, period.end, period.kind, "history")
    return span.month_codes()


def reports_table(units: list[OrgUnit], period: Period) -> pa.Table:
    qs = DataValue.objects.filter(org_unit__in=units, period__in=_report_months(period))
    table = arrow_of(qs, [("unit_id", "org_unit_id", pa.int64()), ("month", "period", pa.string()),
                          ("code", "data_element__code", pa.string()), ("value", "value", pa.float64()),
                          ("aggregation", "data_element__aggregation", pa.string())])
    year = pc.utf8_slice_codeunits(table["month"], 0, 4).cast(pa.int64())
    month = pc.utf8_slice_codeunits(table["month"], 4, 6).cast(pa.int64())
    return table.append_column("midx", pc.add(pc.multiply(year, 12), pc.subtract(month, 1)))  # = month_index


def _assignments(units: list[OrgUnit]) -> list[tuple[int, int, int]]:
    """(unit id, data set id, deadline days) for every data set a scanned unit must report."""
    ids = {u.pk for u in units}
    return [(unit_id, ds_id, days) for ds_id, days, unit_id in
            DataSet.objects.values_list("pk", "deadline_days", "org_units") if unit_id in ids]


def expected_reports_table(units: list[OrgUnit], period: Period, today: date) -> pa.Table:
    by_id = {u.pk: u for u in units}
    rows = []
    for unit_id, ds_id, days in _assignments(units):
        unit = by_id[unit_id]
        for m in period.months():
            active = (unit.opened_on is None or unit.opened_on <= m.end) and \
                     (unit.closed_on is None or unit.closed_on >= m.start)
            if active and m.start <= today:
                rows.append((unit_id, ds_id, m.code, m.deadline(days)))
    names = ["unit_id", "data_set_id", "month", "deadline"]
    types = [pa.int64(), pa.int64(), pa.string(), pa.date32()]
    return pa.table({n: [r[i] for r in rows] for i, n in enumerate(names)},
                    schema=pa.schema(list(zip(names, types, strict=True))))


def submissions_table(units: list[OrgUnit], period: Period) -> pa.Table:
    qs = Submission.objects.filter(org_unit__in=units, period__in=period.month_codes())
    table = arrow_of(qs, [("unit_id", "org_unit_id", pa.int64()), ("data_set_id", "data_set_id", pa.int64()),
                          ("month", "period", pa.string()), ("submitted_at", "submitted_at", pa.timestamp("us"))])
    return table.append_column("submitted_on", table["submitted_at"].cast(pa.date32()))


def core_elements_table(units: list[OrgUnit], core: list[str]) -> pa.Table:
    """(unit, data set, element) for the core elements each unit's data sets contain."""
    links = DataSet.objects.filter(set_elements__data_element__code__in=core).values_list(
        "pk", "set_elements__data_element__code")
    by_set: dict[int, list[str]] = {}
    for ds_id, code in links:
        by_set.setdefault(ds_id, []).append(code)
    rows = [(u, ds, c) for u, ds, _ in _assignments(units) for c in by_set.get(ds, [])]
    return pa.table({"unit_id": pa.array([r[0] for r in rows], pa.int64()),
                     "data_set_id": pa.array([r[1] for r in rows], pa.int64()),
                     "code": pa.array([r[2] for r in rows], pa.string())})


# ---- registers ----------------------------------------------------------------------------------------

PREGNANCY: Spec = [
    ("record_id", "id", pa.int64()), ("unit_id", "org_unit_id", pa.int64()), ("record_no", "record_no", pa.string()),
    ("name", "name", pa.string()), ("id_hash", "id_hash", pa.string()), ("birth_date", "birth_date", pa.date32()),
    ("phone", "phone", pa.string()), ("village", "village", pa.string()),
    ("registered_on", "registered_on", pa.date32()), ("lmp", "lmp", pa.date32()), ("edd", "edd", pa.date32()),
    ("gravidity", "gravidity", pa.int64()), ("parity", "parity", pa.int64()),
    ("weeks_at_registration", "weeks_at_registration", pa.float64()), ("risk_grade", "risk_grade", pa.string()),
    ("blood_group", "blood_group", pa.string()), ("delivered_on", "delivered_on", pa.date32()),
    ("delivery_place", "delivery_place", pa.string()), ("delivery_mode", "delivery_mode", pa.string()),
    ("delivery_weeks", "delivery_weeks", pa.float64()), ("blood_loss_ml", "blood_loss_ml", pa.int64()),
    ("delivery_sbp", "delivery_sbp", pa.int64()), ("delivery_dbp", "delivery_dbp", pa.int64()),
    ("outcome", "outcome", pa.string()), ("babies", "babies", pa.int64()), ("baby_sex", "baby_sex", pa.int64()),
    ("birth_weight_g", "birth_weight_g", pa.int64()), ("check_42d_on", "check_42d_on", pa.date32()),
    ("updated_at", "updated_at", pa.timestamp("us")), *ENTRY,
]
ANTENATAL: Spec = [
    ("visit_id", "id", pa.int64()), ("record_id", "record_id", pa.int64()), ("unit_id", "record__org_unit_id", pa.int64()),
    ("visit_on", "visit_on", pa.date32()), ("weeks", "weeks", pa.float64()), ("weight_kg", "weight_kg", pa.float64()),
    ("sbp", "sbp", pa.int64()), ("dbp", "dbp", pa.int64()), ("hb", "hb", pa.int64()),
    ("examiner", "examiner", pa.string()), *ENTRY,
]
POSTPARTUM: Spec = [
    ("visit_id", "id", pa.int64()), ("record_id", "record_id", pa.int64()), ("unit_id", "record__org_unit_id", pa.int64()),
    ("visit_on", "visit_on", pa.date32()), ("sbp", "sbp", pa.int64()), ("dbp", "dbp", pa.int64()),
    ("examiner", "examiner", pa.string()), *ENTRY,
]
CHILD: Spec = [
    ("record_id", "id", pa.int64()), ("unit_id", "org_unit_id", pa.int64()), ("record_no", "record_no", pa.string()),
    ("name", "name", pa.string()), ("sex", "sex", pa.int64()), ("birth_date", "birth_date", pa.date32()),
    ("village", "village", pa.string()), ("birth_weight_g", "birth_weight_g", pa.int64()),
    ("gestational_weeks", "gestational_weeks", pa.float64()), *ENTRY,
]
EXAM: Spec = [
    ("exam_id", "id", pa.int64()), ("record_id", "child_id", pa.int64()), ("unit_id", "child__org_unit_id", pa.int64()),
    ("exam_on", "exam_on", pa.date32()), ("birth_date", "child__birth_date", pa.date32()),
    ("sex", "child__sex", pa.int64()), ("weight_kg", "weight_kg", pa.float64()), ("length_cm", "length_cm", pa.float64()),
    ("measured_lying", "measured_lying", pa.bool_()), ("hb", "hb", pa.int64()), ("examiner", "examiner", pa.string()),
    *ENTRY,
]


def _range(period: Period) -> tuple[date, date]:
    return period.start, period.end


def entered_in(period: Period) -> Q:
    """Entered on a local date within the period (``created_at__date__range``), as a range of instants
    that the ``created_at`` index serves."""
    tz = timezone.get_current_timezone()
    start = timezone.make_aware(datetime.combine(period.start, time.min), tz)
    stop = timezone.make_aware(datetime.combine(period.end + timedelta(days=1), time.min), tz)
    return Q(created_at__gte=start, created_at__lt=stop)


def _touched(model: Any, on: str, key: str, period: Period) -> Exists:
    """The record has a visit/exam dated or entered in the period (a correlated ``EXISTS`` on the record's
    index: inside the ``OR`` below, PostgreSQL could only run an ``IN (subquery)`` row by row)."""
    rng = _range(period)
    return Exists(model.objects.filter(Q(**{f"{on}__range": rng}) | entered_in(period), **{key: OuterRef("pk")}))


def pregnancy_scope(units: list[OrgUnit], period: Period) -> QuerySet[PregnancyRecord]:
    """Pregnancies with anything in the period: registration, a visit, delivery, 42-day check or entry."""
    rng = _range(period)
    return PregnancyRecord.objects.filter(org_unit__in=units).filter(
        Q(registered_on__range=rng) | Q(delivered_on__range=rng) | Q(check_42d_on__range=rng) | entered_in(period)
        | _touched(AntenatalVisit, "visit_on", "record", period) | _touched(PostpartumVisit, "visit_on", "record", period))


def child_scope(units: list[OrgUnit], period: Period) -> QuerySet[ChildRecord]:
    return ChildRecord.objects.filter(org_unit__in=units).filter(
        Q(birth_date__range=_range(period)) | entered_in(period) | _touched(ChildExam, "exam_on", "child", period))


def exam_frame(exams: pa.Table) -> pa.Table:
    """Add age in days and WHO z-scores with their flags (``compute_zscores``), all vectorised."""
    frame = exams.to_pandas(types_mapper=None)
    exam_on = pd.to_datetime(frame["exam_on"])
    born = pd.to_datetime(frame["birth_date"])
    frame["age_days"] = (exam_on - born).dt.days.astype("float64")
    lying = frame["measured_lying"].astype("object")
    default = frame["age_days"] < 731
    frame["measure"] = lying.where(lying.notna(), default).map({True: "l", False: "h"})
    scored = add_zscores(frame)
    schema = SCHEMAS["exams"]
    return pa.Table.from_pandas(scored[schema.names], schema=schema, preserve_index=False)


def add_zscores(frame: pd.DataFrame) -> pd.DataFrame:
    if len(frame):
        out = compute_zscores(frame[["sex", "age_days", "weight_kg", "length_cm", "measure"]].copy())
        for col in Z_COLUMNS:
            frame[col] = pd.to_numeric(out[col], errors="coerce").astype("float64").to_numpy()
    else:
        for col in Z_COLUMNS:
            frame[col] = pd.Series([], dtype="float64")
    return frame


def _entries(qs: QuerySet[Any], spec: Spec, names: dict[str, int]) -> pa.Table:
    """Rows with their entry metadata; an imported 录入人 is the operator (``quality.imported_operators``)."""
    return _with_local_date(named_operators(arrow_of(qs, [*spec, *ENTERED_BY]), names))


def register_tables(units: list[OrgUnit], period: Period,
                    names: dict[str, int] | None = None) -> dict[str, pa.Table]:
    """The registers of the scan; ``names`` collects the imported 录入人 names and their ids."""
    names = {} if names is None else names
    pregnancies = pregnancy_scope(units, period)
    children = child_scope(units, period)
    anc = _in_period(_entries(AntenatalVisit.objects.filter(record__in=pregnancies), ANTENATAL, names),
                     "visit_on", period)
    post = _in_period(_entries(PostpartumVisit.objects.filter(record__in=pregnancies), POSTPARTUM, names),
                      "visit_on", period)
    exams = _in_period(_entries(ChildExam.objects.filter(child__in=children), EXAM, names), "exam_on", period)
    preg = _entries(pregnancies, PREGNANCY, names)
    preg = preg.append_column("updated_date", preg["updated_at"].cast(pa.date32()))
    return {"pregnancies": preg, "antenatal": anc, "postpartum": post,
            "children": _entries(children, CHILD, names), "exams": exam_frame(exams)}


def entries_table(tables: dict[str, pa.Table]) -> pa.Table:
    """Every visit-like row with its entry metadata: what the entry-burst check reads."""
    parts = [("pregnancy", tables["pregnancies"], "registered_on"), ("pregnancy", tables["antenatal"], "visit_on"),
             ("pregnancy", tables["postpartum"], "visit_on"), ("child", tables["exams"], "exam_on")]
    schema = SCHEMAS["entries"]
    return pa.concat_tables([pa.table(
        [t["unit_id"], pa.repeat(pa.scalar(kind), t.num_rows), t["record_id"], t["created_at"], t["created_by"],
         t["batch_id"], t[date_col], t["time_known"]], schema=schema) for kind, t, date_col in parts])


# ---- the scan's inputs --------------------------------------------------------------------------------

def vf_table(actor: Actor, units: list[OrgUnit], period: Period, root: OrgUnit) -> pa.Table:
    from ducha.quality.register_indicators import register_indicator_table

    ids = {u.code: u.pk for u in units}
    rows = [r for r in register_indicator_table(actor, period=period, root=root, level="all") if r.unit_code in ids]
    return pa.table({
        "unit_id": pa.array([ids[r.unit_code] for r in rows], pa.int64()),
        "indicator_code": pa.array([r.indicator_code for r in rows], pa.string()),
        "indicator_name": pa.array([r.indicator_name for r in rows], pa.string()),
        "register_numerator": pa.array([r.register_numerator for r in rows], pa.int64()),
        "reported_numerator": pa.array([r.reported_numerator for r in rows], pa.int64()),
        "vf": pa.array([r.verification_factor for r in rows], pa.float64()),
    })


def units_table(units: list[OrgUnit]) -> pa.Table:
    return pa.table({"unit_id": pa.array([u.pk for u in units], pa.int64()),
                     "code": pa.array([u.code for u in units], pa.string()),
                     "label": pa.array([u.label for u in units], pa.string()),
                     "population": pa.array([u.population for u in units], pa.int64())})


def holidays_table(period: Period) -> pa.Table:
    days = sorted(holiday_dates(range(period.start.year - 1, period.end.year + 1)))
    return pa.table({"day": pa.array(days, pa.date32())})


def labels_for(units: list[OrgUnit], tables: dict[str, pa.Table], names: dict[str, int] | None = None) -> Labels:
    """``names``: the imported 录入人 of :func:`register_tables`, labelled "<name>（导入）"."""
    users = get_user_model().objects.all()
    labels = Labels(
        units={u.pk: u.label for u in units},
        elements=dict(DataElement.objects.values_list("code", "name")),
        users={u.pk: (u.get_full_name() or u.get_username()) for u in users},
        batches=dict(ImportBatch.objects.values_list("pk", "file_name")),
    )
    labels.users.update({pk: f"{name}（导入）" for name, pk in (names or {}).items()})
    for kind, name in (("pregnancy", "pregnancies"), ("child", "children")):
        table = tables[name]
        labels.records.update({(kind, i): (no or "", nm or "") for i, no, nm in zip(
            table["record_id"].to_pylist(), table["record_no"].to_pylist(), table["name"].to_pylist(), strict=True)})
    return labels


def load_scan_data(actor: Actor, *, units: list[OrgUnit], period: Period, root: OrgUnit,
                   core: list[str]) -> ScanData:
    today = timezone.localdate()
    names: dict[str, int] = {}
    arrow = register_tables(units, period, names)
    arrow |= {
        "units": units_table(units),
        "reports": reports_table(units, period),
        "expected_reports": expected_reports_table(units, period, today),
        "submissions": submissions_table(units, period),
        "core_elements": core_elements_table(units, core),
        "register_vf": vf_table(actor, units, period, root),
        "holidays": holidays_table(period),
    }
    arrow["entries"] = entries_table(arrow)
    labels = labels_for(units, arrow, names)
    return ScanData(tables={k: ibis.memtable(v) for k, v in arrow.items()}, period=period, labels=labels,
                    today=today)


# ---- schemas: for building scan data without the database (tests, benchmarks) -------------------------

def _schema(spec: Spec, *extra: tuple[str, pa.DataType]) -> pa.Schema:
    return pa.schema([(name, kind) for name, _, kind in spec] + list(extra))


_LOCAL = ("created_date", pa.date32())
_IN = ("in_period", pa.bool_())
SCHEMAS: dict[str, pa.Schema] = {
    "pregnancies": _schema(PREGNANCY, _LOCAL, ("updated_date", pa.date32())),
    "antenatal": _schema(ANTENATAL, _LOCAL, _IN),
    "postpartum": _schema(POSTPARTUM, _LOCAL, _IN),
    "children": _schema(CHILD, _LOCAL),
    "exams": _schema(EXAM, _LOCAL, _IN, ("age_days", pa.float64()), ("measure", pa.string()),
                     *[(c, pa.float64()) for c in Z_COLUMNS]),
    "units": pa.schema([("unit_id", pa.int64()), ("code", pa.string()), ("label", pa.string()),
                        ("population", pa.int64())]),
    "reports": pa.schema([("unit_id", pa.int64()), ("month", pa.string()), ("code", pa.string()),
                          ("value", pa.float64()), ("aggregation", pa.string()), ("midx", pa.int64())]),
    "expected_reports": pa.schema([("unit_id", pa.int64()), ("data_set_id", pa.int64()), ("month", pa.string()),
                                   ("deadline", pa.date32())]),
    "submissions": pa.schema([("unit_id", pa.int64()), ("data_set_id", pa.int64()), ("month", pa.string()),
                              ("submitted_at", pa.timestamp("us")), ("submitted_on", pa.date32())]),
    "core_elements": pa.schema([("unit_id", pa.int64()), ("data_set_id", pa.int64()), ("code", pa.string())]),
    "register_vf": pa.schema([("unit_id", pa.int64()), ("indicator_code", pa.string()),
                              ("indicator_name", pa.string()), ("register_numerator", pa.int64()),
                              ("reported_numerator", pa.int64()), ("vf", pa.float64())]),
    "holidays": pa.schema([("day", pa.date32())]),
    "entries": pa.schema([("unit_id", pa.int64()), ("record_type", pa.string()), ("record_id", pa.int64()),
                          ("created_at", pa.timestamp("us")), ("created_by", pa.int64()), ("batch_id", pa.int64()),
                          ("event_date", pa.date32()), ("time_known", pa.bool_())]),
}


def table_from_columns(name: str, columns: dict[str, list[Any]]) -> pa.Table:
    """An Arrow table of ``SCHEMAS[name]`` from the given columns; absent columns are null."""
    schema = SCHEMAS[name]
    unknown = set(columns) - set(schema.names)
    if unknown:
        raise KeyError(f"{name} 没有列 {sorted(unknown)}")
    rows = len(next(iter(columns.values()))) if columns else 0
    return pa.table({f.name: pa.array(columns.get(f.name, [None] * rows), f.type) for f in schema}, schema=schema)


def scan_data_from_arrow(arrow: dict[str, pa.Table], period: Period, labels: Labels | None = None,
                         today: date | None = None) -> ScanData:
    """Scan data from ready Arrow tables; tables not given are empty."""
    full = {name: arrow.get(name, table_from_columns(name, {})) for name in SCHEMAS}
    return ScanData(tables={k: ibis.memtable(v) for k, v in full.items()}, period=period,
                    labels=labels or Labels(), today=today or timezone.localdate())


def child_exam_frame(units: list[OrgUnit], period: Period) -> pd.DataFrame:
    """The period's child exams with z-scores and who/what they came from, for SMART reports: ``batch`` is the
    import batch, or "<unit> 手工录入" for exams entered by hand (all of the demo county's)."""
    qs = ChildExam.objects.filter(child__org_unit__in=units, exam_on__range=_range(period))
    names: dict[str, int] = {}
    exams = exam_frame(_in_period(_entries(qs, EXAM, names), "exam_on", period)).to_pandas()
    labels = {u.pk: u.label for u in units}
    users = {u.pk: (u.get_full_name() or u.get_username()) for u in get_user_model().objects.all()}
    users.update({pk: name for name, pk in names.items()})  # imported 录入人 (named_operators)
    exams["unit_label"] = exams["unit_id"].map(labels)
    examiner = exams["examiner"].fillna("").str.strip()
    by_user = exams["created_by"].map(users)
    exams["operator"] = examiner.where(examiner != "", by_user)
    imported = exams["batch_id"].map(batch_labels(exams["batch_id"].dropna().unique())).astype("object")
    exams["batch"] = imported.where(exams["batch_id"].notna(), exams["unit_label"] + " 手工录入")
    return exams


def batch_labels(ids: Any) -> dict[int, str]:
    """Each import batch as a person tells it apart: file name and local import time (the same file may be
    imported twice). Exams entered by hand have no batch: ``child_exam_frame`` names them per unit."""
    rows = ImportBatch.objects.filter(pk__in=[int(i) for i in ids]).values_list("pk", "file_name", "created_at")
    return {pk: f"{name}（{timezone.localtime(at):%Y-%m-%d %H:%M} 导入）" for pk, name, at in rows}
