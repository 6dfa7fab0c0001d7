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
from django.urls import reverse
from django.views.decorators.http import require_POST

from ducha.core.actor import Actor
from ducha.core.jobs import active_job, start_job
from ducha.core.page_cache import cached_body, cached_form
from ducha.core.periods import PeriodError, parse_period
from ducha.core.pickers import period_choices, read_period
from ducha.orgs.pickers import read_unit, unit_picker
from ducha.orgs.selectors import REPORTING_KINDS, access_unit
from ducha.quality.checks.base import Family, catalogue
from ducha.quality.jobs import KIND as SCAN_JOB
from ducha.quality.jobs import scan_args, scan_title
from ducha.quality.models import QualityRun, UnitQualityScore
from ducha.quality.register_indicators import register_indicator_table
from ducha.quality.selectors import (
    can_run_scan,
    fired_by_unit,
    habit_notes,
    latest_run,
    run_figures,
    runs_of,
    smart_reports,
    unit_scores,
)
from ducha.quality.selectors_suspects import top_by_unit
from ducha.reporting.selectors import latest_quarter_with_data


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
    body, status, frame = cached_body(request, "quality/_home_body.html", build=lambda: _home_context(request),
                                      live={"scan": lambda frame: _scan_form(request, frame["scan"])})
    return render(request, "quality/home.html", {**frame, "body": body}, status=status)


def _scan_form(request: HttpRequest, scan: dict[str, Any]) -> str:
    """The scan button, live on every request: its CSRF token and whether the same scan is running now."""
    job = active_job(request.user, kind=SCAN_JOB, args=scan_args(scan["root"], scan["period"]))
    run = scan["run"]
    parts = (scan["root"].pk, scan["period"].code, run.pk if run else None, scan["can_scan"],
             job.pk if job else None, job.state if job else None)
    return cached_form(request, "quality/_scan_form.html", {**scan, "scan_job": job}, parts=parts)


def _home_context(request: HttpRequest) -> tuple[dict[str, Any], int]:
    root = read_unit(request)
    latest = latest_quarter_with_data()
    period, period_error = read_period(request, latest)
    run = latest_run(request.user, period=period, root=root)
    vf_rows, vf_bad = _vf(request.user, period, root)
    smart = smart_reports(request.user, period=period, root=root)
    figures = run_figures(request.user, [run], root)[0] if run else None
    can_scan = can_run_scan(request.user, root)
    context = {
        "title": "数据质量", "root": root, "period": period, "period_error": period_error,
        "period_groups": period_choices(period, latest), "units": unit_picker(request.user),
        "run": run, "figures": figures,
        "panels": _panels(request.user, run, root), "habits": habit_notes(request.user, run) if run else [],
        "suspect_tops": top_by_unit(request.user, run, root) if run else [], "vf_rows": vf_rows, "vf_bad": vf_bad,
        "smart": smart, "smart_groups": [("按单位", smart.units), ("按检查者", smart.operators),
                                         ("按导入批次", smart.batches)],
        "history": run_figures(request.user, runs_of(request.user, root=root), root),
        "can_scan": can_scan,
        "frame": {"title": "数据质量", "scan": {"root": root, "period": period, "run": run, "figures": figures,
                                              "can_scan": can_scan}},
    }
    return context, 400 if period_error else 200


@login_required
@require_POST
def quality_scan(request: HttpRequest) -> HttpResponse:
    """Start the scan of the posted unit and period as a background job (inspectors and admins) and show its
    progress; while the same scan runs, show that one instead of starting another."""
    unit = access_unit(request.user, request.POST.get("unit", "").strip())
    if not can_run_scan(request.user, unit):
        raise PermissionDenied("只有督查员和系统管理员可以运行质量检查")
    try:
        period = parse_period(request.POST.get("period", ""))
    except PeriodError as exc:
        messages.error(request, str(exc))
        return redirect(reverse("quality:home") + "?" + urlencode({"unit": unit.code}))
    job, created = start_job(actor=request.user, kind=SCAN_JOB, args=scan_args(unit, period),
                             title=scan_title(unit, period), scope_path=unit.path)
    if not created:
        messages.info(request, "同样的检查正在运行：下面是它的进度")
    return redirect("core:job", job_id=job.pk)


@login_required
def check_catalogue(request: HttpRequest) -> HttpResponse:
    checks = catalogue()
    families = [(f.label, [c for c in checks if c.family is f]) for f in Family]
    return render(request, "quality/checks.html", {"title": "检查目录", "families": families, "count": len(checks)})
