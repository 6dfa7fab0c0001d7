"""Pages of background jobs: one job's state and progress (polled by htmx until it ends), the actor's jobs."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from ducha.core.job_runner import fail_if_interrupted
from ducha.core.jobs import access_job, elapsed_seconds, recent_jobs, result_link
from ducha.core.models import Job, JobState

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
    context = {"title": job.title, **job_context(job)}
    if request.headers.get("HX-Request") == "true":
        return render(request, "core/_job_status.html", context)
    return render(request, "core/job.html", context)


@login_required
def job_list(request: HttpRequest) -> HttpResponse:
    jobs = recent_jobs(request.user)
    for job in jobs:
        fail_if_interrupted(job)
    rows = [job_context(job) for job in jobs]
    return render(request, "core/jobs.html", {"title": "后台任务", "rows": rows})
