"""Pages of background jobs: one job's state and progress (polled by htmx until it ends), the actor's jobs.

A queued job while no worker process runs (``worker_presence.live_workers``) says so, and what to do.

The list is paged (``ducha.core.paging``), newest first, and can be narrowed to one state (``?state=failed``).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from ducha.core.job_runner import fail_if_interrupted
from ducha.core.jobs import access_job, elapsed_seconds, result_link, visible_jobs
from ducha.core.models import Job, JobState
from ducha.core.paging import PAGE_MAX, PAGE_SIZE_DEFAULT, ApiPage, api_page
from ducha.core.worker_presence import live_workers

STATE_BADGES = {JobState.QUEUED: "badge-none", JobState.RUNNING: "badge-warn", JobState.DONE: "badge-ok",
                JobState.FAILED: "badge-bad"}


def elapsed_text(job: Job) -> str:
    """How long the job has waited or run, as a person says it: 1 分 05 秒."""
    seconds = elapsed_seconds(job)
    minutes, seconds = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    if hours:
        return f"{hours} 小时 {minutes:02d} 分"
    return f"{minutes} 分 {seconds:02d} 秒" if minutes else f"{seconds} 秒"


def job_context(job: Job) -> dict[str, Any]:
    result = job.result if isinstance(job.result, dict) else {}
    return {"job": job, "elapsed": elapsed_text(job), "badge": STATE_BADGES.get(JobState(job.state), ""),
            "link": result_link(job), "summary": str(result.get("summary") or "")}


@login_required
def job_detail(request: HttpRequest, job_id: int) -> HttpResponse:
    job = access_job(request.user, job_id)
    fail_if_interrupted(job)
    context = {"title": job.title, **job_context(job),
               "no_worker": job.state == JobState.QUEUED and not live_workers()}
    if request.headers.get("HX-Request") == "true":
        return render(request, "core/_job_status.html", context)
    return render(request, "core/job.html", context)


def page_number(text: str | None) -> int:
    """The page asked for: a whole number from 1; anything else is the first page."""
    return min(int(text), PAGE_MAX) if text and text.isdigit() and int(text) >= 1 else 1


def jobs_page(actor: Any, state: str, number: int) -> ApiPage:
    """The actor's jobs in ``state`` (all when empty), newest first; a page past the end is the last one."""
    jobs = visible_jobs(actor).order_by("-created_at", "-pk")
    if state:
        jobs = jobs.filter(state=state)
    page = api_page(jobs, number, PAGE_SIZE_DEFAULT)
    return api_page(jobs, page.pages, PAGE_SIZE_DEFAULT) if page.page > page.pages > 0 else page


@login_required
def job_list(request: HttpRequest) -> HttpResponse:
    asked = request.GET.get("state", "")
    state = asked if asked in JobState.values else ""
    page = jobs_page(request.user, state, page_number(request.GET.get("page")))
    for job in page.items:
        fail_if_interrupted(job)
    return render(request, "core/jobs.html", {
        "title": "后台任务", "rows": [job_context(job) for job in page.items], "page": page, "state": state,
        "states": [("", "全部"), *JobState.choices], "base_query": urlencode({"state": state} if state else {}),
        "previous": page.page - 1 if page.page > 1 else None,
        "next": page.page + 1 if page.page < page.pages else None,
        "state_error": f"任务状态“{asked[:20]}”无法识别，已显示全部任务" if asked and not state else "",
    })
