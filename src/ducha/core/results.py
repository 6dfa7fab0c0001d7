"""Computed results kept between requests, keyed on what changes the answer and on a data generation stamp.

A result (an indicator table, a SMART report…) is stored in Django's cache alias ``results`` under a key made
of its namespace, the caller's key parts (period, root unit, the ids of the units the actor may see…) and
the data generation stamp (``ducha.audit.generation.data_generation``: it moves with every audited write).
A write therefore never has to find and delete entries: the next read has a new stamp, misses and computes
afresh, and entries of old stamps age out of the cache. ``DUCHA_RESULT_CACHE=0`` configures the alias with
Django's dummy backend (nothing kept) — what the benchmark compares against.

The stamp comes from the provider the audit app registers at start-up (``set_stamp_provider``): core imports no
app, yet every cached result in every app follows the same stamp (``data_stamp``).

Within one process, concurrent requests that miss the same key compute it once: the others wait on a per-key
lock and read what the first stored (gunicorn threads share the process cache).
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable, Hashable, Iterable
from typing import TypeVar, cast

from django.core.cache import caches
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.dispatch import receiver

from ducha.core.request_reads import read_stamp

T = TypeVar("T")
ALIAS = "results"
_MISSING = object()
_locks: dict[str, threading.Lock] = {}
_locks_guard = threading.Lock()
_stamp_provider: Callable[[], str] | None = None
_stamp_sql: str | None = None


def set_stamp_provider(provider: Callable[[], str], *, sql: str | None = None) -> None:
    """Register the function that reads the data generation stamp (the audit app does, in ``ready``), and the
    same stamp as one SQL scalar subquery (NULL where the function would have to look further), which
    ``ducha.core.sessions`` reads together with the session."""
    global _stamp_provider, _stamp_sql
    _stamp_provider, _stamp_sql = provider, sql


def stamp_sql() -> str | None:
    return _stamp_sql


def data_stamp() -> str:
    """The current data generation stamp: it moves with every audited write. A read-only request reuses the
    stamp read with its session (``ducha.core.request_reads``)."""
    if (stamp := read_stamp()) is not None:
        return stamp
    if _stamp_provider is None:
        raise ImproperlyConfigured("没有登记数据版本来源：ducha.audit 须在 INSTALLED_APPS 中")
    return _stamp_provider()


def result_key(namespace: str, stamp: str, parts: Iterable[Hashable]) -> str:
    """``namespace:stamp:digest`` — the digest of the parts keeps keys short whatever their size."""
    digest = hashlib.sha256(repr(tuple(parts)).encode()).hexdigest()[:32]
    return f"{namespace}:{stamp}:{digest}"


def _lock_for(key: str) -> threading.Lock:
    with _locks_guard:
        if len(_locks) > 1000:
            _locks.clear()  # only waiting requests hold these; a new lock per key is always safe
        return _locks.setdefault(key, threading.Lock())


def request_stamp(request: object) -> str:
    """The stamp a read-only page already read for ``request`` (``ducha.core.page_cache`` keeps it on a GET
    request, so the body, the menu and the top bar of one page follow one stamp with one read), else a fresh one."""
    return str(getattr(request, "_ducha_stamp", None) or data_stamp())


def remember_stamp(request: object, stamp: str) -> None:
    """Keep ``stamp`` for the rest of a GET/HEAD request (never for a request that may write)."""
    if getattr(request, "method", "") in ("GET", "HEAD"):
        setattr(request, "_ducha_stamp", stamp)  # noqa: B010 - a per-request memo


@receiver(setting_changed)
def forget_results(**kwargs: object) -> None:
    """Results depend on settings too (thresholds, targets): a changed setting (only tests change them while a
    process runs) drops everything kept."""
    if kwargs.get("setting") != "CACHES":  # Django rebuilds the caches themselves then
        caches[ALIAS].clear()


def cached_result(namespace: str, *, stamp: str, parts: Iterable[Hashable], compute: Callable[[], T]) -> T:
    """The stored result for (namespace, stamp, parts), or ``compute()`` stored and returned."""
    cache = caches[ALIAS]
    key = result_key(namespace, stamp, parts)
    found = cache.get(key, _MISSING)
    if found is not _MISSING:
        return cast(T, found)
    with _lock_for(key):
        found = cache.get(key, _MISSING)
        if found is not _MISSING:
            return cast(T, found)
        value = compute()
        cache.set(key, value)
        return value
