"""Running a job: the django-tasks task, its progress, its errors, and what a crash leaves behind.

- ``run_job`` (a task on the ``DUCHA_JOB_QUEUE`` queue) claims the job, calls its kind's function with a
  ``JobProgress``, and stores the result or a Chinese error. A message the person can act on
  (``JobError``, ``CommandError``, ``ValidationError``, ``PermissionDenied``, 404, a period that cannot be
  read, or an error class the kind declares) is stored as is; anything else is logged with a reference
  number and stored as "任务失败：内部错误（编号 …）" — never a traceback.
- A running job whose worker is gone (its process no longer exists on this machine, or its heartbeat is
  older than ``DUCHA_JOB_STALE_SECONDS``) is marked 失败 "任务中断…" when a worker starts and whenever the
  job is read (``fail_if_interrupted``): a job is never left 运行中.
"""

from __future__ import annotations

import logging
import os
import socket
import time
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import CommandError
from django.db import DatabaseError
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone
from django.utils.module_loading import import_string
from django_tasks import task
from django_tasks.exceptions import InvalidTaskError

from ducha.core.jobs import JobError, JobKind, job_kind
from ducha.core.models import Job, JobState
from ducha.core.periods import PeriodError

logger = logging.getLogger(__name__)
HOST = socket.gethostname()[:255]
INTERRUPTED = "任务中断（服务重启或进程被终止），请重新运行"
INTERNAL_ERROR = "任务失败：内部错误（编号 {ref}），请联系系统管理员并告知编号"
USER_ERRORS: tuple[type[BaseException], ...] = (JobError, CommandError, ValidationError, PermissionDenied,
                                                Http404, PeriodError)
PROGRESS_INTERVAL = 0.3  # seconds: a job's progress is written at most ~3 times a second


class JobProgress:
    """What a job's function calls to say how far it is: ``progress.step("正在读取数据", 3, 40)``."""

    def __init__(self, job_id: int, *, interval: float = PROGRESS_INTERVAL) -> None:
        self.job_id = job_id
        self.interval = interval
        self._written = float("-inf")
        self._pending: tuple[str, int, int | None] | None = None

    def step(self, text: str, done: int, total: int | None = None) -> None:
        self._pending = (text[:200], max(0, done), total)
        if time.monotonic() - self._written >= self.interval:
            self.flush()

    def flush(self) -> None:
        if self._pending is None:
            return
        text, done, total = self._pending
        if total is not None:
            done = min(done, max(0, total))
        Job.objects.filter(pk=self.job_id, state=JobState.RUNNING).update(
            step=text, done=done, total=total, heartbeat_at=timezone.now())
        self._written, self._pending = time.monotonic(), None


def enqueue_job(job: Job) -> None:
    """Hand the job to django-tasks; a queue that cannot take it leaves the job 失败, not 排队中 forever."""
    try:
        result = run_job.enqueue(job.pk)
    except (InvalidTaskError, DatabaseError):
        ref = _reference()
        logger.exception("job %s could not be queued (ref %s)", job.pk, ref)
        _finish(job.pk, JobState.QUEUED, state=JobState.FAILED, error=INTERNAL_ERROR.format(ref=ref))
        return
    Job.objects.filter(pk=job.pk).update(task_result_id=str(result.id)[:64])


@task(queue_name=getattr(settings, "DUCHA_JOB_QUEUE", "ducha"))
def run_job(job_id: int) -> dict[str, Any] | None:
    """The django-tasks task: run job ``job_id`` once (a job no longer queued is left alone)."""
    job = _claim(job_id)
    if job is None:
        return None
    logger.info("任务 %s 开始：%s", job.pk, job.title)
    progress = JobProgress(job.pk)
    try:
        spec = job_kind(job.kind)
        result = _call(spec, job, progress)
    except (KeyboardInterrupt, SystemExit):  # the worker is being stopped in the middle of the job
        _finish(job.pk, JobState.RUNNING, state=JobState.FAILED, error=INTERRUPTED)
        raise
    except USER_ERRORS as exc:
        _finish(job.pk, JobState.RUNNING, state=JobState.FAILED, error=user_message(exc))
        logger.info("任务 %s 失败：%s", job.pk, user_message(exc))
        return None
    except Exception:  # the one boundary of a job: logged with a reference, re-raised for django-tasks
        ref = _reference()
        logger.exception("job %s (%s) failed, ref %s", job.pk, job.kind, ref)
        _finish(job.pk, JobState.RUNNING, state=JobState.FAILED, error=INTERNAL_ERROR.format(ref=ref))
        raise
    progress.flush()
    _finish(job.pk, JobState.RUNNING, state=JobState.DONE, result=result, step="已完成",
            done=Coalesce("total", "done"))
    logger.info("任务 %s 已完成", job.pk)
    return result


def _call(spec: JobKind, job: Job, progress: JobProgress) -> dict[str, Any]:
    function = import_string(spec.function)
    try:
        result = function(actor=job.started_by, progress=progress, **job.args)
    except spec.user_errors as exc:
        raise JobError(user_message(exc)) from exc
    return dict(result or {})


def user_message(exc: BaseException) -> str:
    if isinstance(exc, ValidationError):
        return "；".join(str(m) for m in exc.messages)
    text = str(exc.args[0]) if isinstance(exc, Http404 | PermissionDenied) and exc.args else str(exc)
    if not text and isinstance(exc, PermissionDenied):
        return "无权执行此操作"
    return text or "任务失败"


def _reference() -> str:
    return uuid.uuid4().hex[:8].upper()


def _claim(job_id: int) -> Job | None:
    now = timezone.now()
    claimed = Job.objects.filter(pk=job_id, state=JobState.QUEUED).update(
        state=JobState.RUNNING, started_at=now, heartbeat_at=now, worker_host=HOST, worker_pid=os.getpid(),
        step="开始运行")
    if not claimed:
        logger.warning("job %s is no longer queued; not run", job_id)
        return None
    return Job.objects.select_related("started_by").get(pk=job_id)


def _finish(job_id: int, current: str, **fields: Any) -> None:
    Job.objects.filter(pk=job_id, state=current).update(finished_at=timezone.now(), **fields)


# ---- crashes ----------------------------------------------------------------------------------------


def process_alive(pid: int) -> bool:
    """Whether process ``pid`` runs on this machine (a zombie — killed, not yet reaped — does not)."""
    stat = Path(f"/proc/{pid}/stat")
    if Path("/proc/self/stat").exists():
        try:
            return stat.read_text().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
        except (FileNotFoundError, ProcessLookupError, IndexError):
            return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def is_interrupted(job: Job) -> bool:
    if job.state != JobState.RUNNING:
        return False
    if job.worker_host == HOST and job.worker_pid and not process_alive(job.worker_pid):
        return True
    beat = job.heartbeat_at or job.started_at
    stale = timedelta(seconds=getattr(settings, "DUCHA_JOB_STALE_SECONDS", 60))
    return beat is None or timezone.now() - beat > stale


def fail_if_interrupted(job: Job) -> bool:
    """Mark ``job`` 失败 if its worker is gone; True when it was (``job`` is refreshed)."""
    if not is_interrupted(job):
        return False
    _finish(job.pk, JobState.RUNNING, state=JobState.FAILED, error=INTERRUPTED)
    _fail_task_result(job.task_result_id)
    logger.warning("job %s interrupted (worker %s:%s gone)", job.pk, job.worker_host, job.worker_pid)
    job.refresh_from_db()
    return True


def fail_interrupted_jobs() -> int:
    """At worker start: every running job whose worker is gone becomes 失败; how many."""
    return sum(fail_if_interrupted(job) for job in Job.objects.filter(state=JobState.RUNNING))


def beat(pid: int | None = None) -> int:
    """The heartbeat of the jobs this worker process runs (called by the worker every few seconds)."""
    return Job.objects.filter(state=JobState.RUNNING, worker_host=HOST, worker_pid=pid or os.getpid()).update(
        heartbeat_at=timezone.now())


def _fail_task_result(task_result_id: str) -> None:
    """django-tasks' own row of an interrupted job stays RUNNING after a crash: it is marked failed too."""
    from django_tasks_db.models import DBTaskResult

    try:
        result_id = uuid.UUID(task_result_id)
    except ValueError:  # no row (not queued through the database backend)
        return
    DBTaskResult.objects.filter(id=result_id, status="RUNNING").update(
        status="FAILED", finished_at=timezone.now(), exception_class_path="ducha.core.job_runner.Interrupted",
        traceback=INTERRUPTED)
