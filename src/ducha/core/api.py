"""REST API over background jobs: ``GET /api/jobs`` and ``GET /api/jobs/{id}``, only the jobs the caller may see.

The router is built by ``build_jobs_router(contract)``: the project's error contract (``ducha.api_contract``)
is handed in by ``ducha.api``, so the core imports nothing above it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, Literal, cast

from django.http import HttpRequest
from ninja import Query, Router, Schema
from pydantic import Field

from ducha.core.api_helpers import id_path
from ducha.core.job_runner import fail_if_interrupted
from ducha.core.jobs import access_job, elapsed_seconds, kind_title, result_link, visible_jobs
from ducha.core.models import Job, JobState
from ducha.core.worker_presence import live_workers

LIST_MAX = 200
State = Literal["queued", "running", "done", "failed"]


class JobOut(Schema):
    id: int = Field(description="任务编号（网页 /jobs/{id}/）")
    kind: str = Field(description="任务类型，如 quality.scan")
    kind_title: str = Field(description="任务类型的中文名，如 数据质量检查")
    title: str = Field(description="任务标题，如 数据质量检查：测试县 2012年第一季度")
    state: State = Field(description="状态：queued 排队中、running 运行中、done 已完成、failed 失败")
    state_label: str = Field(description="状态的中文")
    done: int = Field(description="已完成的步数")
    total: int | None = Field(description="总步数（未知时为空）")
    percent: int = Field(description="完成百分比 0–100")
    step: str = Field(description="当前步骤的中文说明")
    result: dict[str, Any] | None = Field(description="完成后的结果，如 run_id、url、summary")
    result_url: str | None = Field(description="显示结果的网页地址（完成后）")
    error: str = Field(description="失败时的中文原因")
    started_by: str | None = Field(description="发起人（姓名，或用户名）；系统发起时为空")
    created_at: datetime = Field(description="提交时间")
    started_at: datetime | None = Field(description="开始运行的时间")
    finished_at: datetime | None = Field(description="结束时间")
    elapsed_seconds: int = Field(description="已等待或已运行的秒数")
    worker_running: bool | None = Field(
        description="仅排队中的任务：是否有后台任务进程在运行（false 表示没有进程会接手，任务不会开始："
                    "请在服务器上运行 ducha worker 或重启 ducha serve）；其他状态为空")


def job_out(job: Job, worker_running: bool | None = None) -> JobOut:
    """The API form of ``job``; ``worker_running`` is given for a queued job (``None`` otherwise)."""
    link = result_link(job)
    user = job.started_by
    return JobOut(
        id=job.pk, kind=job.kind, kind_title=kind_title(job.kind), title=job.title,
        state=cast(State, job.state), state_label=job.get_state_display(), done=job.done, total=job.total,
        percent=job.percent, step=job.step, result=job.result if isinstance(job.result, dict) else None,
        result_url=link[0] if link else None, error=job.error,
        started_by=(user.get_full_name() or user.get_username()) if user else None,
        created_at=job.created_at, started_at=job.started_at, finished_at=job.finished_at,
        elapsed_seconds=elapsed_seconds(job),
        worker_running=worker_running if job.state == JobState.QUEUED else None,
    )


def worker_running(jobs: list[Job]) -> bool | None:
    """Whether a worker runs, asked once and only when one of ``jobs`` is queued."""
    return live_workers() > 0 if any(job.state == JobState.QUEUED for job in jobs) else None


def build_jobs_router(contract: Callable[..., dict[str, Any]]) -> Router:
    router = Router(tags=["后台任务"])

    @router.get("/jobs", **contract(list[JobOut]), summary="后台任务列表")
    def list_jobs(
        request: HttpRequest,
        state: Literal["queued", "running", "done", "failed"] | None = Query(None, description="只列该状态的任务：queued、running、done、failed"),
    ) -> list[JobOut]:
        """调用者有权查看的后台任务（自己发起的；县级角色还包括其范围内单位的任务），最新的在前，最多 200 个。"""
        jobs = visible_jobs(request.auth)  # type: ignore[attr-defined]
        if state:
            jobs = jobs.filter(state=state)
        found = list(jobs.order_by("-created_at", "-pk")[:LIST_MAX])
        for job in found:
            fail_if_interrupted(job)
        shown = [job for job in found if not state or job.state == state]
        running = worker_running(shown)
        return [job_out(job, running) for job in shown]

    @router.get("/jobs/{job_id}", **contract(JobOut), summary="后台任务详情（状态与进度）")
    def get_job(
        request: HttpRequest,
        job_id: int = id_path("任务编号"),
    ) -> JobOut:
        """一个任务的状态、进度、结果或中文错误；不存在或无权查看时 404。进程已中断的运行中任务在此标记为失败。
        排队中的任务另有 worker_running：为 false 时没有后台任务进程在运行，任务不会开始。"""
        job = access_job(request.auth, job_id)  # type: ignore[attr-defined]
        fail_if_interrupted(job)
        return job_out(job, worker_running([job]))

    return router
