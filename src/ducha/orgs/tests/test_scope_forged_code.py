"""A unit code cannot forge a place in the tree (issue 6, item 7).

Before the fix, a unit coded ``T01/x`` under the county got the path ``/T00/T01/x/`` — inside T01's
subtree — and T01's officer saw and edited its records. Validation now refuses such a code (see
``test_unit_code_rules``); here the unit is written straight into the database, past the validators and
the CHECK constraint, to prove that the scoped selectors hold by themselves: every one of them, run as
T01's officer, leaves the forged unit and its data out. The county inspector does see it (so the data
the selectors are asked about exist).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from types import SimpleNamespace
from typing import Any

import pytest
from django.apps import apps
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.http import Http404
from django.utils import timezone

from ducha.core.periods import parse_period
from ducha.indicators.selectors import indicator_table
from ducha.orgs import selectors as orgs
from ducha.orgs.actions import set_tree_path
from ducha.orgs.models import OrgUnit, OrgUnitKind
from ducha.quality import selectors as quality
from ducha.quality.actions import scanned_units
from ducha.quality.models import CheckResult, QualityRun, SuspectRecord, UnitQualityScore
from ducha.quality.register_indicators import register_indicator_table
from ducha.registers import selectors as registers
from ducha.registers.models import AntenatalVisit, ChildExam, ChildRecord, PregnancyRecord
from ducha.reporting import selectors as reporting
from ducha.reporting.bulk_validation import validate_period
from ducha.reporting.models import DataElement, DataValue, ValidationRule

Q1 = parse_period("2012Q1")
FORGED_CODE = "T01/x"


@contextmanager
def check_constraints_off() -> Iterator[None]:
    """Let rows past the table's CHECK constraints (the test's transaction undoes it on PostgreSQL)."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA ignore_check_constraints = ON")
        else:  # deferred foreign-key checks pending from the fixture would block ALTER TABLE
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("ALTER TABLE orgs_orgunit DROP CONSTRAINT orgunit_code_no_separator")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        try:
            yield
        finally:
            if connection.vendor == "sqlite":
                cursor.execute("PRAGMA ignore_check_constraints = OFF")


def forge_unit(parent: OrgUnit, code: str, *, path: str | None = None) -> OrgUnit:
    """A unit saved without validation; its path as ducha builds it, or ``path`` as an old version did."""
    unit = OrgUnit(code=code, name="伪造单位", short_name="伪造", kind=OrgUnitKind.TOWNSHIP_CENTRE, parent=parent,
                   sort_order=5)
    set_tree_path(unit)
    if path is not None:
        unit.path = path
    with check_constraints_off():
        unit.save()
    return unit


@dataclass
class Forged:
    county: Any
    unit: OrgUnit
    officer: Any
    pregnancy: PregnancyRecord
    visit: AntenatalVisit
    child: ChildRecord
    exam: ChildExam
    run: QualityRun
    indicators_before: list[Any]


def _registers(unit: OrgUnit) -> tuple[PregnancyRecord, AntenatalVisit, ChildRecord, ChildExam]:
    pregnancy = PregnancyRecord.objects.create(org_unit=unit, record_no="F001", name="伪造孕妇",
                                               registered_on=date(2012, 2, 1), lmp=date(2011, 12, 1))
    visit = AntenatalVisit.objects.create(record=pregnancy, visit_on=date(2012, 2, 1), weeks=9, sbp=120, dbp=80)
    child = ChildRecord.objects.create(org_unit=unit, record_no="F101", name="伪造儿童", sex=1,
                                       birth_date=date(2011, 6, 1))
    exams = ChildExam.objects.bulk_create([
        ChildExam(child=child, exam_on=date(2012, 1, 1 + i), weight_kg=9, length_cm=75, examiner="伪造检查者")
        for i in range(30)])
    return pregnancy, visit, child, exams[0]


def _stored_run(county: Any, unit: OrgUnit, pregnancy: PregnancyRecord) -> QualityRun:
    """A county-wide run's stored results (as ``run_quality_scan`` writes them) for T01 and the forged unit."""
    run = QualityRun.objects.create(period=Q1.code, root=county.county, created_by=county.inspector,
                                    started_at=timezone.now(), summary={"fired": 2, "suspects": 1})
    for target in (county.town_a, unit):
        CheckResult.objects.create(run=run, check_id="DQ-F01", unit=target, status="fired", evidence_text="x")
        UnitQualityScore.objects.create(run=run, unit=target, score=85, grade="良", fired=1)
    SuspectRecord.objects.create(run=run, record_type="pregnancy", record_id=pregnancy.pk, record_no="F001",
                                 name="伪造孕妇", unit=unit, risk_weight=3, reasons=[])
    return run


@pytest.fixture
def forged(mini_county: Any) -> Forged:
    officer = mini_county.officer_a
    before = indicator_table(officer, period=Q1, root=mini_county.town_a, level="all").rows
    unit = forge_unit(mini_county.county, FORGED_CODE)
    mini_county.data_set.org_units.add(unit)
    for code, value in (("PREG_REGISTERED", 50), ("PREG_TOTAL", 10)):
        DataValue.objects.create(data_element=DataElement.objects.get(code=code), org_unit=unit, period="201202",
                                 value=value)
    pregnancy, visit, child, exam = _registers(unit)
    run = _stored_run(mini_county, unit, pregnancy)
    assert orgs.visible_units(mini_county.inspector).filter(pk=unit.pk).exists()
    assert quality.check_results(mini_county.inspector, run, mini_county.county).filter(unit=unit).exists()
    return Forged(mini_county, unit, officer, pregnancy, visit, child, exam, run, before)


def _raises(call: Callable[[], Any]) -> bool:
    try:
        call()
    except (Http404, PermissionDenied):
        return True
    return False


def _units(rows: Any) -> set[int]:
    return {getattr(r, "org_unit_id", None) or getattr(r, "unit_id", None) or r.pk for r in rows}


# Each case: (id, a function of the scenario that is True when the forged unit or its data stay hidden).
CASES: list[tuple[str, Callable[[Forged], bool]]] = [
    ("orgs.visible_units", lambda f: f.unit not in orgs.visible_units(f.officer)),
    ("orgs.writable_units", lambda f: f.unit not in orgs.writable_units(f.officer)),
    ("orgs.access_unit", lambda f: _raises(lambda: orgs.access_unit(f.officer, FORGED_CODE))),
    ("orgs.access_unit_write", lambda f: _raises(lambda: orgs.access_unit(f.officer, FORGED_CODE, write=True))),
    ("orgs.root_units", lambda f: f.unit not in orgs.root_units(f.officer)),
    ("orgs.default_unit", lambda f: orgs.default_unit(f.officer) == f.county.town_a),
    ("orgs.reporting_units", lambda f: f.unit not in orgs.reporting_units(f.officer)),
    ("orgs.reporting_units_root", lambda f: f.unit not in orgs.reporting_units(f.officer, f.county.town_a)),
    ("orgs.subtree", lambda f: f.unit not in orgs.subtree(f.county.town_a)),
    ("orgs.in_subtree", lambda f: not orgs.in_subtree(f.unit, f.county.town_a)),
    ("reporting.data_sets", lambda f: list(reporting.data_sets(f.officer)) == [f.county.data_set]),
    ("reporting.report_values", lambda f: _raises(lambda: reporting.report_values(
        f.officer, data_set=f.county.data_set, unit_code=FORGED_CODE, period=parse_period("201202")))),
    ("reporting.data_values", lambda f: f.unit.pk not in _units(reporting.data_values(
        f.officer, root=f.county.town_a, months=Q1.month_codes()))),
    ("reporting.reporting_status", lambda f: f.unit not in [r.unit for r in reporting.reporting_status(
        f.officer, data_set=f.county.data_set, period=Q1, root=f.county.town_a)]),
    ("reporting.template_values", lambda f: not any(k[0] == FORGED_CODE for k in reporting.template_values(
        actor=f.officer, data_set=f.county.data_set, units=[f.unit, f.county.town_a], period=Q1))),
    ("reporting.validate_period", lambda f: not any(v.org_unit_code == FORGED_CODE for v in validate_period(
        f.officer, period=Q1, root=f.county.town_a, rules=list(ValidationRule.objects.all())))),
    ("registers.pregnancy_records", lambda f: f.pregnancy not in registers.pregnancy_records(f.officer)),
    ("registers.pregnancy_records_unit", lambda f: f.pregnancy not in registers.pregnancy_records(
        f.officer, unit=f.county.town_a)),
    ("registers.child_records", lambda f: f.child not in registers.child_records(f.officer)),
    ("registers.child_records_unit", lambda f: f.child not in registers.child_records(
        f.officer, unit=f.county.town_a)),
    ("registers.register_units", lambda f: f.unit not in registers.register_units(f.officer)),
    ("registers.can_edit", lambda f: not registers.can_edit(f.officer, f.unit)),
    ("registers.access_pregnancy_record", lambda f: _raises(
        lambda: registers.access_pregnancy_record(f.officer, f.pregnancy.pk))),
    ("registers.access_pregnancy_record_write", lambda f: _raises(
        lambda: registers.access_pregnancy_record(f.officer, f.pregnancy.pk, write=True))),
    ("registers.access_child_record", lambda f: _raises(lambda: registers.access_child_record(f.officer, f.child.pk))),
    ("registers.access_child_record_write", lambda f: _raises(
        lambda: registers.access_child_record(f.officer, f.child.pk, write=True))),
    ("registers.access_antenatal_visit", lambda f: _raises(lambda: registers.access_antenatal_visit(
        f.officer, registers.access_pregnancy_record(f.officer, f.pregnancy.pk), f.visit.pk))),
    ("registers.access_child_exam", lambda f: _raises(lambda: registers.access_child_exam(
        f.officer, registers.access_child_record(f.officer, f.child.pk), f.exam.pk))),
    ("quality.can_run_scan", lambda f: not quality.can_run_scan(f.officer, f.unit)),
    ("quality.latest_run", lambda f: quality.latest_run(f.officer, period=Q1, root=f.unit) is None),
    ("quality.runs_of", lambda f: quality.runs_of(f.officer, root=f.unit) == []),
    ("quality.unit_scores", lambda f: f.unit.pk not in _units(quality.unit_scores(f.officer, f.run, f.county.town_a))),
    ("quality.check_results", lambda f: f.unit.pk not in _units(
        quality.check_results(f.officer, f.run, f.county.town_a))),
    ("quality.suspect_records", lambda f: f.unit.pk not in _units(
        quality.suspect_records(f.officer, f.run, f.county.town_a, limit=None))),
    ("quality.fired_by_unit", lambda f: f.unit.pk not in quality.fired_by_unit(f.officer, f.run, f.county.town_a)),
    ("quality.run_figures", lambda f: quality.run_figures(f.officer, [f.run], f.county.town_a)[0].units == 1),
    ("quality.smart_reports", lambda f: "伪造检查者" not in [r.name for r in quality.smart_reports(
        f.officer, period=Q1, root=f.county.town_a, min_n=1).operators]),
    ("quality.scanned_units", lambda f: f.unit not in scanned_units(f.officer, f.county.town_a)),
    ("quality.register_indicator_table", lambda f: FORGED_CODE not in {r.unit_code for r in register_indicator_table(
        f.officer, period=Q1, root=f.county.town_a, level="all")}),
    ("indicators.indicator_table", lambda f: indicator_table(
        f.officer, period=Q1, root=f.county.town_a, level="all").rows == f.indicators_before),
]


@pytest.mark.parametrize("holds", [c[1] for c in CASES], ids=[c[0] for c in CASES])
def test_selector_hides_a_unit_whose_code_forges_the_path(forged: Forged, holds: Callable[[Forged], bool]) -> None:
    assert forged.unit.path == "/T00/T01%2Fx/"
    assert holds(forged)


def test_the_county_sees_the_forged_unit_data(forged: Forged) -> None:
    """The cases above are not vacuous: the same selectors show the data to the county inspector."""
    inspector, county = forged.county.inspector, forged.county.county
    assert forged.pregnancy in registers.pregnancy_records(inspector)
    assert any(v.org_unit_code == FORGED_CODE for v in validate_period(
        inspector, period=Q1, root=county, rules=list(ValidationRule.objects.all())))
    assert "伪造检查者" in [r.name for r in quality.smart_reports(inspector, period=Q1, root=county, min_n=1).operators]
    assert quality.run_figures(inspector, [forged.run], county)[0].units == 2


def test_upgrade_repairs_a_path_forged_by_an_old_version(mini_county: Any) -> None:
    """A unit imported before the fix (path ``/T00/T01/x/``) is renamed and re-pathed by migration 0002."""
    unit = forge_unit(mini_county.county, FORGED_CODE, path="/T00/T01/x/")
    assert unit in orgs.visible_units(mini_county.officer_a)  # what the old version let happen
    migration = importlib.import_module("ducha.orgs.migrations.0002_orgunit_code_validator")
    migration.repair_units(apps, SimpleNamespace(connection=connection))
    unit.refresh_from_db()
    assert (unit.code, unit.path) == ("T01_x", "/T00/T01_x/")
    assert unit not in orgs.visible_units(mini_county.officer_a)
    assert OrgUnit.objects.get(code="T0101").path == "/T00/T01/T0101/"


def test_the_database_refuses_a_code_with_a_separator(mini_county: Any) -> None:
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        OrgUnit.objects.create(code="T01/y", name="坏编码", kind=OrgUnitKind.TOWNSHIP_CENTRE,
                               parent=mini_county.county, path="/T00/T01/y/")
