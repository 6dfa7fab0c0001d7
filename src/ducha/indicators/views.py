"""Pages of indicators: the home dashboard (reporting and key indicators) and the indicator table."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from ducha.core.page_cache import cached_body
from ducha.core.periods import Period
from ducha.core.pickers import period_choices, read_period
from ducha.core.reporting_rates import completeness, reporting_targets, timeliness
from ducha.indicators.export import table_to_csv, table_to_xlsx
from ducha.indicators.selectors import (
    IndicatorTable,
    IndicatorValue,
    indicator_choices,
    indicator_table,
    key_indicator_codes,
)
from ducha.orgs.models import OrgUnit
from ducha.orgs.pickers import read_unit, unit_picker
from ducha.reporting.selectors import UnitReporting, get_data_set, latest_quarter_with_data, reporting_status


@dataclass
class IndicatorPanel:
    """One indicator for the dashboard: the root's total, the ranked units, who met the task, chart data."""

    total: IndicatorValue
    peers: list[IndicatorValue]
    met: list[IndicatorValue] = field(default_factory=list)
    missed: list[IndicatorValue] = field(default_factory=list)
    no_target: list[IndicatorValue] = field(default_factory=list)

    @property
    def code(self) -> str:
        return self.total.indicator_code

    def chart(self) -> dict[str, Any]:
        return {
            "name": self.total.indicator_name,
            "unit_label": self.total.factor_label,
            "is_count": self.total.is_count,
            "categories": [r.unit_label for r in self.peers],
            "values": [_round(r.value) for r in self.peers],
            "targets": [_round(r.target) for r in self.peers],
            "met": [r.target_met for r in self.peers],
            "total": _round(self.total.value),
        }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def build_panel(table: IndicatorTable, code: str) -> IndicatorPanel:
    peers = table.peers(code)
    return IndicatorPanel(
        total=table.total(code), peers=peers,
        met=[r for r in peers if r.target_met is True],
        missed=[r for r in peers if r.target_met is False],
        no_target=[r for r in peers if r.target_met is None],
    )


def reporting_summary(rows: list[UnitReporting]) -> dict[str, Any]:
    expected = sum(r.expected for r in rows)
    received = sum(r.received for r in rows)
    timely = sum(r.timely for r in rows)
    return {
        "units": len(rows),
        "expected": expected,
        "received": received,
        "timely": timely,
        "completeness": completeness(received, expected),
        "timeliness": timeliness(timely, expected),
        "missing_units": [r for r in rows if r.missing_periods],
        "late_units": [r for r in rows if r.late_periods],
        "missing_text": "、".join(f"{r.unit.label}（{month_labels(r.missing_periods)}）" for r in rows
                                 if r.missing_periods),
        "late_text": "、".join(f"{r.unit.label}（{month_labels(r.late_periods)}）" for r in rows if r.late_periods),
    }


def month_labels(codes: list[str]) -> str:
    """``["201202", "201203"]`` → ``2月、3月`` (with the year when the months span two years)."""
    with_year = len({c[:4] for c in codes}) > 1
    return "、".join(f"{c[:4]}年{int(c[4:])}月" if with_year else f"{int(c[4:])}月" for c in codes)


def status_rows(rows: list[UnitReporting]) -> list[dict[str, Any]]:
    return [{"row": r, "missing": month_labels(r.missing_periods), "late": month_labels(r.late_periods)}
            for r in rows]


def _dashboard_query(root: OrgUnit, period: Period, code: str = "") -> str:
    params = {"period": period.code, "unit": root.code}
    if code:
        params["indicator"] = code
    return urlencode(params)


def _panel_context(root: OrgUnit, period: Period, panel: IndicatorPanel | None,
                   codes: list[tuple[str, str]]) -> dict[str, Any]:
    return {"root": root, "period": period, "panel": panel,
            "tabs": [(c, name, _dashboard_query(root, period, c)) for c, name in codes],
            "chart_id": f"chart-{panel.code}" if panel else ""}


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The dashboard: reporting completeness/timeliness per unit and the key indicators against targets."""
    body, status, frame = cached_body(request, "indicators/_home_body.html",
                                      build=lambda: _home_context(request))
    return render(request, "indicators/home.html", {**frame, "body": body}, status=status)


def _home_context(request: HttpRequest) -> tuple[dict[str, Any], int]:
    root = read_unit(request)
    latest = latest_quarter_with_data()
    period, period_error = read_period(request, latest)
    table = indicator_table(request.user, period=period, root=root, codes=key_indicator_codes())
    panels = [build_panel(table, c) for c in table.indicator_codes()]
    wanted = request.GET.get("indicator", "")
    selected = next((p for p in panels if p.code == wanted), panels[0] if panels else None)
    status = reporting_status(request.user, data_set=get_data_set(), period=period, root=root)
    tabs = [(p.code, p.total.indicator_name) for p in panels]
    context = {
        "frame": {"title": "首页"}, "root": root, "period": period, "period_error": period_error,
        "period_groups": period_choices(period, latest),
        "units": unit_picker(request.user), "panels": panels,
        "status": status_rows(status), "summary": reporting_summary(status), "targets": reporting_targets(),
        "key_met": sum(1 for p in panels if p.total.target_met is True),
        **_panel_context(root, period, selected, tabs),
    }
    return context, 400 if period_error else 200


@login_required
def dashboard_panel(request: HttpRequest) -> HttpResponse:
    """htmx fragment: one key indicator's chart, ranked table and met/missed lists."""
    root = read_unit(request)
    period, period_error = read_period(request, latest_quarter_with_data())
    codes = key_indicator_codes()
    code = request.GET.get("indicator", "")
    if period_error or code not in codes:
        return HttpResponse(period_error or "未知的重点指标", status=400, content_type="text/plain; charset=utf-8")
    table = indicator_table(request.user, period=period, root=root, codes=[code])
    tabs = indicator_choices(codes)
    context = _panel_context(root, period, build_panel(table, code), tabs)
    return render(request, "indicators/_panel.html", context)


def _table_request(request: HttpRequest) -> tuple[IndicatorTable | None, dict[str, Any]]:
    root = read_unit(request)
    latest = latest_quarter_with_data()
    period, period_error = read_period(request, latest)
    all_indicators = indicator_choices()
    wanted = request.GET.get("indicator", "").strip()
    level: Literal["children", "all"] = "all" if request.GET.get("level") == "all" else "children"
    errors = [period_error] if period_error else []
    if wanted and wanted not in {c for c, _ in all_indicators}:
        errors.append(f"没有编码为“{wanted}”的指标")
    table = None
    if not errors:
        table = indicator_table(request.user, period=period, root=root, codes=[wanted] if wanted else None,
                                level=level)
    query = urlencode({"unit": root.code, "period": period.code, "indicator": wanted, "level": level})
    context = {
        "root": root, "period": period, "errors": errors, "indicator": wanted, "level": level,
        "indicators": all_indicators, "units": unit_picker(request.user, villages=True),
        "period_groups": period_choices(period, latest), "query": query,
    }
    return table, context


@dataclass
class IndicatorGroup:
    """One indicator on the indicators page: its total, how many units met the target, and its unit rows
    (only for the groups shown open; the others load theirs when opened, ``indicator_group_rows``)."""

    total: IndicatorValue
    units: int
    met: int
    with_target: int
    rows: list[IndicatorValue] | None


def indicator_groups(table: IndicatorTable, open_codes: set[str]) -> list[IndicatorGroup]:
    groups = []
    for code in table.indicator_codes():
        peers = table.peers(code)
        judged = [r for r in peers if r.target_met is not None]
        groups.append(IndicatorGroup(table.total(code), len(peers), sum(1 for r in judged if r.target_met),
                                     len(judged), peers if code in open_codes else None))
    return groups


@login_required
def indicator_list(request: HttpRequest) -> HttpResponse:
    """Indicator values of any unit in scope for any period, grouped by indicator: each indicator's total
    and target summary; the unit rows of the first (or the chosen) indicator, the others on demand."""
    body, status, frame = cached_body(request, "indicators/_list_body.html",
                                      build=lambda: _list_context(request))
    return render(request, "indicators/list.html", {**frame, "body": body}, status=status)


def _list_context(request: HttpRequest) -> tuple[dict[str, Any], int]:
    table, context = _table_request(request)
    context["frame"] = {"title": "指标"}
    codes = table.indicator_codes() if table else []
    context["groups"] = groups = indicator_groups(table, set(codes[:1])) if table else []
    context["rows"] = [row for g in groups if g.rows is not None for row in (g.total, *g.rows)]  # shown in full
    return context, 400 if context["errors"] else 200


@login_required
def indicator_group_rows(request: HttpRequest) -> HttpResponse:
    """The unit rows of one indicator (``?indicator=``), loaded when its group is opened."""
    table, context = _table_request(request)
    if table is None or not context["indicator"]:
        return HttpResponse("；".join(context["errors"]) or "请指定指标", status=400,
                            content_type="text/plain; charset=utf-8")
    context["rows"] = table.peers(context["indicator"])
    return render(request, "indicators/_group_rows.html", context)


@login_required
def indicator_export(request: HttpRequest, fmt: str) -> HttpResponse:
    """The same table as CSV (UTF-8 with BOM, opens in Excel) or as an .xlsx workbook."""
    table, context = _table_request(request)
    if table is None:
        return HttpResponse("；".join(context["errors"]), status=400, content_type="text/plain; charset=utf-8")
    filename = f"indicators_{table.root.code}_{table.period.code}.{fmt}"
    if fmt == "csv":
        response = HttpResponse("\ufeff" + table_to_csv(table), content_type="text/csv; charset=utf-8")
    else:
        response = HttpResponse(
            table_to_xlsx(table),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
