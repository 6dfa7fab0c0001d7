"""Background jobs: the registry of job kinds, starting a job once, and the scoped reads of jobs.

An app registers its kind in its ``AppConfig.ready`` (core imports no app)::

    register_job_kind(JobKind(name="quality.scan", function="ducha.quality.jobs.run_scan_job",
                              title="数据质量检查", key_args=("unit", "period"),
                              can_start=can_start_scan, visible=visible_scans))

``function(actor=…, progress=…, **args)`` does the work and returns the result (JSON: at least ``url`` and
``label`` of the page that shows it); ``progress.step("…", done, total)`` reports how far it is. The worker
that runs it is ``ducha.core.job_runner.run_job`` (a django-tasks task); see docs/jobs.md.

Access rules, one condition per line:
- a job is started only when its kind's ``can_start(actor, args)`` says so (403 otherwise);
- a job is seen by a superuser, or when its kind's ``visible(actor)`` filter includes it;
- an identical job (same kind and arguments) is never queued while one is queued or running.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache, reduce
from operator import or_
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, connection, transaction
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme

from ducha.core.actor import Actor, SystemActor, actor_user
from ducha.core.models import ACTIVE_STATES, Job, JobState

logger = logging.getLogger(__name__)


class JobError(Exception):
    """A job cannot be done for a reason the person can act on; the message is Chinese and is shown as is."""


@dataclass(frozen=True)
class JobKind:
    name: str
    function: str
    title: str
    key_args: tuple[str, ...]
    can_start: Callable[[SystemActor, Mapping[str, Any]], bool]
    visible: Callable[[Actor], Q]
    user_errors: tuple[type[BaseException], ...] = ()


_KINDS: dict[str, JobKind] = {}


def register_job_kind(kind: JobKind) -> None:
    if kind.name in _KINDS and _KINDS[kind.name] != kind:
        raise ValueError(f"job kind {kind.name} registered twice")
    _KINDS[kind.name] = kind


def job_kind(name: str) -> JobKind:
    if name not in _KINDS:
        raise JobError(f"不认识的任务类型“{name}”")
    return _KINDS[name]


def job_kinds() -> list[JobKind]:
    return list(_KINDS.values())


def dedupe_key(kind: JobKind, args: Mapping[str, Any]) -> str:
    missing = [k for k in kind.key_args if k not in args]
    if missing:
        raise JobError(f"任务“{kind.title}”缺少参数：{'、'.join(missing)}")
    return ":".join([kind.name, *(str(args[k]) for k in kind.key_args)])[:255]


def start_job(*, actor: SystemActor, kind: str, args: Mapping[str, Any], title: str,
              scope_path: str = "") -> tuple[Job, bool]:
    """Queue a job, or return the queued/running identical one: ``(job, created)``.

    A running one whose worker died is marked 失败 first (``job_runner.fail_if_interrupted``), so a crash
    never blocks the next attempt.
    """
    from ducha.core.job_runner import enqueue_job, fail_if_interrupted

    spec = job_kind(kind)
    if not spec.can_start(actor, args):
        raise PermissionDenied(f"无权运行“{spec.title}”")
    key = dedupe_key(spec, args)
    for existing in Job.objects.filter(dedupe_key=key, state__in=ACTIVE_STATES):
        if not fail_if_interrupted(existing):
            return existing, False
    try:
        with transaction.atomic():
            job = Job.objects.create(kind=spec.name, dedupe_key=key, args=dict(args), title=title[:200],
                                     scope_path=scope_path, started_by=actor_user(actor))
    except IntegrityError:  # another request queued the same job a moment ago
        return Job.objects.get(dedupe_key=key, state__in=ACTIVE_STATES), False
    enqueue_job(job)
    job.refresh_from_db()
    return job, True


def visible_jobs(actor: Actor) -> QuerySet[Job]:
    """Jobs the actor may see: for each kind, the kind's own rule (a superuser sees all)."""
    if not getattr(actor, "is_authenticated", False):
        return Job.objects.none()
    jobs = Job.objects.select_related("started_by")
    if getattr(actor, "is_superuser", False):
        return jobs
    rules = [Q(kind=k.name) & k.visible(actor) for k in job_kinds()]
    return jobs.filter(reduce(or_, rules)) if rules else jobs.none()


def access_job(actor: Actor, job_id: int) -> Job:
    """The job if the actor may see it; 404 otherwise (a job of another county is not told apart)."""
    job = visible_jobs(actor).filter(pk=job_id).first()
    if job is None:
        raise Http404(f"任务 {job_id} 不存在或无权查看")
    return job


def active_job(actor: Actor, *, kind: str, args: Mapping[str, Any]) -> Job | None:
    """The queued or running job of this kind and arguments, if the actor may see it."""
    from ducha.core.job_runner import fail_if_interrupted

    key = dedupe_key(job_kind(kind), args)
    if not _any_active(key):  # the usual answer, asked by a page on every request: one plain indexed read
        return None
    job = visible_jobs(actor).filter(dedupe_key=key, state__in=ACTIVE_STATES).first()
    return None if job is None or fail_if_interrupted(job) else job


@cache
def _active_sql() -> str:
    meta = Job._meta
    key, state = meta.get_field("dedupe_key").column, meta.get_field("state").column
    marks = ", ".join(["%s"] * len(ACTIVE_STATES))
    return f"SELECT 1 FROM {meta.db_table} WHERE {key} = %s AND {state} IN ({marks}) LIMIT 1"  # noqa: S608


def _any_active(key: str) -> bool:
    """Whether any queued or running job has this dedupe key (whoever may see it)."""
    with connection.cursor() as cursor:
        cursor.execute(_active_sql(), [key, *[str(s) for s in ACTIVE_STATES]])
        return cursor.fetchone() is not None


def kind_title(name: str) -> str:
    return _KINDS[name].title if name in _KINDS else name


def elapsed_seconds(job: Job) -> int:
    start = job.started_at or job.created_at
    return max(0, int(((job.finished_at or timezone.now()) - start).total_seconds()))


def result_link(job: Job) -> tuple[str, str] | None:
    """The page that shows the job's result (a path on this site only) and its label."""
    result = job.result if isinstance(job.result, dict) else {}
    url = str(result.get("url") or "")
    if job.state != JobState.DONE or not url.startswith("/") or \
            not url_has_allowed_host_and_scheme(url, allowed_hosts=None):
        return None
    return url, str(result.get("label") or "查看结果")
