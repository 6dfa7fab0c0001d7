"""``ducha.core.results``: kept per (namespace, stamp, parts); a new stamp computes afresh; one compute per miss."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from ducha.core.results import cached_result, result_key


def counting(value: Any, calls: list[int]) -> Any:
    def compute() -> Any:
        calls.append(1)
        return value
    return compute


def test_kept_until_the_stamp_or_a_part_changes() -> None:
    calls: list[int] = []
    assert cached_result("t", stamp="1-a", parts=("2012Q1", 5), compute=counting([1, 2], calls)) == [1, 2]
    assert cached_result("t", stamp="1-a", parts=("2012Q1", 5), compute=counting("other", calls)) == [1, 2]
    assert cached_result("t", stamp="2-b", parts=("2012Q1", 5), compute=counting("new", calls)) == "new"
    assert cached_result("t", stamp="2-b", parts=("2012Q1", 6), compute=counting("unit", calls)) == "unit"
    assert cached_result("u", stamp="2-b", parts=("2012Q1", 6), compute=counting("space", calls)) == "space"
    assert len(calls) == 4


def test_keys_differ_by_every_part() -> None:
    keys = {result_key("t", "1-a", ("2012Q1", 5, (1, 2))), result_key("t", "1-a", ("2012Q1", 5, (1, 3))),
            result_key("t", "1-b", ("2012Q1", 5, (1, 2))), result_key("s", "1-a", ("2012Q1", 5, (1, 2)))}
    assert len(keys) == 4


def test_a_failed_compute_keeps_nothing() -> None:
    def broken() -> Any:
        raise LookupError("没有指标 X")
    with pytest.raises(LookupError):
        cached_result("t", stamp="1", parts=("x",), compute=broken)
    assert cached_result("t", stamp="1", parts=("x",), compute=lambda: "ok") == "ok"


def test_concurrent_misses_compute_once() -> None:
    calls: list[int] = []
    release = threading.Event()

    def slow() -> str:
        calls.append(1)
        release.wait(10)
        return "table"

    results: list[str] = []
    threads = [threading.Thread(target=lambda: results.append(
        cached_result("t", stamp="9", parts=("q",), compute=slow))) for _ in range(6)]
    for t in threads:
        t.start()
    release.set()
    for t in threads:
        t.join()
    assert results == ["table"] * 6 and calls == [1]


def test_switched_off_keeps_nothing(settings: Any) -> None:
    settings.CACHES = {**settings.CACHES, "results": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
    calls: list[int] = []
    for _ in range(2):
        assert cached_result("t", stamp="1", parts=(), compute=counting(3, calls)) == 3
    assert len(calls) == 2
