"""Chinese statutory holidays, for the “exams on Sundays and holidays” check.

Fixed-date holidays (元旦 1 Jan, 劳动节 1–3 May, 国庆节 1–7 Oct) and the Spring Festival week (除夕 to
正月初六) from a table of Spring Festival dates. Extra days can be listed in the setting
``DUCHA_QUALITY["DQ-F11"]["extra_holidays"]`` as ISO dates.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

# 正月初一 (Spring Festival day) by year.
SPRING_FESTIVAL = {
    2008: (2, 7), 2009: (1, 26), 2010: (2, 14), 2011: (2, 3), 2012: (1, 23), 2013: (2, 10), 2014: (1, 31),
    2015: (2, 19), 2016: (2, 8), 2017: (1, 28), 2018: (2, 16), 2019: (2, 5), 2020: (1, 25), 2021: (2, 12),
    2022: (2, 1), 2023: (1, 22), 2024: (2, 10), 2025: (1, 29), 2026: (2, 17), 2027: (2, 6), 2028: (1, 26),
    2029: (2, 13), 2030: (2, 3),
}


def holiday_dates(years: Iterable[int]) -> set[date]:
    days: set[date] = set()
    for year in years:
        days.add(date(year, 1, 1))
        days.update(date(year, 5, d) for d in (1, 2, 3))
        days.update(date(year, 10, d) for d in range(1, 8))
        if year in SPRING_FESTIVAL:
            first = date(year, *SPRING_FESTIVAL[year])
            days.update(first + timedelta(days=k) for k in range(-1, 6))
    return days
