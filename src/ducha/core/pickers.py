"""The period and unit pickers every filter form shares (``core/_picker.html`` renders them).

Periods: option groups per year (``period_choices`` for the analysis pages, ``month_choices`` for the
monthly form) and ``read_period`` for the ``period`` query parameter. Units: ``unit_choices`` turns units
(already scoped to the actor by the caller, normally ``ducha.orgs.pickers.unit_picker``) into indented
``(code, label)`` pairs. The core imports no ducha app, so units are anything with code, name and level.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from django.http import HttpRequest
from django.utils import timezone

from ducha.core.periods import Period, PeriodError, calendar_year, mch_year, month, parse_period, quarter

Choice = tuple[str, str]
ChoiceGroups = list[tuple[str, list[Choice]]]
INDENT = "　"  # one full-width space per level below the top unit shown


class PickableUnit(Protocol):
    code: str
    name: str
    level: int


def unit_choices(units: Iterable[PickableUnit]) -> list[Choice]:
    """``(code, name)`` in the order given, indented by level below the highest unit of the list."""
    rows = list(units)
    top = min((u.level for u in rows), default=1)
    return [(u.code, INDENT * (u.level - top) + u.name) for u in rows]


def period_choices(selected: Period, latest: Period) -> ChoiceGroups:
    """Option groups for the period picker: quarters, year, statistical year and months of recent years."""
    today = timezone.localdate()
    years = sorted({selected.year, latest.year, latest.year - 1}, reverse=True)
    groups = []
    for year in years:
        periods = [*(quarter(year, q) for q in range(1, 5)), calendar_year(year), mch_year(year),
                   *(month(year, m) for m in range(1, 13))]
        options = [(p.code, p.label) for p in periods if p.start <= today or p.code == selected.code]
        if options:
            groups.append((f"{year}年", options))
    return groups


def month_choices(selected: Period | None) -> ChoiceGroups:
    """Months of the selected month's year and the years around it, up to this month, newest first."""
    today = timezone.localdate()
    year = selected.year if selected else today.year
    groups = []
    for y in (year + 1, year, year - 1):
        options = [(p.code, p.label) for p in (month(y, m) for m in range(12, 0, -1)) if p.start <= today]
        if options:
            groups.append((f"{y}年", options))
    return groups


def read_period(request: HttpRequest, default: Period) -> tuple[Period, str]:
    """The ``period`` query parameter, or ``default`` with a Chinese error when it cannot be read."""
    raw = request.GET.get("period", "").strip()
    if not raw:
        return default, ""
    try:
        return parse_period(raw), ""
    except PeriodError as exc:
        return default, str(exc)
