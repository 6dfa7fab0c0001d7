"""Data of the core: background jobs (``ducha.core.jobs``) and their progress as a person sees it, and the sessions
of logged-in users (``ducha.core.sessions``)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.sessions.base_session import AbstractBaseSession
from django.db import models
from django.db.models import Q


class JobState(models.TextChoices):
    QUEUED = "queued", "排队中"
    RUNNING = "running", "运行中"
    DONE = "done", "已完成"
    FAILED = "failed", "失败"


ACTIVE_STATES = (JobState.QUEUED, JobState.RUNNING)


class Job(models.Model):
    """One piece of long work (a quality scan, later a bulletin or a big import) run by a worker.

    ``dedupe_key`` is the kind and its arguments (``quality.scan:T00:2012Q1``): the database allows one
    queued or running job per key. ``scope_path`` is the org-unit path the job is about; who may see the
    job is decided by its kind (``ducha.core.jobs.JobKind.visible``).
    """

    kind = models.CharField("任务类型", max_length=64)
    dedupe_key = models.CharField("去重键", max_length=255)
    args = models.JSONField("参数", default=dict)
    title = models.CharField("标题", max_length=200)
    scope_path = models.CharField("单位范围", max_length=255, blank=True)
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name="发起人")
    state = models.CharField("状态", max_length=10, choices=JobState.choices, default=JobState.QUEUED)
    done = models.PositiveIntegerField("已完成步数", default=0)
    total = models.PositiveIntegerField("总步数", null=True, blank=True)
    step = models.CharField("当前步骤", max_length=200, blank=True)
    result = models.JSONField("结果", null=True, blank=True)
    error = models.TextField("错误", blank=True)
    created_at = models.DateTimeField("提交时间", auto_now_add=True)
    started_at = models.DateTimeField("开始时间", null=True, blank=True)
    finished_at = models.DateTimeField("结束时间", null=True, blank=True)
    heartbeat_at = models.DateTimeField("心跳时间", null=True, blank=True)
    worker_host = models.CharField("后台进程主机", max_length=255, blank=True)
    worker_pid = models.PositiveIntegerField("后台进程号", null=True, blank=True)
    task_result_id = models.CharField("django-tasks 结果编号", max_length=64, blank=True)

    class Meta:
        verbose_name = "后台任务"
        verbose_name_plural = "后台任务"
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["state", "kind"]), models.Index(fields=["scope_path"])]
        constraints = [
            models.UniqueConstraint(fields=["dedupe_key"], condition=Q(state__in=ACTIVE_STATES),
                                    name="core_job_one_active_per_key"),
            models.CheckConstraint(condition=Q(state__in=JobState.values), name="core_job_state_valid"),
            models.CheckConstraint(condition=Q(total__isnull=True) | Q(done__lte=models.F("total")),
                                   name="core_job_done_within_total"),
        ]

    def __str__(self) -> str:
        return f"{self.title}（{self.get_state_display()}）"

    @property
    def is_active(self) -> bool:
        return self.state in ACTIVE_STATES

    @property
    def percent(self) -> int:
        if self.state == JobState.DONE:
            return 100
        if not self.total:
            return 0
        return min(100, round(100 * self.done / self.total))


class Session(AbstractBaseSession):
    """Django's database session with the id of its user beside the data, so that a request reads its session,
    its user and the data stamp in one statement (``ducha.core.sessions``). Not a foreign key: as with Django's
    sessions, deleting a user never waits on them, and a session of a deleted user finds no user."""

    user_id = models.BigIntegerField("用户编号", null=True, db_index=True)

    class Meta:
        verbose_name = "会话"
        verbose_name_plural = "会话"

    @classmethod
    def get_session_store_class(cls) -> type:
        from ducha.core.sessions import SessionStore

        return SessionStore


class WorkerBeat(models.Model):
    """One running background worker process (``ducha worker``): written when it starts, its ``beat_at``
    refreshed every ``DUCHA_JOB_HEARTBEAT_SECONDS`` while it runs, deleted when it stops
    (``ducha.core.worker_presence``). A row of a process that died (killed, power cut) stays behind but is not
    counted: its pid is gone on this host, or its beat is older than ``DUCHA_JOB_STALE_SECONDS``."""

    host = models.CharField("主机", max_length=255)
    pid = models.PositiveIntegerField("进程号")
    queue = models.CharField("队列", max_length=64)
    started_at = models.DateTimeField("启动时间")
    beat_at = models.DateTimeField("心跳时间")

    class Meta:
        verbose_name = "后台任务进程"
        verbose_name_plural = "后台任务进程"
        constraints = [models.UniqueConstraint(fields=["host", "pid"], name="core_workerbeat_one_per_process")]

    def __str__(self) -> str:
        return f"{self.host}:{self.pid}（队列 {self.queue}）"
