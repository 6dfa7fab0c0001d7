"""Pages of routine reports: the monthly report form (data entry) and the reporting status grid."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from ducha.core.actor import Actor
from ducha.core.locking import BusyError
from ducha.core.periods import Period, PeriodError, month, parse_period
from ducha.core.pickers import month_choices, period_choices
from ducha.orgs.models import OrgUnit
from ducha.orgs.pickers import unit_picker
from ducha.orgs.selectors import access_unit, default_unit, reporting_units, writable_units
from ducha.reporting.actions import ReportConflict, ReportError, SaveResult, check_report_period, save_report
from ducha.reporting.data_set_picker import data_set_tabs, pick_data_set, reported_data_sets, subtree_data_set
from ducha.reporting.entry_form import (
    CONFIRM_CLEAR,
    EntryCell,
    changed_values,
    opened_cells,
    posted_cells,
    refreshed_cells,
    sections,
)
from ducha.reporting.models import DataSet
from ducha.reporting.selectors import (
    latest_month_with_data,
    latest_quarter_with_data,
    report_cells,
    reporting_status,
)
from ducha.reporting.validation import check_values
from ducha.reporting.views_approval import entry_approval, grid_approvals


def entry_units(actor: Actor, data_set: DataSet) -> list[OrgUnit]:
    """Units in the actor's scope that report ``data_set`` (an officer: only their own unit)."""
    return list(reporting_units(actor).filter(pk__in=data_set.org_units.all()))


def _read_month(request: HttpRequest, data_set: DataSet) -> tuple[Period | None, list[str]]:
    """``?period=``, else the latest month with data in the actor's units, else last calendar month."""
    raw = request.GET.get("period", "").strip()
    if not raw:
        if latest := latest_month_with_data(request.user, data_set):
            return latest, []
        today = timezone.localdate()
        previous = today.replace(day=1) - timedelta(days=1)
        return month(previous.year, previous.month), []
    try:
        return parse_period(raw), []
    except PeriodError as exc:
        return None, [str(exc)]


def _entry_unit(request: HttpRequest, units: list[OrgUnit]) -> OrgUnit:
    code = request.GET.get("unit", "").strip() or (units[0].code if units else "")
    if not code:
        raise PermissionDenied("您没有需要填报月报的单位")
    return access_unit(request.user, code, write=request.method == "POST")


def _entry_target(request: HttpRequest) -> tuple[list[DataSet], DataSet, list[OrgUnit], OrgUnit]:
    """The data sets to pick from, the one shown (``data_set``, else the one the unit reports), its units, the unit."""
    code = request.GET.get("unit", "").strip()
    asked = access_unit(request.user, code, write=request.method == "POST") if code else None
    choices = reported_data_sets(request.user)
    data_set = pick_data_set(choices, request.GET.get("data_set", "").strip(), unit=asked)
    units = entry_units(request.user, data_set)
    return choices, data_set, units, asked or _entry_unit(request, units)


def _changes(result: SaveResult, data_set: DataSet) -> list[dict[str, Any]]:
    names = {link.data_element.code: link.data_element.name for link in data_set.set_elements.all()}
    return [{"code": c, "name": names.get(c, c), "old": old, "new": new} for c, (old, new) in result.changed.items()]


def _save(request: HttpRequest, context: dict[str, Any], cells: list[EntryCell]) -> int:
    """Write the changed fields (each based on the version it was shown); the page's status code."""
    data_set, unit, period = context["data_set"], context["unit"], context["period"]
    if any(c.errors for c in cells):
        return 400
    clearing = [c for c in cells if c.clears]
    if clearing and request.POST.get(CONFIRM_CLEAR) != "1":
        context["confirm_clear"] = clearing
        return 200
    values, based_on = changed_values(cells)
    try:
        result = save_report(actor=request.user, data_set=data_set, unit_code=unit.code, period=period,
                             values=values, based_on=based_on)
    except ReportConflict as err:
        shown = {c.code: c.shown for c in cells}
        context["conflicts"] = [c.message(shown.get(c.code)) for c in err.conflicts]
        stored = report_cells(request.user, data_set=data_set, unit_code=unit.code, period=period)
        context["cells"] = refreshed_cells(cells, stored)
        return 409
    except ReportError as err:
        by_code = {c.code: c for c in cells}
        for code, text in err.by_element.items():
            by_code[code].errors.append(text)
        context["problems"] = [] if err.by_element else err.problems
        return 400
    except BusyError as err:
        context["problems"] = [str(err)]
        return 503
    context.update(saved=True, changes=_changes(result, data_set), violations=result.violations)
    context["cells"] = opened_cells(context["links"], report_cells(request.user, data_set=data_set,
                                                                   unit_code=unit.code, period=period))
    return 200


@login_required
def entry(request: HttpRequest) -> HttpResponse:
    """The monthly report of one unit: prefilled form, save through ``save_report``, rule violations."""
    choices, data_set, units, unit = _entry_target(request)
    period, problems = _read_month(request, data_set)
    if period is not None:
        problems += check_report_period(data_set, period)
    if not data_set.org_units.filter(pk=unit.pk).exists():
        problems.append(f"单位“{unit.name}”不需要报送“{data_set.name}”")
    links = list(data_set.set_elements.select_related("data_element"))
    read_only = not writable_units(request.user).filter(pk=unit.pk).exists()
    context: dict[str, Any] = {
        "title": "数据填报", "data_set": data_set, "units": units, "unit": unit, "period": period,
        "unit_options": unit_picker(request.user, units),
        "data_set_tabs": data_set_tabs(choices, data_set, request.path, request.GET, ("period",)),
        "problems": problems, "read_only": read_only, "changes": None, "saved": False, "links": links,
        "months": month_choices(period), "conflicts": [], "confirm_clear": [], "violations": [],
        "previous": period.previous() if period else None,
        "next": period.next() if period and period.next().start <= timezone.localdate() else None,
    }
    if problems or period is None:
        return render(request, "reporting/entry.html", context, status=400)
    context.update(entry_approval(request.user, data_set=data_set, unit=unit, period=period, read_only=read_only,
                                  next_url=request.get_full_path()))
    status = 200
    if request.method == "POST":
        context["cells"] = posted_cells(links, request.POST)
        status = _save(request, context, context["cells"])
    else:
        stored = report_cells(request.user, data_set=data_set, unit_code=unit.code, period=period)
        context["cells"] = opened_cells(links, stored)
        context["violations"] = check_values(data_set.validation_rules.all(), {c: s.value for c, s in stored.items()},
                                             org_unit_code=unit.code, period=period.code)
    cells = context["cells"]
    context.update(
        sections=sections(cells), errors=[e for c in cells for e in c.errors],
        changed_codes={c["code"] for c in context["changes"] or []},
        reporting=next((r for r in reporting_status(request.user, data_set=data_set, period=period, root=unit)
                        if r.unit.pk == unit.pk), None),
    )
    return render(request, "reporting/entry.html", context, status=status)


def _cell(code: str, row: Any, months: dict[str, Period], deadline_days: int) -> dict[str, str]:
    return {"period": code, **_cell_state(code, row, months, deadline_days)}


def _cell_state(code: str, row: Any, months: dict[str, Period], deadline_days: int) -> dict[str, str]:
    m = months[code]
    today = timezone.localdate()
    unit = row.unit
    if (unit.opened_on and unit.opened_on > m.end) or (unit.closed_on and unit.closed_on < m.start):
        return {"css": "muted", "text": "—", "title": "该月单位未开业或已撤销"}
    if m.start > today:
        return {"css": "muted", "text": "未到期", "title": "期间尚未开始"}
    if code in row.missing_periods:
        if today <= m.deadline(deadline_days):
            return {"css": "muted", "text": "待报", "title": f"截止日期 {m.deadline(deadline_days):%Y-%m-%d}"}
        return {"css": "cell-missing", "text": "未报", "title": "缺报"}
    if code in row.late_periods:
        return {"css": "cell-late", "text": "迟报", "title": f"晚于截止日期 {m.deadline(deadline_days):%Y-%m-%d}"}
    return {"css": "cell-ok", "text": "及时", "title": f"截止日期 {m.deadline(deadline_days):%Y-%m-%d} 前报送"}


@login_required
def status(request: HttpRequest) -> HttpResponse:
    """Per unit and month: timely / late / missing, with completeness and timeliness rates."""
    code = request.GET.get("unit", "").strip()
    root = access_unit(request.user, code) if code else default_unit(request.user)
    if root is None:
        raise PermissionDenied("您的账户尚未分配任何单位，请联系系统管理员")
    choices, data_set = subtree_data_set(request.user, root, request.GET.get("data_set", "").strip())
    error = ""
    latest = period = latest_quarter_with_data()
    if raw := request.GET.get("period", "").strip():
        try:
            period = parse_period(raw)
        except PeriodError as exc:
            error = str(exc)
    months = {m.code: m for m in period.months()}
    rows = reporting_status(request.user, data_set=data_set, period=period, root=root)
    grid = [{"row": r, "cells": [_cell(c, r, months, data_set.deadline_days) for c in months]} for r in rows]
    context = {
        "title": "报送情况", "root": root, "period": period, "error": error, "data_set": data_set,
        "months": list(months.values()), "grid": grid, "period_groups": period_choices(period, latest),
        "units": unit_picker(request.user),
        "data_set_tabs": data_set_tabs(choices, data_set, request.path, request.GET, ("unit", "period")),
        "summary": {"expected": sum(r.expected for r in rows), "received": sum(r.received for r in rows),
                    "timely": sum(r.timely for r in rows)},
    }
    context.update(grid_approvals(request.user, data_set=data_set, grid=grid, next_url=request.get_full_path()))
    return render(request, "reporting/status.html", context, status=400 if error else 200)
