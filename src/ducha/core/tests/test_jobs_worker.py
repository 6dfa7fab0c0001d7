"""Jobs through django-tasks' real database backend and ducha's worker, in this process (SQLite and PostgreSQL)."""

from __future__ import annotations

from typing import Any

import pytest
from django_tasks_db.models import DBTaskResult

from ducha.conftest import MiniCounty
from ducha.core.jobs import start_job
from ducha.core.models import Job
from ducha.core.worker import run_worker

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture(autouse=True)
def no_heartbeat_thread(settings: Any) -> None:
    settings.DUCHA_JOB_HEARTBEAT_SECONDS = 0  # the jobs here take far less than a heartbeat


def test_a_queued_job_is_run_by_the_worker(mini_county: MiniCounty, test_kinds: None) -> None:
    job, _ = start_job(actor=mini_county.inspector, kind="test.count", args={"n": 5}, title="数五步")
    task = DBTaskResult.objects.get(id=job.task_result_id)
    assert (job.state, task.status, task.queue_name) == ("queued", "READY", "ducha")
    said: list[str] = []
    run_worker(batch=True, say=said.append)
    job.refresh_from_db()
    task.refresh_from_db()
    assert (job.state, job.done, job.total, job.result["summary"]) == ("done", 5, 5, "共数了 5 步")
    assert task.status == "SUCCESSFUL" and task.return_value == job.result
    assert job.worker_pid and job.heartbeat_at


def test_failures_through_the_worker(mini_county: MiniCounty, test_kinds: None) -> None:
    user_error, _ = start_job(actor=mini_county.inspector, kind="test.fail", args={"how": "user"}, title="甲")
    bug, _ = start_job(actor=mini_county.inspector, kind="test.fail", args={"how": "bug"}, title="乙")
    run_worker(batch=True)
    user_error.refresh_from_db()
    bug.refresh_from_db()
    assert (user_error.state, user_error.error) == ("failed", "文件“报表.xlsx”第 3 行：数值不能为负")
    assert bug.state == "failed" and bug.error.startswith("任务失败：内部错误（编号 ")
    # django-tasks keeps the traceback of the unexpected error for the administrator, never the person
    assert DBTaskResult.objects.get(id=bug.task_result_id).status == "FAILED"
    assert "RuntimeError" in DBTaskResult.objects.get(id=bug.task_result_id).traceback
    assert Job.objects.filter(state__in=["queued", "running"]).count() == 0
