"""Job kinds for the job tests: a job that counts, one that fails in each way, one that runs until killed.

In-process tests register them with the ``test_kinds`` fixture; a ``ducha`` subprocess gets them through the
settings module ``ducha.core.tests.job_settings`` (which installs ``ducha.core.tests.apps.TestJobsConfig``).
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Q

from ducha.core.actor import Actor, SystemActor
from ducha.core.job_runner import JobProgress
from ducha.core.jobs import JobError, JobKind, register_job_kind

# TASKS for tests whose jobs should run inside start_job (django-tasks' immediate backend), not in a worker.
IMMEDIATE_TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend", "QUEUES": ["ducha"]}}


def count_job(*, actor: Any, progress: JobProgress, n: int) -> dict[str, Any]:
    for i in range(n):
        progress.step(f"第 {i + 1} 步", i, n)
    return {"url": "/quality/", "label": "查看结果", "summary": f"共数了 {n} 步"}


def failing_job(*, actor: Any, progress: JobProgress, how: str) -> dict[str, Any]:
    progress.step("开始", 0, 2)
    if how == "user":
        raise JobError("文件“报表.xlsx”第 3 行：数值不能为负")
    if how == "validation":
        raise ValidationError(["期间“2012Q5”无法识别", "单位编码不能为空"])
    if how == "declared":
        raise LookupError("找不到名为“甲镇”的单位")  # declared by the kind as a user error
    raise RuntimeError("internal-detail-never-shown")


def slow_job(*, actor: Any, progress: JobProgress, seconds: float) -> dict[str, Any]:
    steps = max(1, int(seconds * 10))
    for i in range(steps):
        progress.step(f"第 {i + 1} 步", i + 1, steps)
        time.sleep(0.1)
    return {"url": "/", "label": "完成"}


def allowed(actor: SystemActor, args: Mapping[str, Any]) -> bool:
    return not args.get("forbidden")


def own(actor: Actor) -> Q:
    return Q(started_by=actor)


def scoped(actor: Actor) -> Q:
    """Jobs of units whose path starts with a membership's path (a stand-in for the orgs rule)."""
    from ducha.orgs.selectors import visible_units

    return Q(started_by=actor) | Q(scope_path__in=visible_units(actor).values("path"))


KINDS = [
    JobKind(name="test.count", function="ducha.core.tests.jobkinds.count_job", title="计数", key_args=("n",),
            can_start=allowed, visible=scoped),
    JobKind(name="test.fail", function="ducha.core.tests.jobkinds.failing_job", title="会失败的任务",
            key_args=("how",), can_start=allowed, visible=own, user_errors=(LookupError,)),
    JobKind(name="test.slow", function="ducha.core.tests.jobkinds.slow_job", title="慢任务",
            key_args=("seconds",), can_start=allowed, visible=own),
]


def register() -> None:
    for kind in KINDS:
        register_job_kind(kind)
