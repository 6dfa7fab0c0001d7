"""Reads of suspect records: the paged and filtered list, each unit's top records, one record's evidence.

Access rules, one condition per line:
- suspect records are listed only for units the actor can see, under ``root`` (as ``selectors``);
- a record's suspect page exists only for a record the actor can see (the registers' ``access_*``: 404);
- the runs shown on it are those whose suspect row for the record sits in a unit the actor can see;
- a unit's evidence (the unit-level results of the checks that flagged the record) is that unit's only.

An inspector planning household visits (入户核实) needs every township's worst records, not the county's
top 100 (which at the demo county are all from one township): the list therefore has a section per unit
with its top records, then the whole list paged, filtered by unit (the page's scope) and by check.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from django.core.paginator import Page, Paginator
from django.db.models import Count, F, Q, QuerySet, TextField, Window
from django.db.models.functions import Cast, RowNumber
from django.http import Http404

from ducha.core.actor import Actor
from ducha.orgs.models import OrgUnit
from ducha.orgs.selectors import visible_units
from ducha.quality.checks.base import Check, catalogue
from ducha.quality.models import CheckResult, QualityRun, ResultStatus, SuspectRecord
from ducha.quality.zscores import compute_zscores
from ducha.registers.models import ChildExam, ChildRecord, PregnancyRecord
from ducha.registers.selectors import access_child_record, access_pregnancy_record

PAGE_SIZE = 50
TOP_PER_UNIT = 3
KINDS = ("pregnancy", "child")
Z_NAMES = {"waz": "年龄别体重", "laz": "年龄别身长/身高", "wlz": "身长/身高别体重", "baz": "年龄别 BMI"}
Z_FLAGS = {"waz": "fwaz", "laz": "flaz", "wlz": "fwlz", "baz": "fbaz"}
Z_LIMITS = {"waz": "< −6 或 > 5", "laz": "|z| > 6", "wlz": "|z| > 5", "baz": "|z| > 5"}


# ---- the list ---------------------------------------------------------------------------------------

def record_checks() -> list[Check]:
    """Checks that can flag a single record (record checks, and group checks that implicate records)."""
    return [c for c in catalogue() if c.is_record_check or c.implicate is not None]


def check_filter(check_id: str) -> Q:
    """Suspects one of whose reasons is ``check_id``. ``reasons`` is a JSON list of objects; a JSON
    ``contains`` is PostgreSQL-only, so both databases match the serialised pair (``"check_id": "…"``:
    Python's and PostgreSQL's JSON text both write ``": "``). ``check_id`` must be a catalogue id."""
    return Q(reasons_text__contains=f'"check_id": "{check_id}"')


def suspects_in(actor: Actor, run: QualityRun, root: OrgUnit, *, check_id: str = "") -> QuerySet[SuspectRecord]:
    units = visible_units(actor).filter(path__startswith=root.path)
    rows = SuspectRecord.objects.filter(run=run, unit__in=units).select_related("unit")
    if check_id:
        rows = rows.annotate(reasons_text=Cast("reasons", TextField())).filter(check_filter(check_id))
    return rows.order_by("-risk_weight", "unit__sort_order", "unit__code", "record_type", "record_id")


def suspect_page(actor: Actor, run: QualityRun, root: OrgUnit, *, check_id: str = "", page: Any = 1,
                 per_page: int = PAGE_SIZE) -> Page:
    return Paginator(suspects_in(actor, run, root, check_id=check_id), per_page).get_page(page)


@dataclass
class UnitTop:
    unit: OrgUnit
    total: int
    top: list[SuspectRecord] = field(default_factory=list)


def top_by_unit(actor: Actor, run: QualityRun, root: OrgUnit, *, check_id: str = "",
                top: int = TOP_PER_UNIT) -> list[UnitTop]:
    """Each unit's ``top`` riskiest suspect records (a window per unit, filtered in the database) with the
    unit's count, units in the tree's order."""
    rows = suspects_in(actor, run, root, check_id=check_id)
    totals = dict(rows.order_by().values_list("unit_id").annotate(n=Count("id")).values_list("unit_id", "n"))
    best = rows.annotate(place=Window(RowNumber(), partition_by=[F("unit_id")], order_by=[
        F("risk_weight").desc(), F("record_type").asc(), F("record_id").asc()])).filter(place__lte=top)
    out: dict[int, UnitTop] = {}
    for s in best:
        out.setdefault(s.unit_id, UnitTop(s.unit, totals.get(s.unit_id, 0))).top.append(s)
    return sorted(out.values(), key=lambda e: (e.unit.sort_order, e.unit.code))


# ---- one record -------------------------------------------------------------------------------------

@dataclass
class Reason:
    check_id: str
    title: str
    severity: str
    text: str  # why this record (stored with the suspect row)
    unit_evidence: list[CheckResult]  # the unit-level result behind it, where the check is a group check
    method: str  # threshold and rationale, for the 方法说明 fold-out


@dataclass
class ExamScores:
    exam: ChildExam
    age_months: float | None
    scores: list[tuple[str, float | None, bool, str]]  # (name, z, flagged, flag limit)

    @property
    def flagged(self) -> bool:
        return any(s[2] for s in self.scores)


@dataclass
class SuspectDetail:
    kind: str
    record: PregnancyRecord | ChildRecord
    suspect: SuspectRecord | None
    runs: list[SuspectRecord]  # every visible run that flagged the record, newest first
    reasons: list[Reason]
    exams: list[ExamScores]
    verification: list[CheckResult]  # the unit's register-vs-report results (DQ-V…) in the run shown


def access_record(actor: Actor, kind: str, pk: int) -> PregnancyRecord | ChildRecord:
    if kind == "pregnancy":
        return access_pregnancy_record(actor, pk)
    if kind == "child":
        return access_child_record(actor, pk)
    raise Http404("没有这种登记")


def flagged_in(actor: Actor, kind: str, pk: int) -> list[SuspectRecord]:
    return list(SuspectRecord.objects.filter(record_type=kind, record_id=pk, unit__in=visible_units(actor))
                .select_related("run", "run__root", "unit").order_by("-run__started_at", "-run_id"))


def _reasons(suspect: SuspectRecord) -> list[Reason]:
    by_id = {c.id: c for c in catalogue()}
    fired = list(CheckResult.objects.filter(run_id=suspect.run_id, unit_id=suspect.unit_id,
                                            status=ResultStatus.FIRED, check_id__in=suspect.check_ids))
    out = []
    for r in suspect.reasons:
        check = by_id.get(r["check_id"])
        unit_level = [] if check is None or check.is_record_check else [f for f in fired if f.check_id == r["check_id"]]
        method = f"判定：{check.threshold_text()}。{check.rationale}" if check else ""
        out.append(Reason(r["check_id"], r.get("title", r["check_id"]), check.severity.label if check else "",
                          r.get("text", ""), unit_level, method))
    return out


def exam_scores(record: ChildRecord) -> list[ExamScores]:
    """The child's exams with their WHO z-scores and flags (``quality.zscores``), oldest first."""
    exams = list(record.exams.select_related("created_by", "batch").order_by("exam_on", "id"))
    if not exams:
        return []
    ages = [float((e.exam_on - record.birth_date).days) if e.exam_on and record.birth_date else float("nan")
            for e in exams]
    measure = [("l" if e.measured_lying else "h") if e.measured_lying is not None
               else ("l" if age < 731 else "h") if age == age else None for e, age in zip(exams, ages, strict=True)]
    frame = compute_zscores(pd.DataFrame({
        "sex": [record.sex] * len(exams), "age_days": ages, "measure": measure,
        "weight_kg": [float(e.weight_kg) if e.weight_kg is not None else None for e in exams],
        "length_cm": [float(e.length_cm) if e.length_cm is not None else None for e in exams]}))
    out = []
    for i, exam in enumerate(exams):
        scores = []
        for name, label in Z_NAMES.items():
            z = frame[name].iloc[i]
            shown = None if pd.isna(z) else round(float(z), 2)
            scores.append((label, shown, bool(frame[Z_FLAGS[name]].iloc[i] == 1), Z_LIMITS[name]))
        age = None if ages[i] != ages[i] else round(ages[i] / 30.4375, 1)
        out.append(ExamScores(exam, age, scores))
    return out


def suspect_detail(actor: Actor, kind: str, pk: int, *, run_id: int | None = None) -> SuspectDetail:
    """Why record ``pk`` is suspect, in run ``run_id`` or the newest visible run that flagged it."""
    record = access_record(actor, kind, pk)
    runs = flagged_in(actor, kind, pk)
    suspect = next((s for s in runs if run_id is None or s.run_id == run_id), None)
    if run_id is not None and suspect is None:
        raise Http404("这次质量检查没有把该记录判为可疑，或无权查看")
    verification = [] if suspect is None else list(
        CheckResult.objects.filter(run_id=suspect.run_id, unit_id=suspect.unit_id, check_id__startswith="DQ-V")
        .order_by("check_id"))
    return SuspectDetail(kind, record, suspect, runs, _reasons(suspect) if suspect else [],
                         exam_scores(record) if isinstance(record, ChildRecord) else [], verification)
