"""Pages of data quality: the scan results of a unit and period, the scan button, the check catalogue."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.views.decorators.http import require_POST

from ducha.core.actor import Actor
from ducha.core.periods import PeriodError, parse_period
from ducha.indicators.views import read_period, read_unit
from ducha.orgs.models import OrgUnitKind
from ducha.orgs.selectors import REPORTING_KINDS, access_unit, visible_units
from ducha.quality.actions import run_quality_scan
from ducha.quality.checks.base import Family, catalogue
from ducha.quality.models import QualityRun, SuspectRecord, UnitQualityScore
from ducha.quality.register_indicators import register_indicator_table
from ducha.quality.selectors import (
    can_run_scan,
    fired_by_unit,
    latest_run,
    run_figures,
    runs_of,
    smart_reports,
    suspect_records,
    unit_scores,
)
from ducha.reporting.selectors import latest_quarter_with_data
from ducha.reporting.views import period_choices

RECORD_URLS = {"pregnancy": "registers:pregnancy_detail", "child": "registers:child_detail"}


def record_url(suspect: SuspectRecord) -> str | None:
    try:
        return reverse(RECORD_URLS[suspect.record_type], args=[suspect.record_id])
    except NoReverseMatch:  # the register pages are not wired into this site
        return None


def unit_options(actor: Actor) -> list[tuple[str, str]]:
    units = visible_units(actor).exclude(kind=OrgUnitKind.VILLAGE_CLINIC).order_by("path")
    top = min((u.level for u in units), default=1)
    return [(u.code, "　" * (u.level - top) + u.name) for u in units]


@dataclass
class UnitPanel:
    score: UnitQualityScore
    fired: list[Any]


def _panels(actor: Actor, run: QualityRun | None, root: Any) -> list[UnitPanel]:
    if run is None:
        return []
    fired = fired_by_unit(actor, run, root)
    return [UnitPanel(s, fired.get(s.unit_id, [])) for s in unit_scores(actor, run, root)]


def _vf(actor: Actor, period: Any, root: Any) -> tuple[list[Any], list[Any]]:
    """Register-derived indicators next to reported ones: the root's children, or the root if it has none."""
    rows = register_indicator_table(actor, period=period, root=root)
    if root.kind in REPORTING_KINDS:
        rows = [r for r in register_indicator_table(actor, period=period, root=root, level="all")
                if r.unit_code == root.code]
    return rows, [r for r in rows if r.vf_status in ("under", "over")]


@login_required
def quality_home(request: HttpRequest) -> HttpResponse:
    root = read_unit(request)
    latest = latest_quarter_with_data()
    period, period_error = read_period(request, latest)
    run = latest_run(request.user, period=period, root=root)
    suspects = suspect_records(request.user, run, root) if run else []
    vf_rows, vf_bad = _vf(request.user, period, root)
    smart = smart_reports(request.user, period=period, root=root)
    context = {
        "title": "数据质量", "root": root, "period": period, "period_error": period_error,
        "period_groups": period_choices(period, latest), "units": unit_options(request.user),
        "run": run, "figures": run_figures(request.user, [run], root)[0] if run else None,
        "panels": _panels(request.user, run, root),
        "suspects": [(s, record_url(s)) for s in suspects], "vf_rows": vf_rows, "vf_bad": vf_bad,
        "smart": smart, "smart_groups": [("按单位", smart.units), ("按检查者", smart.operators),
                                         ("按导入批次", smart.batches)],
        "history": run_figures(request.user, runs_of(request.user, root=root), root),
        "can_scan": can_run_scan(request.user, root),
    }
    return render(request, "quality/home.html", context, status=400 if period_error else 200)


@login_required
@require_POST
def quality_scan(request: HttpRequest) -> HttpResponse:
    """Run the scan for the posted unit and period (inspectors and admins), then show the results."""
    unit = access_unit(request.user, request.POST.get("unit", "").strip())
    if not can_run_scan(request.user, unit):
        raise PermissionDenied("只有督查员和系统管理员可以运行质量检查")
    try:
        period = parse_period(request.POST.get("period", ""))
    except PeriodError as exc:
        messages.error(request, str(exc))
        return redirect(reverse("quality:home") + "?" + urlencode({"unit": unit.code}))
    run = run_quality_scan(actor=request.user, period=period, root=unit)
    messages.success(request, f"质量检查已完成：{unit.label} {period.label}，可疑 {run.summary['fired']} 项，"
                              f"可疑手册 {run.summary['suspects']} 份")
    return redirect(reverse("quality:home") + "?" + urlencode({"unit": unit.code, "period": period.code}))


@login_required
def check_catalogue(request: HttpRequest) -> HttpResponse:
    checks = catalogue()
    families = [(f.label, [c for c in checks if c.family is f]) for f in Family]
    return render(request, "quality/checks.html", {"title": "检查目录", "families": families, "count": len(checks)})
