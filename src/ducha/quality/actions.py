"""Writes of the quality app: running a scan stores its results in one transaction with one audit row."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from ducha.audit.actions import record_audit
from ducha.core.actor import Actor
from ducha.core.periods import Period
from ducha.orgs.models import OrgUnit
from ducha.orgs.selectors import REPORTING_KINDS, visible_units
from ducha.quality.checks.base import Check, catalogue, settings_snapshot
from ducha.quality.checks.reports import CORE
from ducha.quality.engine import Outcome, run_checks
from ducha.quality.models import CheckResult, QualityRun, SuspectRecord, UnitQualityScore
from ducha.quality.scoring import UnitScore, score_units, suspects
from ducha.quality.selectors import can_run_scan
from ducha.quality.store import load_scan_data
from ducha.quality.verdict import FABRICATION, INCOMPLETE, INCONSISTENT


def scanned_units(actor: Actor, root: OrgUnit) -> list[OrgUnit]:
    """The units a scan judges: those in ``root``'s subtree that report or keep registers."""
    units = visible_units(actor).filter(path__startswith=root.path, kind__in=REPORTING_KINDS)
    return list(units.order_by("sort_order", "code"))


def core_elements() -> list[str]:
    return list(getattr(settings, "DUCHA_QUALITY", {}).get("core_elements", CORE))


def run_quality_scan(*, actor: Actor, period: Period, root: OrgUnit,
                     progress: Callable[[Check], None] | None = None) -> QualityRun:
    """Run every check of the catalogue over ``root``'s subtree for ``period`` and store the results."""
    if not can_run_scan(actor, root):
        raise PermissionDenied("只有督查员和系统管理员可以运行质量检查")
    started = timezone.now()
    units = scanned_units(actor, root)
    checks = catalogue()
    data = load_scan_data(actor, units=units, period=period, root=root, core=core_elements())
    ids = [u.pk for u in units]
    outcome = run_checks(data, ids, checks=checks, progress=progress, root=root.pk)
    scores = score_units(outcome, checks, ids)
    with transaction.atomic():
        run = QualityRun.objects.create(period=period.code, root=root, created_by=_user(actor), started_at=started,
                                        finished_at=timezone.now(), settings=settings_snapshot(),
                                        summary=_summary(outcome, scores))
        _store(run, outcome, scores, checks, data.labels.records)
        record_audit(actor=actor, action="quality.scan", object_type="quality.QualityRun", object_id=run.pk,
                     summary=f"运行数据质量检查：{root.name} {period.label}，可疑 {run.summary['fired']} 项、"
                             f"可疑手册 {run.summary['suspects']} 份", after=run.summary)
    return run


def _user(actor: Actor) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None


def _summary(outcome: Outcome, scores: list[UnitScore]) -> dict[str, int]:
    return {
        "units": len(scores),
        "fired": sum(1 for r in outcome.results if r.status == "fired"),
        "passed": sum(1 for r in outcome.results if r.status == "passed"),
        "undecided": sum(1 for r in outcome.results if r.status == "undecided"),
        "suspects": len({(h.record_type, h.record_id) for h in outcome.hits}),
    }


def _store(run: QualityRun, outcome: Outcome, scores: list[UnitScore], checks: list[Check],
           records: dict[tuple[str, int], tuple[str, str]]) -> None:
    CheckResult.objects.bulk_create([
        CheckResult(run=run, check_id=r.check_id, unit_id=r.unit_id, subject=r.subject[:120], status=r.status,
                    measured=r.measured, threshold=r.threshold, n=r.n, evidence=r.evidence, evidence_text=r.text)
        for r in outcome.results], batch_size=1000)
    SuspectRecord.objects.bulk_create([
        SuspectRecord(run=run, record_type=s.record_type, record_id=s.record_id, unit_id=s.unit_id,
                      record_no=records.get((s.record_type, s.record_id), ("", ""))[0][:40],
                      name=records.get((s.record_type, s.record_id), ("", ""))[1][:50],
                      risk_weight=s.risk_weight, reasons=s.reasons)
        for s in suspects(outcome.hits, checks)], batch_size=1000)
    UnitQualityScore.objects.bulk_create([
        UnitQualityScore(run=run, unit_id=s.unit_id, score=s.score, grade=s.grade, fired=s.fired, passed=s.passed,
                         undecided=s.undecided, records=s.records, suspect_records=s.suspect_records,
                         penalties=s.penalties, verdict=s.verdict, confidence=s.confidence,
                         verdict_text=s.verdict_text, fabrication_signals=len({g["group"] for g in s.signals}),
                         incomplete_records=s.kind_records(INCOMPLETE),
                         inconsistent_records=s.kind_records(INCONSISTENT),
                         fabrication_records=s.kind_records(FABRICATION), kinds=s.kinds, signals=s.signals)
        for s in scores], batch_size=1000)
