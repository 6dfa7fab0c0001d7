"""The worker process of ``ducha worker``: django-tasks-db's worker on ducha's queue, in Chinese.

Before taking work it marks 失败 the jobs an earlier worker left running (``fail_interrupted_jobs``) and
registers itself (``worker_presence``: the job page then knows a worker runs). While it runs, idle or busy,
one thread writes every ``DUCHA_JOB_HEARTBEAT_SECONDS`` the worker's own beat and the heartbeat of the job it
runs; when it stops its row is deleted. The first Ctrl+C (or SIGTERM) lets the running job finish and then
stops; a second one stops at once and the job is marked 失败 "任务中断…".
"""

from __future__ import annotations

import logging
import sys
import threading
from collections.abc import Callable
from types import FrameType

from django.conf import settings
from django.db import DatabaseError, connections
from django.utils.crypto import get_random_string
from django_tasks_db.management.commands.db_worker import Worker

from ducha.core.job_runner import beat, fail_interrupted_jobs
from ducha.core.worker_presence import beat_worker, register_worker, unregister_worker

logger = logging.getLogger(__name__)


class Heartbeat:
    """A thread that writes this process's beat (with ``queue``) and its running jobs' heartbeat until stopped."""

    def __init__(self, every: float, queue: str | None = None) -> None:
        self.every = every
        self.queue = queue
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="ducha-job-heartbeat", daemon=True)

    def __enter__(self) -> Heartbeat:
        if self.every > 0:
            self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=self.every + 5)

    def _run(self) -> None:
        try:
            while not self._stop.wait(self.every):
                try:
                    beat()
                    if self.queue is not None:
                        beat_worker(self.queue)
                except DatabaseError as exc:  # a busy database: the next beat tries again
                    logger.warning("heartbeat not written: %s", exc)
        finally:
            connections.close_all()  # this thread's own connections


class JobWorker(Worker):
    """django-tasks-db's ``Worker`` with Chinese messages, presence, a heartbeat and crash recovery at start."""

    def __init__(self, *, batch: bool = False, interval: float = 1.0, max_tasks: int | None = None,
                 say: Callable[[str], None] | None = None) -> None:
        super().__init__(queue_names=[settings.DUCHA_JOB_QUEUE], interval=interval, batch=batch,
                         backend_name="default", startup_delay=False, max_tasks=max_tasks,
                         worker_id=get_random_string(32), excluded_queue_names=[])
        self.say = say or (lambda text: None)

    def run(self) -> None:
        if failed := fail_interrupted_jobs():
            self.say(f"已将 {failed} 个中断的任务标记为失败（上次的后台任务进程未正常结束）")
        queue = settings.DUCHA_JOB_QUEUE
        register_worker(queue)
        try:
            with Heartbeat(float(getattr(settings, "DUCHA_JOB_HEARTBEAT_SECONDS", 5)), queue):
                super().run()
        finally:  # also on Ctrl+C and SIGTERM (SystemExit); a killed process leaves a row that is not counted
            unregister_worker()

    def shutdown(self, signum: int, frame: FrameType | None) -> None:
        if not self.running:
            self.say("再次收到停止信号：立即停止，正在运行的任务将标记为失败")
            self.reset_signals()
            sys.exit(1)
        self.running = False
        if not self.running_task:
            self.say("后台任务进程已停止")
            sys.exit(0)
        self.say("正在停止：等当前任务完成后退出（再按一次 Ctrl+C 立即停止）")


def run_worker(*, batch: bool = False, interval: float = 1.0, max_tasks: int | None = None,
               say: Callable[[str], None] | None = None, signals: bool = False) -> None:
    """Run the worker in this process (``batch``: until the queue is empty). Tests call it directly."""
    worker = JobWorker(batch=batch, interval=interval, max_tasks=max_tasks, say=say)
    if signals:
        worker.configure_signals()
    worker.run()
