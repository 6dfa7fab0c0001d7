"""Period arithmetic: months, quarters, years, the MCH statistical year, deadlines."""

from __future__ import annotations

from datetime import date

import pytest

from ducha.core.periods import PeriodError, PeriodKind, parse_period


@pytest.mark.parametrize(
    ("code", "kind", "start", "end", "label"),
    [
        ("201201", PeriodKind.MONTH, date(2012, 1, 1), date(2012, 1, 31), "2012年1月"),
        ("2012-02", PeriodKind.MONTH, date(2012, 2, 1), date(2012, 2, 29), "2012年2月"),  # leap year
        ("2011-02", PeriodKind.MONTH, date(2011, 2, 1), date(2011, 2, 28), "2011年2月"),
        ("2012Q1", PeriodKind.QUARTER, date(2012, 1, 1), date(2012, 3, 31), "2012年第一季度"),
        ("2012q4", PeriodKind.QUARTER, date(2012, 10, 1), date(2012, 12, 31), "2012年第四季度"),
        ("2012", PeriodKind.YEAR, date(2012, 1, 1), date(2012, 12, 31), "2012年"),
        ("2012MCH", PeriodKind.MCH_YEAR, date(2011, 10, 1), date(2012, 9, 30),
         "2012统计年度（2011年10月—2012年9月）"),
    ],
)
def test_parse(code, kind, start, end, label):
    period = parse_period(code)
    assert (period.kind, period.start, period.end, period.label) == (kind, start, end, label)


def test_months_of_each_kind():
    assert parse_period("2012Q1").month_codes() == ["201201", "201202", "201203"]
    assert len(parse_period("2012").months()) == 12
    mch = parse_period("2012MCH").month_codes()
    assert mch[0] == "201110" and mch[-1] == "201209" and len(mch) == 12


def test_deadline_is_days_after_the_period_end():
    assert parse_period("201201").deadline(5) == date(2012, 2, 5)
    assert parse_period("201202").deadline(5) == date(2012, 3, 5)
    assert parse_period("2012Q4").deadline(10) == date(2013, 1, 10)


def test_previous_and_next_cross_years():
    assert parse_period("2012Q1").previous().code == "2011Q4"
    assert parse_period("201212").next().code == "201301"
    assert parse_period("2012MCH").next().code == "2013MCH"
    assert parse_period("201210").year_to_date().start == date(2012, 1, 1)


@pytest.mark.parametrize("bad", ["", "2012Q5", "201213", "2012-00", "12Q1", "abc", "2012年1月", "1800"])
def test_bad_codes_get_a_chinese_error_naming_the_value(bad):
    with pytest.raises(PeriodError) as exc:
        parse_period(bad)
    assert f"“{bad}”" in str(exc.value) and "2012Q1" in str(exc.value)
