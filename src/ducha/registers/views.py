"""Register pages: list and search, record detail, entry/correction forms, file upload, blank templates.

Thin: parse input, call selectors/actions, render. A record outside the actor's units is 404; a write
the actor may not make (领导, or another unit's record) is 403.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header

from ducha.core.excel_io import ImportFileError
from ducha.core.locking import BusyError
from ducha.orgs.models import OrgUnit
from ducha.orgs.pickers import unit_picker
from ducha.orgs.selectors import can_write, visible_units, writable_units
from ducha.registers import selectors
from ducha.registers.actions import (
    RecordConflict,
    create_event,
    create_record,
    import_registers,
    update_event,
    update_record,
)
from ducha.registers.forms import (
    AntenatalVisitForm,
    ChildExamForm,
    ChildRecordForm,
    PostpartumVisitForm,
    PregnancyRecordForm,
    UnitChoiceForm,
    UploadForm,
    refreshed_form,
)
from ducha.registers.import_write import COUNT_LABELS, ImportResult
from ducha.registers.models import AntenatalVisit, ChildExam, ChildRecord, PostpartumVisit, PregnancyRecord
from ducha.registers.templates_xlsx import CSV_TABLES, TEMPLATES, build_csv_template, build_template

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PAGE_SIZE = 50


@login_required
def register_list(request: HttpRequest) -> HttpResponse:
    tab = "child" if request.GET.get("tab") == "child" else "pregnancy"
    query = request.GET.get("q", "").strip()[:50]
    unit_code = request.GET.get("unit", "")
    unit = visible_units(request.user).filter(code=unit_code).first() if unit_code else None
    if tab == "child":
        qs: Any = selectors.child_records(request.user, unit=unit, query=query)
    else:
        qs = selectors.pregnancy_records(request.user, unit=unit, query=query)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    params = {"tab": tab, "q": query, "unit": unit.code if unit else ""}
    return render(request, "registers/list.html", {
        "title": "登记管理", "tab": tab, "page": page, "query": query, "unit": unit,
        "units": unit_picker(request.user), "can_write": can_write(request.user),
        "base_query": urlencode({k: v for k, v in params.items() if v}),
    })


def _deny_leader_post(request: HttpRequest) -> None:
    if request.method == "POST" and not can_write(request.user):
        raise PermissionDenied("您的角色只能查看登记数据，不能修改")


@login_required
def pregnancy_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _deny_leader_post(request)
    record = selectors.access_pregnancy_record(request.user, pk)
    return render(request, "registers/pregnancy_detail.html", {
        "title": f"孕产妇保健手册 {record.record_no}", "record": record,
        "can_edit": selectors.can_edit(request.user, record.org_unit),
        "antenatal": selectors.antenatal_visits(record), "postpartum": selectors.postpartum_visits(record),
        "children": record.children.all(),
    })


@login_required
def child_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _deny_leader_post(request)
    record = selectors.access_child_record(request.user, pk)
    return render(request, "registers/child_detail.html", {
        "title": f"儿童保健手册 {record.record_no}", "record": record,
        "can_edit": selectors.can_edit(request.user, record.org_unit), "exams": selectors.child_exams(record),
    })


def _form_page(request: HttpRequest, form: Any, *, title: str, back: str, record: Any = None,
               unit_form: Any = None, status: int = 200, version: int | None = None,
               conflicts: list[str] | None = None) -> HttpResponse:
    return render(request, "registers/form.html", {"title": title, "form": form, "back": back, "record": record,
                                                   "unit_form": unit_form, "version": version,
                                                   "conflicts": conflicts or []}, status=status)


def _apply_errors(form: Any, err: ValidationError) -> None:
    for field, messages_ in err.message_dict.items():
        form.add_error(field if field in form.fields else None, messages_)


def _record_new(request: HttpRequest, model: Any, form_class: Any, title: str, detail: str) -> HttpResponse:
    if not can_write(request.user):
        raise PermissionDenied("您的角色只能查看登记数据，不能录入")
    units = writable_units(request.user).exclude(kind="village_clinic").order_by("sort_order", "code")
    unit_form = UnitChoiceForm(request.POST or None, units=units)
    unit = unit_form.cleaned_data["unit"] if request.method == "POST" and unit_form.is_valid() else None
    kwargs = {"unit": unit} if form_class is ChildRecordForm else {}
    form = form_class(request.POST or None, **kwargs)
    if request.method == "POST" and form.is_valid() and unit is not None:
        try:
            record = create_record(actor=request.user, model=model, unit=unit, values=form.values())
        except ValidationError as err:
            _apply_errors(form, err)
        except BusyError as err:
            form.add_error(None, str(err))
        else:
            messages.success(request, f"已录入{title.removeprefix('新建')} {record.record_no}")
            return redirect(detail, pk=record.pk)
    return _form_page(request, form, title=title, back=reverse("registers:list"), unit_form=unit_form,
                      status=400 if request.method == "POST" else 200)


@login_required
def pregnancy_new(request: HttpRequest) -> HttpResponse:
    return _record_new(request, PregnancyRecord, PregnancyRecordForm, "新建孕产妇保健手册", "registers:pregnancy_detail")


@login_required
def child_new(request: HttpRequest) -> HttpResponse:
    return _record_new(request, ChildRecord, ChildRecordForm, "新建儿童保健手册", "registers:child_detail")


def _posted_version(request: HttpRequest, form: Any) -> int | None:
    raw = request.POST.get("version", "").strip()
    if raw.isascii() and raw.isdigit() and len(raw) < 12:
        return int(raw)
    form.add_error(None, "页面缺少版本信息（可能是很早以前打开的页面），没有保存任何内容：请重新打开后再修改")
    return None


def _edit(request: HttpRequest, form: Any, update: Any, **kwargs: Any) -> tuple[Any, int, list[str]]:
    """Save an edit based on the posted version; on a conflict the form refreshed to the stored record.

    Returns the form to show, the status (302 = saved) and the conflict messages.
    """
    version = _posted_version(request, form)
    if version is None:
        return form, 400, []
    values = form.values()
    try:
        changed = update(actor=request.user, values=values, based_on=version, shown=form.shown_values(values),
                         **kwargs)
    except RecordConflict as err:
        fresh = refreshed_form(form, err.current, **({"record": form.record} if form.record else {}))
        for field, message in err.messages_by_field.items():
            name = "mother_no" if field == "mother" else field
            fresh.add_error(name if name in fresh.fields else None, message)
        return fresh, 409, list(err.messages_by_field.values())
    except ValidationError as err:
        _apply_errors(form, err)
        return form, 400, []
    except BusyError as err:
        form.add_error(None, str(err))
        return form, 503, []
    messages.success(request, f"已保存，修改了 {len(changed)} 项" if changed else "没有修改任何内容")
    return form, 302, []


def _record_edit(request: HttpRequest, record: Any, form_class: Any, title: str, detail: str) -> HttpResponse:
    form = form_class(request.POST or None, instance=record)
    back = reverse(detail, args=[record.pk])
    status, conflicts = (400 if request.method == "POST" else 200), list[str]()
    if request.method == "POST" and form.is_valid():
        form, status, conflicts = _edit(request, form, update_record, record=record)
        if status == 302:
            return redirect(back)
    version = form.instance.version if status == 409 else record.version
    return _form_page(request, form, title=title, back=back, record=record, status=status, version=version,
                      conflicts=conflicts)


@login_required
def pregnancy_edit(request: HttpRequest, pk: int) -> HttpResponse:
    record = selectors.access_pregnancy_record(request.user, pk, write=True)
    return _record_edit(request, record, PregnancyRecordForm, f"修改孕产妇保健手册 {record.record_no}",
                        "registers:pregnancy_detail")


@login_required
def child_edit(request: HttpRequest, pk: int) -> HttpResponse:
    record = selectors.access_child_record(request.user, pk, write=True)
    return _record_edit(request, record, ChildRecordForm, f"修改儿童保健手册 {record.record_no}",
                        "registers:child_detail")


def _event_page(request: HttpRequest, record: Any, event: Any, model: Any, form_class: Any, title: str,
                detail: str) -> HttpResponse:
    form = form_class(request.POST or None, instance=event, record=record)
    back = reverse(detail, args=[record.pk])
    status, conflicts = (400 if request.method == "POST" else 200), list[str]()
    if request.method == "POST" and form.is_valid() and event is not None:
        form, status, conflicts = _edit(request, form, update_event, event=event)
        if status == 302:
            return redirect(back)
    elif request.method == "POST" and form.is_valid():
        try:
            create_event(actor=request.user, model=model, record=record, values=form.values())
        except ValidationError as err:
            _apply_errors(form, err)
        except BusyError as err:
            form.add_error(None, str(err))
        else:
            messages.success(request, f"已保存{title.removeprefix('新增').removeprefix('修改')}")
            return redirect(back)
    version = None if event is None else (form.instance.version if status == 409 else event.version)
    return _form_page(request, form, title=title, back=back, record=record, status=status, version=version,
                      conflicts=conflicts)


EVENTS: dict[str, tuple[Any, ...]] = {
    "antenatal": (AntenatalVisit, AntenatalVisitForm, "产前检查", selectors.access_antenatal_visit,
                  selectors.access_pregnancy_record, "registers:pregnancy_detail"),
    "postpartum": (PostpartumVisit, PostpartumVisitForm, "产后访视", selectors.access_postpartum_visit,
                   selectors.access_pregnancy_record, "registers:pregnancy_detail"),
    "exam": (ChildExam, ChildExamForm, "儿童体检", selectors.access_child_exam, selectors.access_child_record,
             "registers:child_detail"),
}


@login_required
def event_form(request: HttpRequest, kind: str, pk: int, event_pk: int | None = None) -> HttpResponse:
    if kind not in EVENTS:
        raise Http404("没有这种登记")
    model, form_class, label, access_event, access_record, detail = EVENTS[kind]
    record = access_record(request.user, pk, write=True)
    event = access_event(request.user, record, event_pk, write=True) if event_pk is not None else None
    title = f"{'修改' if event else '新增'}{label}（手册 {record.record_no} {record.name}）"
    return _event_page(request, record, event, model, form_class, title, detail)


def import_summary(result: ImportResult) -> dict[str, Any]:
    totals = result.totals
    names = dict(OrgUnit.objects.filter(code__in=result.by_unit).values_list("code", "name"))
    return {
        "totals": [(label, totals[key]) for key, label in COUNT_LABELS.items() if totals[key]],
        "unit_rows": [(f"{names.get(code, code)}（{code}）", [counts[k] for k in COUNT_LABELS])
                      for code, counts in sorted(result.by_unit.items())],
    }


@login_required
def upload(request: HttpRequest) -> HttpResponse:
    if not can_write(request.user):
        raise PermissionDenied("您的角色只能查看登记数据，不能导入")
    form = UploadForm(request.POST or None, request.FILES or None)
    context: dict[str, Any] = {"title": "登记导入", "form": form, "templates": TEMPLATES.values(),
                               "csv_tables": CSV_TABLES, "count_labels": COUNT_LABELS}
    if request.method == "POST" and form.is_valid():
        uploads = form.cleaned_data["upload"]
        context["file_names"] = "、".join(u.name for u in uploads)
        try:
            result = import_registers(actor=request.user, files=[(u.name, u) for u in uploads])
        except ImportFileError as err:
            context["import_error"], context["problems"] = err, err.shown  # the first 20 of each id
        else:
            context["result"] = result
            context.update(import_summary(result))
    context["batches"] = selectors.recent_batches(request.user)
    status = 400 if request.method == "POST" and "result" not in context else 200
    return render(request, "registers/upload.html", context, status=status)


@login_required
def template_download(request: HttpRequest, name: str) -> HttpResponse:
    if name in TEMPLATES:
        data, file_name, content_type = build_template(name), TEMPLATES[name].file_name, XLSX
    elif name.removesuffix(".csv") in CSV_TABLES:
        table = name.removesuffix(".csv")
        data, file_name, content_type = build_csv_template(table), f"{table}.csv", "text/csv; charset=utf-8"
    else:
        raise Http404("没有这个模板")
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(True, file_name) or ""
    return response
