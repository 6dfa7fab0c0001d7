"""One definition of 报告完整率/及时率: the pages' Python formula and the checks' Ibis expression agree."""

from __future__ import annotations

import ibis
import pytest

from ducha.core.reporting_rates import completeness, completeness_fraction, timeliness, timeliness_fraction

CASES = [(0, 0), (0, 3), (1, 3), (2, 3), (3, 3), (11, 12), (4, 3), (7, 1)]  # (part, expected)


@pytest.mark.parametrize(("part", "expected", "shown"), [
    (0, 0, None), (0, 3, 0.0), (2, 3, 200 / 3), (3, 3, 100.0), (4, 3, 100.0),  # never above 100 %
])
def test_completeness_and_timeliness_in_percent(part: int, expected: int, shown: float | None) -> None:
    for rate in (completeness, timeliness):
        if shown is None:
            assert rate(part, expected) is None
        else:
            assert rate(part, expected) == pytest.approx(shown)


@pytest.mark.parametrize(("python_rate", "ibis_rate"), [
    (completeness, completeness_fraction), (timeliness, timeliness_fraction)])
def test_the_ibis_expression_equals_the_python_formula(python_rate, ibis_rate) -> None:  # type: ignore[no-untyped-def]
    t = ibis.memtable({"part": [p for p, _ in CASES], "expected": [e for _, e in CASES]})
    got = ibis.duckdb.connect().execute(t.select(rate=ibis_rate(t.part, t.expected)))["rate"].tolist()
    for (part, expected), value in zip(CASES, got, strict=True):
        want = python_rate(part, expected)
        if want is None:
            assert value is None or value != value, (part, expected, value)  # NULL (None or NaN)
        else:
            assert value * 100 == pytest.approx(want), (part, expected)
