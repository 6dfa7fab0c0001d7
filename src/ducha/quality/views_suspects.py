"""Pages of suspect records: the list (each unit's top records, then all of them paged and filtered) and
one record's page (why it is suspect). Thin over ``selectors_suspects``."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from ducha.core.pickers import period_choices, read_period
from ducha.orgs.pickers import read_unit, unit_picker
from ducha.quality.selectors import latest_run
from ducha.quality.selectors_suspects import Z_NAMES, record_checks, suspect_detail, suspect_page, top_by_unit
from ducha.reporting.selectors import latest_quarter_with_data


def _read_check(request: HttpRequest) -> tuple[str, str]:
    """The ``check`` parameter if it names a check that can flag a record, else "" with a Chinese error."""
    raw = request.GET.get("check", "").strip()[:20]
    if not raw or raw in {c.id for c in record_checks()}:
        return raw, ""
    return "", f"没有编号为“{raw}”的检查（或该检查不针对单本手册），已显示全部可疑手册"


@login_required
def suspect_list(request: HttpRequest) -> HttpResponse:
    root = read_unit(request)
    latest = latest_quarter_with_data()
    period, period_error = read_period(request, latest)
    check_id, check_error = _read_check(request)
    run = latest_run(request.user, period=period, root=root)
    params = {"unit": root.code, "period": period.code, "check": check_id}
    context = {
        "title": "可疑手册", "root": root, "period": period, "period_error": period_error,
        "check_error": check_error, "check_id": check_id, "checks": record_checks(),
        "period_groups": period_choices(period, latest), "units": unit_picker(request.user), "run": run,
        "tops": top_by_unit(request.user, run, root, check_id=check_id) if run else [],
        "page": suspect_page(request.user, run, root, check_id=check_id, page=request.GET.get("page")) if run else None,
        "base_query": urlencode({k: v for k, v in params.items() if v}),
    }
    status = 400 if period_error or check_error else 200
    return render(request, "quality/suspects.html", context, status=status)


@login_required
def suspect_record(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    raw = request.GET.get("run", "").strip()
    if raw and not (raw.isascii() and raw.isdigit() and len(raw) < 12):
        raise Http404("没有这次质量检查")
    detail = suspect_detail(request.user, kind, pk, run_id=int(raw) if raw else None)
    title = f"{detail.record.record_no} {detail.record.name}".strip()
    return render(request, "quality/suspect.html", {"title": f"为什么可疑：{title}", "d": detail,
                                                    "record_title": title, "z_names": list(Z_NAMES.values())})
