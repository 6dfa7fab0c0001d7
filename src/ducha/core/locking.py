"""Retrying a write transaction that lost a race for a lock (SQLite "database is locked", PostgreSQL deadlock).

SQLite serialises writers: a second writer either waits (``timeout``) or, when waiting could deadlock,
fails at once with "database is locked". PostgreSQL aborts one of two transactions that wait on each
other ("deadlock detected") or, at a stricter isolation level, one that read a row changed since
("could not serialize access"). In each case nothing was written and running the whole transaction
again is correct, so the outermost write retries a few times and then gives up with :class:`BusyError`.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import TypeVar

from django.db import OperationalError, connection

T = TypeVar("T")
ATTEMPTS = 40
BUSY_MESSAGE = "数据库正忙（其他人正在同时保存），本次没有保存任何数据，请稍后重试"
_RETRYABLE = ("database is locked", "database table is locked", "deadlock detected", "could not serialize access",
              "lock timeout")


class BusyError(RuntimeError):
    """The write kept losing lock races; nothing was written. The message is Chinese."""

    def __init__(self, message: str = BUSY_MESSAGE):
        super().__init__(message)


def is_lock_conflict(error: BaseException) -> bool:
    text = f"{error} {error.__cause__ or ''}".lower()
    return any(part in text for part in _RETRYABLE)


def retry_when_locked(write: Callable[[], T], *, attempts: int = ATTEMPTS) -> T:
    """Run ``write`` (which opens its own transaction); retry it when it lost a lock race.

    Inside an outer transaction a retry is impossible (the outer transaction is already broken), so
    the error is raised as :class:`BusyError` for the outermost caller to retry or report.
    """
    if connection.in_atomic_block:
        try:
            return write()
        except OperationalError as err:
            if is_lock_conflict(err):
                raise BusyError() from err
            raise
    for attempt in range(attempts):
        try:
            return write()
        except BusyError:
            pass
        except OperationalError as err:
            if not is_lock_conflict(err):
                raise
        time.sleep(min(0.5, 0.005 * (2 ** min(attempt, 6))) * (0.5 + random.random()))
    raise BusyError()
