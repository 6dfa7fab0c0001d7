"""The quality scan as a background job ("quality.scan"): started from the quality page, run by the worker.

The job calls the same ``run_quality_scan`` as ``ducha quality scan`` (which stays synchronous with its own
progress bar), reporting each check it runs. Registered in ``QualityConfig.ready``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

from django.db.models import Q
from django.urls import reverse

from ducha.core.actor import Actor, SystemActor
from ducha.core.job_runner import JobProgress
from ducha.core.jobs import JobError, JobKind, register_job_kind
from ducha.core.periods import Period, parse_period
from ducha.orgs.models import OrgUnit
from ducha.orgs.selectors import access_unit, has_county_role, visible_units
from ducha.quality.actions import run_quality_scan
from ducha.quality.checks.base import Check, catalogue
from ducha.quality.selectors import can_run_scan

KIND = "quality.scan"


def scan_args(unit: OrgUnit, period: Period) -> dict[str, str]:
    return {"unit": unit.code, "period": period.code}


def scan_title(unit: OrgUnit, period: Period) -> str:
    return f"数据质量检查：{unit.label} {period.label}"


def results_url(unit: OrgUnit, period: Period) -> str:
    return reverse("quality:home") + "?" + urlencode({"unit": unit.code, "period": period.code})


def run_scan_job(*, actor: Actor | None, progress: JobProgress, unit: str, period: str) -> dict[str, Any]:
    """The job: scan ``unit``'s subtree for ``period`` as the person who started it, check by check."""
    if actor is None:
        raise JobError("质量检查须由督查员或系统管理员发起")
    root, scanned = access_unit(actor, unit), parse_period(period)
    checks = catalogue()
    seen: list[str] = []
    progress.step("正在读取报表和登记数据", 0, len(checks))

    def advance(check: Check) -> None:
        progress.step(f"{check.id} {check.title}", len(seen), len(checks))
        seen.append(check.id)

    run = run_quality_scan(actor=actor, period=scanned, root=root, progress=advance)
    progress.step("正在保存检查结果", len(checks), len(checks))
    return {"run_id": run.pk, "url": results_url(root, scanned), "label": "查看检查结果",
            "summary": f"可疑 {run.summary['fired']} 项，可疑手册 {run.summary['suspects']} 份"}


def can_start_scan(actor: SystemActor, args: Mapping[str, Any]) -> bool:
    if actor is None:
        return False
    unit = visible_units(actor).filter(code=str(args.get("unit", ""))).first()
    return unit is not None and can_run_scan(actor, unit)


def visible_scans(actor: Actor) -> Q:
    """Scans one started oneself, and for county roles the scans of units they can see."""
    own = Q(started_by=actor) if getattr(actor, "is_authenticated", False) else Q(pk__in=[])
    if not has_county_role(actor):
        return own
    return own | Q(scope_path__in=visible_units(actor).values("path"))


def register() -> None:
    register_job_kind(JobKind(name=KIND, function="ducha.quality.jobs.run_scan_job", title="数据质量检查",
                              key_args=("unit", "period"), can_start=can_start_scan, visible=visible_scans))
