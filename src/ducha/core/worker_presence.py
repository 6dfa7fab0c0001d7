"""Which background worker processes run: each ``ducha worker`` keeps a ``WorkerBeat`` row while it runs.

- Writes (the worker's own): ``register_worker`` when it starts (and clears rows of dead processes),
  ``beat_worker`` every ``DUCHA_JOB_HEARTBEAT_SECONDS`` (idle or busy; it writes the row again should it be
  gone), ``unregister_worker`` when it stops. A ``DatabaseError`` is logged and the next beat tries again.
- The read ``live_workers(queue)``: how many live workers take jobs of ``queue``. A row counts unless its
  process is gone on this host (``process_alive``) or its beat is older than ``DUCHA_JOB_STALE_SECONDS``;
  a database without the table (migrations not applied) has no worker: 0, never an error.

The job page and ``/api/jobs`` use it to say that a queued job will not start because no worker runs.
"""

from __future__ import annotations

import logging
import os
from datetime import datetime, timedelta

from django.conf import settings
from django.db import DatabaseError, transaction
from django.utils import timezone

from ducha.core.job_runner import HOST, process_alive
from ducha.core.models import WorkerBeat

logger = logging.getLogger(__name__)


def stale_before() -> datetime:
    """A beat older than this is of a process that is gone."""
    return timezone.now() - timedelta(seconds=getattr(settings, "DUCHA_JOB_STALE_SECONDS", 60))


def is_live(row: WorkerBeat, *, since: datetime | None = None) -> bool:
    if row.beat_at < (since or stale_before()):
        return False
    return row.host != HOST or process_alive(row.pid)


def register_worker(queue: str, *, pid: int | None = None) -> bool:
    """This process takes jobs of ``queue`` from now on; rows of dead workers go. False if not written."""
    now, pid = timezone.now(), pid or os.getpid()
    try:
        removed = clear_dead_workers()
        WorkerBeat.objects.update_or_create(host=HOST, pid=pid,
                                            defaults={"queue": queue[:64], "started_at": now, "beat_at": now})
    except DatabaseError as exc:  # a busy database: the first beat writes the row
        logger.warning("worker presence not written: %s", exc)
        return False
    if removed:
        logger.info("removed %s rows of worker processes that are gone", removed)
    return True


def beat_worker(queue: str, *, pid: int | None = None) -> None:
    """This process is still running (raises ``DatabaseError``: the caller logs it and tries again)."""
    now, pid = timezone.now(), pid or os.getpid()
    if not WorkerBeat.objects.filter(host=HOST, pid=pid).update(beat_at=now, queue=queue[:64]):
        WorkerBeat.objects.get_or_create(host=HOST, pid=pid,
                                         defaults={"queue": queue[:64], "started_at": now, "beat_at": now})


def unregister_worker(*, pid: int | None = None) -> None:
    """This process stops taking jobs (a row left behind by a failed delete is not counted once stale)."""
    try:
        WorkerBeat.objects.filter(host=HOST, pid=pid or os.getpid()).delete()
    except DatabaseError as exc:
        logger.warning("worker presence not removed: %s", exc)


def clear_dead_workers() -> int:
    """Delete the rows of worker processes that are gone (stale beat, or pid gone on this host); how many."""
    since = stale_before()
    gone = [row.pk for row in WorkerBeat.objects.all() if not is_live(row, since=since)]
    return WorkerBeat.objects.filter(pk__in=gone).delete()[0] if gone else 0


def live_workers(queue: str | None = None) -> int:
    """How many live worker processes take jobs of ``queue`` (default: ducha's queue); 0 without the table."""
    queue = queue or settings.DUCHA_JOB_QUEUE
    since = stale_before()
    try:
        with transaction.atomic():  # a savepoint: a missing table must not break the request's transaction
            rows = list(WorkerBeat.objects.filter(queue=queue, beat_at__gte=since))
    except DatabaseError:
        return 0
    return sum(is_live(row, since=since) for row in rows)
