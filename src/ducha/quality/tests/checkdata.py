"""Tiny hand-made scan data for the check tests: columns by name, everything else null."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from ducha.core.periods import quarter
from ducha.quality.checks.base import Labels, ScanData, catalogue
from ducha.quality.engine import Outcome, Result, run_checks
from ducha.quality.store import scan_data_from_arrow, table_from_columns

PERIOD = quarter(2012, 1)
TODAY = date(2012, 6, 30)


def scan(**tables: dict[str, list[Any]]) -> ScanData:
    arrow = {name: table_from_columns(name, cols) for name, cols in tables.items()}
    labels = Labels(units={1: "西簧乡", 2: "毛堂乡", 3: "大石桥乡", 4: "香花镇", 5: "厚坡镇", 6: "九重镇"},
                    users={7: "张三"})
    return scan_data_from_arrow(arrow, PERIOD, labels, today=TODAY)


def run(check_id: str, data: ScanData, units: list[int] | None = None) -> Outcome:
    check = next(c for c in catalogue() if c.id == check_id)
    return run_checks(data, units or [1], checks=[check])


def result(outcome: Outcome, unit_id: int = 1, subject: str = "") -> Result:
    found = [r for r in outcome.results if r.unit_id == unit_id and r.subject == subject]
    assert len(found) == 1, [(r.unit_id, r.subject, r.status, r.text) for r in outcome.results]
    return found[0]


def merge(*parts: dict[str, list]) -> dict[str, list]:
    """The columns of several tables as one table (each column's values one after the other)."""
    out: dict[str, list] = {}
    for p in parts:
        for k, v in p.items():
            out.setdefault(k, []).extend(v)
    return out


def days(start: date, count: int, step: int = 1) -> list[date]:
    return [start + timedelta(days=step * i) for i in range(count)]


def minutes(start: datetime, count: int, step: float = 1.0) -> list[datetime]:
    return [start + timedelta(minutes=step * i) for i in range(count)]
