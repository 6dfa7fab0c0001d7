"""Pages of the Excel workflow: download a pre-filled template, upload it filled (all or nothing)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.http import content_disposition_header

from ducha.core.actor import Actor
from ducha.core.locking import BusyError
from ducha.core.periods import Period, PeriodError, parse_period, quarter
from ducha.core.pickers import period_choices
from ducha.orgs.models import OrgUnit
from ducha.orgs.selectors import can_write, writable_units
from ducha.reporting.actions import ReportError, ReportInput, SaveResult, import_reports
from ducha.reporting.data_set_picker import reported_data_sets
from ducha.reporting.excel import (
    ImportFileError,
    build_template,
    read_reports_workbook,
    template_file_name,
    template_units,
)
from ducha.reporting.forms import TemplateForm, UploadForm
from ducha.reporting.models import DataSet
from ducha.reporting.selectors import latest_month_with_data, template_cells

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _writable_data_sets(actor: Actor) -> QuerySet[DataSet]:
    return DataSet.objects.filter(org_units__in=writable_units(actor)).distinct().order_by("code")


def _require_writer(actor: Actor) -> QuerySet[DataSet]:
    if not can_write(actor):
        raise PermissionDenied("您的角色只能查看数据，不能下载填报模板或上传报表")
    return _writable_data_sets(actor)


def _default_data_set(request: HttpRequest, data_sets: QuerySet[DataSet]) -> str:
    """``?data_set=`` when the actor may fill it in, else the data set most of the actor's writable units report."""
    asked = request.GET.get("data_set", "").strip()
    if asked and data_sets.filter(code=asked).exists():
        return asked
    mine = reported_data_sets(request.user, write=True)
    return mine[0].code if mine else ""


def _default_quarter(request: HttpRequest, data_sets: QuerySet[DataSet], code: str) -> Period:
    """The quarter of the latest month with data of that data set in the actor's units, else this quarter."""
    data_set = data_sets.filter(code=code).first()
    latest = latest_month_with_data(request.user, data_set) if data_set else None
    day = latest.start if latest else timezone.localdate()
    return quarter(day.year, (day.month - 1) // 3 + 1)


def _initial(request: HttpRequest, data_sets: QuerySet[DataSet]) -> dict[str, str]:
    code = _default_data_set(request, data_sets)
    return {"data_set": code, "period": _default_quarter(request, data_sets, code).code}


def _template_form(request: HttpRequest, data_sets: QuerySet[DataSet], data: Any = None) -> TemplateForm:
    initial = _initial(request, data_sets)
    default = parse_period(initial["period"])
    try:
        selected = parse_period(data["period"]) if data and data.get("period") else default
    except PeriodError:
        selected = default
    return TemplateForm(data, data_sets=data_sets, initial=initial, period_groups=period_choices(selected, default))


def _page(request: HttpRequest, data_sets: QuerySet[DataSet], status: int = 200, **extra: Any) -> HttpResponse:
    context = {
        "title": "Excel 模板与导入",
        "template_form": extra.pop("template_form", None) or _template_form(request, data_sets),
        "upload_form": extra.pop("upload_form", None) or UploadForm(
            data_sets=data_sets, initial={"data_set": _default_data_set(request, data_sets)}),
        **extra,
    }
    return render(request, "reporting/upload.html", context, status=status)


@login_required
def template_download(request: HttpRequest) -> HttpResponse:
    data_sets = _require_writer(request.user)
    form = _template_form(request, data_sets, request.GET or None)
    if not form.is_valid():
        return _page(request, data_sets, status=400, template_form=form)
    data_set, period = form.cleaned_data["data_set"], form.cleaned_data["period"]
    units = template_units(request.user, data_set)
    if not units:
        raise PermissionDenied(f"您没有需要填报“{data_set.name}”的单位")
    if period.start > timezone.localdate():
        form.add_error("period", f"期间“{period.label}”尚未开始，不能下载未来期间的模板")
        return _page(request, data_sets, status=400, template_form=form)
    cells = template_cells(actor=request.user, data_set=data_set, units=units, period=period)
    values = {key: {code: c.value for code, c in row.items()} for key, row in cells.items()}
    versions = {key: {code: c.version for code, c in row.items()} for key, row in cells.items()}
    response = HttpResponse(build_template(data_set, period, units, values, versions=versions), content_type=XLSX)
    response["Content-Disposition"] = content_disposition_header(True, template_file_name(data_set, period)) or ""
    return response


def _summary(reports: list[ReportInput], results: list[SaveResult]) -> dict[str, Any]:
    names = dict(OrgUnit.objects.filter(code__in={r.unit_code for r in reports}).values_list("code", "name"))
    return {
        "reports": len(reports),
        "units": len({r.unit_code for r in reports}),
        "periods": sorted({r.period.code for r in reports}),
        "values": sum(1 for r in reports for v in r.values.values() if v is not None),
        "changed": sum(len(r.changed) for r in results),
        "violations": [(names.get(v.org_unit_code, v.org_unit_code), v) for r in results for v in r.violations],
    }


@login_required
def upload(request: HttpRequest) -> HttpResponse:
    data_sets = _require_writer(request.user)
    if request.method != "POST":
        return _page(request, data_sets)
    form = UploadForm(request.POST, request.FILES, data_sets=data_sets)
    if not form.is_valid():
        return _page(request, data_sets, upload_form=form)
    data_set, uploaded = form.cleaned_data["data_set"], form.cleaned_data["file"]
    try:
        reports = read_reports_workbook(uploaded, data_set=data_set, actor=request.user, file_label=uploaded.name)
    except ImportFileError as err:
        return _page(request, data_sets, upload_form=form, import_error=err, problems=err.shown,
                     file_name=uploaded.name)
    try:
        results = import_reports(actor=request.user, data_set=data_set, reports=reports,
                                 overwrite=form.cleaned_data.get("overwrite", False))
    except ImportFileError as err:  # values changed since the template was downloaded (IMP050/IMP051)
        return _page(request, data_sets, upload_form=form, import_error=err, problems=err.shown,
                     file_name=uploaded.name)
    except BusyError as err:
        return _page(request, data_sets, upload_form=form, save_error=str(err), file_name=uploaded.name)
    except (ReportError, PermissionDenied, Http404) as err:
        return _page(request, data_sets, upload_form=form, save_error=str(err), file_name=uploaded.name)
    return _page(request, data_sets, summary=_summary(reports, results), file_name=uploaded.name,
                 data_set=data_set)
