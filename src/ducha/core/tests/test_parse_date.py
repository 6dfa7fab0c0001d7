"""``ducha.core.excel_io.parse_date``: the one date reader of every import (reports, registers, units)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pytest

from ducha.core.excel_io import DATE_EXPECTED, CellError, parse_date


@pytest.mark.parametrize(("value", "want"), [
    (date(2012, 1, 31), date(2012, 1, 31)),
    (datetime(2012, 1, 31, 8, 30), date(2012, 1, 31)),
    ("2012-01-31", date(2012, 1, 31)), ("2012/1/31", date(2012, 1, 31)), ("2012.1.31", date(2012, 1, 31)),
    ("2012年1月31日", date(2012, 1, 31)), ("２０１２－０１－３１", date(2012, 1, 31)),  # full-width
    ("20120131", date(2012, 1, 31)), (20120131, date(2012, 1, 31)), (20120131.0, date(2012, 1, 31)),
    ("2012-01-31 08:30", date(2012, 1, 31)), ("2012-01-31T08:30:15", date(2012, 1, 31)),
    (40939, date(2012, 1, 31)), (40939.75, date(2012, 1, 31)),  # an Excel serial in a number cell
    ("2012-02-29", date(2012, 2, 29)),
])
def test_accepted_dates(value: Any, want: date) -> None:
    assert parse_date(value) == want


@pytest.mark.parametrize("value", [None, "", "  "])
def test_blank_is_none(value: Any) -> None:
    assert parse_date(value) is None


@pytest.mark.parametrize(("value", "problem", "expected"), [
    ("2012-02-30", "日期不存在（2012年2月没有30日）", "真实存在的日期，如 2012-02-29"),
    ("2011-02-29", "日期不存在（2011年2月没有29日）", "真实存在的日期，如 2012-02-29"),
    ("20121301", "日期不存在（没有13月）", "真实存在的日期，如 2012-02-29"),
    (20120230, "日期不存在（2012年2月没有30日）", "真实存在的日期，如 2012-02-29"),
    ("一月三十一", "日期无法识别", DATE_EXPECTED), ("2012-01", "日期无法识别", DATE_EXPECTED),
    (True, "日期无法识别", DATE_EXPECTED), (-5, "日期无法识别", DATE_EXPECTED),
    (3_000_000, "日期无法识别", DATE_EXPECTED),
])
def test_refused_dates_say_why_in_chinese(value: Any, problem: str, expected: str) -> None:
    with pytest.raises(CellError) as caught:
        parse_date(value)
    assert caught.value.code == "IMP024"
    assert caught.value.problem == problem
    assert caught.value.expected == expected
