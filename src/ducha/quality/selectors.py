"""Reads of stored quality results, scoped to the actor's units; who may run a scan.

Access rules, one condition per line:
- a scan may be run by a superuser, or by an admin or inspector whose unit contains the scanned root;
- a run is shown for ``root`` when its own root is ``root`` or one of ``root``'s ancestors;
- results, scores and suspect records are shown only for units the actor can see, under ``root``;
- a run's figures (可疑项, 无法判断, 可疑手册) are counted over those units only, never the run's totals;
- who ran a run is named only when the run's own root is visible to the actor ("县级检查" otherwise);
- county-habit notes (on the run's root) are shown only when the run's own root is visible to the actor.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, QuerySet
from django.http import Http404

from ducha.core.actor import Actor
from ducha.core.periods import Period
from ducha.core.results import cached_result, data_stamp
from ducha.orgs.models import OrgUnit, OrgUnitKind, Role
from ducha.orgs.selectors import memberships_of, visible_units
from ducha.quality.checks.base import Check, catalogue
from ducha.quality.models import CheckResult, QualityRun, ResultStatus, SuspectRecord, UnitQualityScore

SCAN_ROLES = frozenset({Role.ADMIN, Role.INSPECTOR})


def can_run_scan(actor: Actor, root: OrgUnit) -> bool:
    if not getattr(actor, "is_authenticated", False):
        return False
    if getattr(actor, "is_superuser", False):
        return True
    return any(m.role in SCAN_ROLES and root.path.startswith(m.org_unit.path) for m in memberships_of(actor))


def _ancestor_paths(unit: OrgUnit) -> list[str]:
    parts = [p for p in unit.path.split("/") if p]
    return ["/" + "/".join(parts[:i]) + "/" for i in range(1, len(parts) + 1)]


def latest_run(actor: Actor, *, period: Period, root: OrgUnit) -> QualityRun | None:
    """The newest run of ``period`` covering ``root`` (``root`` must be visible to the actor)."""
    if not visible_units(actor).filter(pk=root.pk).exists():
        return None
    return (QualityRun.objects.filter(period=period.code, root__path__in=_ancestor_paths(root))
            .select_related("root", "created_by").order_by("-started_at", "-pk").first())


def runs_of(actor: Actor, *, root: OrgUnit, limit: int = 10) -> list[QualityRun]:
    if not visible_units(actor).filter(pk=root.pk).exists():
        return []
    return list(QualityRun.objects.filter(root__path__in=_ancestor_paths(root))
                .select_related("root", "created_by").order_by("-started_at", "-pk")[:limit])


def quality_runs(actor: Actor, *, root: OrgUnit, period: Period | None = None) -> QuerySet[QualityRun]:
    """Every run covering ``root`` (its own root is ``root`` or an ancestor), newest first; the API's list."""
    if not visible_units(actor).filter(pk=root.pk).exists():
        return QualityRun.objects.none()
    runs = QualityRun.objects.filter(root__path__in=_ancestor_paths(root)).select_related("root", "created_by")
    if period is not None:
        runs = runs.filter(period=period.code)
    return runs.order_by("-started_at", "-pk")


def access_run(actor: Actor, pk: int, *, root: OrgUnit) -> QualityRun:
    """Run ``pk`` as seen from ``root``: 404 when it does not exist or does not cover ``root``."""
    run = quality_runs(actor, root=root).filter(pk=pk).first()
    if run is None:
        raise Http404("这次质量检查不存在，或不覆盖所选单位，或无权查看")
    return run


def _units(actor: Actor, root: OrgUnit) -> QuerySet[OrgUnit]:
    return visible_units(actor).filter(path__startswith=root.path)


def unit_scores(actor: Actor, run: QualityRun, root: OrgUnit) -> list[UnitQualityScore]:
    rows = UnitQualityScore.objects.filter(run=run, unit__in=_units(actor, root)).select_related("unit")
    return sorted(rows, key=lambda s: (s.score is None, s.score if s.score is not None else 0, s.unit.sort_order))


def habit_notes(actor: Actor, run: QualityRun) -> list[CheckResult]:
    """The run's county-habit notes (one per check, on the run's root), shown once above the units; only to an
    actor who can see the run's root, since a note describes all of its units."""
    if not visible_units(actor).filter(pk=run.root_id).exists():
        return []
    return list(CheckResult.objects.filter(run=run, status=ResultStatus.HABIT, unit_id=run.root_id)
                .order_by("check_id", "subject"))


def check_results(actor: Actor, run: QualityRun, root: OrgUnit, *, status: str | None = None) -> QuerySet[CheckResult]:
    rows = CheckResult.objects.filter(run=run, unit__in=_units(actor, root)).select_related("unit")
    if status:
        rows = rows.filter(status=status)
    return rows.order_by("unit__sort_order", "unit__code", "check_id", "subject")


def run_results(actor: Actor, run: QualityRun, root: OrgUnit, *, status: str | None = None,
                check_id: str = "") -> QuerySet[CheckResult]:
    """``check_results`` narrowed to one check (the API's filter)."""
    rows = check_results(actor, run, root, status=status)
    return rows.filter(check_id=check_id) if check_id else rows


def suspect_records(actor: Actor, run: QualityRun, root: OrgUnit, *, limit: int | None = 100) -> list[SuspectRecord]:
    rows = SuspectRecord.objects.filter(run=run, unit__in=_units(actor, root)).select_related("unit")
    rows = rows.order_by("-risk_weight", "unit__sort_order", "record_type", "record_id")
    return list(rows[:limit] if limit else rows)


@dataclass
class FiredCheck:
    check: Check | None
    result: CheckResult

    @property
    def title(self) -> str:
        return self.check.title if self.check else self.result.check_id


def fired_by_unit(actor: Actor, run: QualityRun, root: OrgUnit) -> dict[int, list[FiredCheck]]:
    """Fired results per unit id, the most severe first, with their catalogue entries."""
    by_id = {c.id: c for c in catalogue()}
    out: dict[int, list[FiredCheck]] = {}
    for r in check_results(actor, run, root, status=ResultStatus.FIRED):
        out.setdefault(r.unit_id, []).append(FiredCheck(by_id.get(r.check_id), r))
    for items in out.values():
        items.sort(key=lambda f: (-(f.check.weight() if f.check else 0), f.result.check_id))
    return out


@dataclass(frozen=True)
class RunFigures:
    """One run as the actor may see it: figures counted over the actor's units under ``scope``."""

    run: QualityRun
    scope: OrgUnit
    runner: str
    units: int
    fired: int
    passed: int
    undecided: int
    suspects: int

    def as_dict(self) -> dict[str, Any]:
        return {"scope": self.scope.code, "units": self.units, "fired": self.fired, "passed": self.passed,
                "undecided": self.undecided, "suspects": self.suspects}


def _runner(run: QualityRun, root_visible: bool) -> str:
    """Who ran ``run``: their name when the actor sees the run's root, else only the level that ran it."""
    if not root_visible:
        return "县级检查" if run.root.kind == OrgUnitKind.COUNTY else "上级单位检查"
    user = run.created_by
    return (user.get_full_name() or user.username) if user is not None else "命令行"


def run_figures(actor: Actor, runs: list[QualityRun], root: OrgUnit) -> list[RunFigures]:
    """``runs`` with their figures recounted over the units the actor sees under ``root``."""
    units = _units(actor, root)
    ids = [r.pk for r in runs]
    visible_roots = set(visible_units(actor).filter(pk__in=[r.root_id for r in runs]).values_list("pk", flat=True))
    results: dict[tuple[int, str], int] = {
        (row["run_id"], row["status"]): row["n"] for row in CheckResult.objects.filter(
            run_id__in=ids, unit__in=units).values("run_id", "status").annotate(n=Count("id"))}
    suspects = dict(SuspectRecord.objects.filter(run_id__in=ids, unit__in=units).values("run_id")
                    .annotate(n=Count("id")).values_list("run_id", "n"))
    scored = dict(UnitQualityScore.objects.filter(run_id__in=ids, unit__in=units).values("run_id")
                  .annotate(n=Count("id")).values_list("run_id", "n"))
    return [RunFigures(run=r, scope=root, runner=_runner(r, r.root_id in visible_roots), units=scored.get(r.pk, 0),
                       fired=results.get((r.pk, ResultStatus.FIRED), 0),
                       passed=results.get((r.pk, ResultStatus.PASSED), 0),
                       undecided=results.get((r.pk, ResultStatus.UNDECIDED), 0), suspects=suspects.get(r.pk, 0))
            for r in runs]


# ---- SMART plausibility per unit, operator and import batch -------------------------------------------

@dataclass
class SmartRow:
    name: str
    report: Any


@dataclass
class SmartReports:
    units: list[SmartRow]
    operators: list[SmartRow]
    batches: list[SmartRow]
    small_groups: int


def smart_reports(actor: Actor, *, period: Period, root: OrgUnit, min_n: int = 30) -> SmartReports:
    """SMART plausibility of the period's child exams per unit, per examiner and per import batch.

    Kept between requests until a write moves the data generation stamp (``ducha.core.results``).
    """
    units = list(_units(actor, root))
    parts = (period.code, root.pk, min_n, tuple(sorted(u.pk for u in units)))
    return cached_result("smart-reports", stamp=data_stamp(), parts=parts,
                         compute=lambda: _smart_reports(units, period, min_n))


def _smart_reports(units: list[OrgUnit], period: Period, min_n: int) -> SmartReports:
    from ducha.quality.smart import plausibility_by
    from ducha.quality.store import child_exam_frame

    frame = child_exam_frame(units, period)
    if frame.empty:
        return SmartReports([], [], [], 0)
    out: dict[str, list[SmartRow]] = {}
    small = 0
    for key in ("unit_label", "operator", "batch"):
        rows = [SmartRow(str(name), report) for name, report in
                plausibility_by(frame[frame[key].notna()], key, min_n=min_n).items()]
        if key != "unit_label":
            small += sum(1 for r in rows if r.report.n < min_n)
            rows = [r for r in rows if r.report.n >= min_n]
        out[key] = rows
    return SmartReports(out["unit_label"], out["operator"], out["batch"], small)
