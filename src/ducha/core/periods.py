"""Periods: months, calendar quarters, years and the MCH statistical year (1 Oct – 30 Sep).

Codes: ``201201`` (month), ``2012Q1`` (quarter), ``2012`` (year), ``2012MCH`` (statistical year
2012 = 2011-10-01 … 2012-09-30). ``parse_period`` also accepts ``2012-01``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum


class PeriodKind(StrEnum):
    MONTH = "month"
    QUARTER = "quarter"
    YEAR = "year"
    MCH_YEAR = "mch_year"


KIND_LABELS = {
    PeriodKind.MONTH: "月",
    PeriodKind.QUARTER: "季度",
    PeriodKind.YEAR: "年",
    PeriodKind.MCH_YEAR: "妇幼统计年度",
}
QUARTER_NAMES = {1: "第一季度", 2: "第二季度", 3: "第三季度", 4: "第四季度"}


class PeriodError(ValueError):
    """A period code that cannot be read; the message is Chinese and names the value."""


def _month_end(year: int, month: int) -> date:
    first_next = date(year + (month == 12), month % 12 + 1, 1)
    return first_next - timedelta(days=1)


@dataclass(frozen=True, order=True)
class Period:
    start: date
    end: date
    kind: PeriodKind
    code: str

    @property
    def label(self) -> str:
        if self.kind is PeriodKind.MONTH:
            return f"{self.start.year}年{self.start.month}月"
        if self.kind is PeriodKind.QUARTER:
            return f"{self.start.year}年{QUARTER_NAMES[(self.start.month - 1) // 3 + 1]}"
        if self.kind is PeriodKind.YEAR:
            return f"{self.start.year}年"
        return f"{self.end.year}统计年度（{self.start.year}年10月—{self.end.year}年9月）"

    @property
    def year(self) -> int:
        return self.end.year

    def months(self) -> list[Period]:
        out, y, m = [], self.start.year, self.start.month
        while date(y, m, 1) <= self.end:
            out.append(month(y, m))
            y, m = (y + 1, 1) if m == 12 else (y, m + 1)
        return out

    def month_codes(self) -> list[str]:
        return [p.code for p in self.months()]

    def contains(self, day: date) -> bool:
        return self.start <= day <= self.end

    def deadline(self, days_after_end: int) -> date:
        """Last day a report for this period is timely: ``days_after_end`` days after the period ends."""
        return self.end + timedelta(days=days_after_end)

    def previous(self) -> Period:
        return containing(self.kind, self.start - timedelta(days=1))

    def next(self) -> Period:
        return containing(self.kind, self.end + timedelta(days=1))

    def year_to_date(self) -> Period:
        """From 1 January of this period's year to its end (a statistical year is its own)."""
        if self.kind in (PeriodKind.MCH_YEAR, PeriodKind.YEAR):
            return self
        return Period(date(self.end.year, 1, 1), self.end, self.kind, f"{self.end.year}-{self.code}")

    def fraction_of_year(self) -> float:
        """Share of its (calendar or statistical) year this period covers, in months ÷ 12."""
        return len(self.months()) / 12


def month(year: int, m: int) -> Period:
    return Period(date(year, m, 1), _month_end(year, m), PeriodKind.MONTH, f"{year}{m:02d}")


def quarter(year: int, q: int) -> Period:
    first = 3 * (q - 1) + 1
    return Period(date(year, first, 1), _month_end(year, first + 2), PeriodKind.QUARTER, f"{year}Q{q}")


def calendar_year(year: int) -> Period:
    return Period(date(year, 1, 1), date(year, 12, 31), PeriodKind.YEAR, f"{year}")


def mch_year(year: int) -> Period:
    return Period(date(year - 1, 10, 1), date(year, 9, 30), PeriodKind.MCH_YEAR, f"{year}MCH")


def containing(kind: PeriodKind, day: date) -> Period:
    if kind is PeriodKind.MONTH:
        return month(day.year, day.month)
    if kind is PeriodKind.QUARTER:
        return quarter(day.year, (day.month - 1) // 3 + 1)
    if kind is PeriodKind.YEAR:
        return calendar_year(day.year)
    return mch_year(day.year + 1 if day.month >= 10 else day.year)


_PATTERNS = [
    (re.compile(r"^(\d{4})-?(\d{2})$"), lambda g: month(int(g[0]), int(g[1]))),
    (re.compile(r"^(\d{4})[Qq]([1-4])$"), lambda g: quarter(int(g[0]), int(g[1]))),
    (re.compile(r"^(\d{4})MCH$", re.I), lambda g: mch_year(int(g[0]))),
    (re.compile(r"^(\d{4})$"), lambda g: calendar_year(int(g[0]))),
]


def parse_period(text: str) -> Period:
    raw = str(text).strip()
    for pattern, build in _PATTERNS:
        match = pattern.match(raw)
        if match:
            year = int(match.group(1))
            if not 1900 <= year <= 2200:
                break
            if len(match.groups()) == 2 and pattern is _PATTERNS[0][0] and not 1 <= int(match.group(2)) <= 12:
                break
            return build(match.groups())  # type: ignore[no-untyped-call]
    raise PeriodError(
        f"无法识别的期间“{raw}”：应为 月 201201（或 2012-01）、季度 2012Q1、年 2012、妇幼统计年度 2012MCH"
    )
