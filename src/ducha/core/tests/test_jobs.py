"""Starting jobs: one at a time per kind and arguments, only for who may, results and Chinese errors stored."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ducha.conftest import MiniCounty
from ducha.core.job_runner import JobProgress
from ducha.core.jobs import JobError, start_job
from ducha.core.models import Job

pytestmark = pytest.mark.django_db


def test_a_job_runs_and_keeps_its_result(mini_county: MiniCounty, immediate_jobs: None) -> None:
    job, created = start_job(actor=mini_county.inspector, kind="test.count", args={"n": 4}, title="数四步",
                             scope_path=mini_county.county.path)
    assert created and job.state == "done" and job.get_state_display() == "已完成"
    assert (job.done, job.total, job.step) == (4, 4, "已完成")
    assert job.result == {"url": "/quality/", "label": "查看结果", "summary": "共数了 4 步"}
    assert job.dedupe_key == "test.count:4" and job.started_by == mini_county.inspector
    assert job.started_at and job.finished_at and job.task_result_id and job.error == ""


def test_an_identical_job_is_not_queued_while_one_waits(mini_county: MiniCounty, test_kinds: None) -> None:
    first, created = start_job(actor=mini_county.inspector, kind="test.count", args={"n": 2}, title="甲")
    assert created and first.state == "queued"  # the database backend: waits for a worker
    again, created_again = start_job(actor=mini_county.admin, kind="test.count", args={"n": 2}, title="乙")
    assert (again.pk, created_again) == (first.pk, False)
    other, created_other = start_job(actor=mini_county.inspector, kind="test.count", args={"n": 3}, title="丙")
    assert created_other and other.pk != first.pk
    assert Job.objects.count() == 2


def test_a_finished_job_does_not_block_the_next(mini_county: MiniCounty, immediate_jobs: None) -> None:
    first, _ = start_job(actor=mini_county.inspector, kind="test.count", args={"n": 1}, title="甲")
    second, created = start_job(actor=mini_county.inspector, kind="test.count", args={"n": 1}, title="甲")
    assert created and second.pk != first.pk and second.state == "done"


def test_refused_start_writes_nothing(mini_county: MiniCounty, test_kinds: None) -> None:
    with pytest.raises(PermissionDenied, match="无权运行“计数”"):
        start_job(actor=mini_county.officer_a, kind="test.count", args={"n": 1, "forbidden": True}, title="甲")
    with pytest.raises(JobError, match="不认识的任务类型“nope.kind”"):
        start_job(actor=mini_county.inspector, kind="nope.kind", args={}, title="甲")
    with pytest.raises(JobError, match="任务“计数”缺少参数：n"):
        start_job(actor=mini_county.inspector, kind="test.count", args={}, title="甲")
    assert not Job.objects.exists()


@pytest.mark.parametrize(("how", "error"), [
    ("user", "文件“报表.xlsx”第 3 行：数值不能为负"),
    ("validation", "期间“2012Q5”无法识别；单位编码不能为空"),
    ("declared", "找不到名为“甲镇”的单位"),
])
def test_a_chinese_error_is_stored_as_is(mini_county: MiniCounty, immediate_jobs: None, how: str,
                                         error: str) -> None:
    job, _ = start_job(actor=mini_county.inspector, kind="test.fail", args={"how": how}, title="会失败")
    assert (job.state, job.error, job.result) == ("failed", error, None)
    assert job.finished_at is not None


def test_an_unexpected_error_is_logged_and_shown_with_a_reference(mini_county: MiniCounty, immediate_jobs: None,
                                                                  caplog: Any) -> None:
    with caplog.at_level(logging.ERROR, logger="ducha.core.job_runner"):
        job, _ = start_job(actor=mini_county.inspector, kind="test.fail", args={"how": "bug"}, title="会失败")
    assert job.state == "failed"
    assert job.error.startswith("任务失败：内部错误（编号 ") and "internal-detail" not in job.error
    assert "Traceback" not in job.error and "RuntimeError" not in job.error
    reference = job.error.split("编号 ")[1][:8]
    logged = [r for r in caplog.records if r.name == "ducha.core.job_runner"]
    assert any(reference in r.getMessage() and r.exc_info for r in logged)


def test_progress_is_written_a_few_times_a_second_at_most(make_job: Any) -> None:
    job = make_job()
    progress = JobProgress(job.pk)
    with CaptureQueriesContext(connection) as queries:
        for i in range(500):
            progress.step(f"第 {i} 步", i, 500)
    assert len(queries) <= 3  # the first step, then at most one write per 0.3 s
    progress.flush()
    job.refresh_from_db()
    assert (job.step, job.done, job.total) == ("第 499 步", 499, 500)


def test_progress_never_counts_past_the_total(make_job: Any) -> None:
    job = make_job()
    progress = JobProgress(job.pk, interval=0)
    progress.step("多报了", 12, 10)
    job.refresh_from_db()
    assert (job.done, job.total) == (10, 10) and job.percent == 100
