"""REST API over the registers: pregnancy and child records (their visits and exams: ``api_events``).

Thin over ``registers.selectors`` (reads, scoped to the caller's units) and ``registers.actions`` (writes,
through the page's forms: ``registers.api_entry``). A record outside the caller's units is 404, as on the
pages; a write the caller may not make (领导, or a unit the caller only reads) is 403. The API shows what
the record page shows: the ID number only as its last four digits.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import partial
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from ninja import Query, Router

from ducha.api_auth import actor_of
from ducha.api_contract import WRITE_ERRORS, contract, period_query, unit_query
from ducha.core.actor import actor_label
from ducha.core.api_helpers import id_path
from ducha.core.paging import api_page, page_query, page_schema, page_size_query
from ducha.core.periods import parse_period
from ducha.orgs.selectors import access_unit
from ducha.registers import selectors
from ducha.registers.actions import create_record, update_record
from ducha.registers.api_entry import bound_form, correct, sent_fields, submit
from ducha.registers.api_schemas import (
    ChildRecordDetailOut,
    ChildRecordIn,
    ChildRecordOut,
    ChildRecordPatch,
    IsoDate,
    PregnancyRecordDetailOut,
    PregnancyRecordIn,
    PregnancyRecordOut,
    PregnancyRecordPatch,
    with_body,
)
from ducha.registers.forms import (
    AntenatalVisitForm,
    ChildExamForm,
    ChildRecordForm,
    PostpartumVisitForm,
    PregnancyRecordForm,
)
from ducha.registers.models import ChildRecord, PregnancyRecord

router = Router(tags=["登记管理"])

PregnancyPageOut = page_schema("PregnancyRecordPage", PregnancyRecordOut, "孕产妇保健手册")
ChildPageOut = page_schema("ChildRecordPage", ChildRecordOut, "儿童保健手册")
WRITE = WRITE_ERRORS
RECORD_NO = r"^[^\x00-\x1f\x7f]{1,40}$"


def record_id_path(what: str) -> Any:
    return id_path(f"{what}的编号（id）")


def _unit_query() -> Any:
    return unit_query("只列该单位及其下级的手册（单位编码）；缺省为调用者可见的全部单位")


def _period_query(what: str) -> Any:
    return period_query(f"只列{what}在该期间内的手册：201201、2012-01、2012Q1、2012、2012MCH")


REGISTERED_FROM = Query(None, description="建册日期不早于（含），如 2012-01-01")
REGISTERED_TO = Query(None, description="建册日期不晚于（含），如 2012-03-31")
BORN_FROM = Query(None, description="出生日期不早于（含），如 2012-01-01")
BORN_TO = Query(None, description="出生日期不晚于（含），如 2012-03-31")


def _record_no_query() -> Any:
    return Query(None, pattern=RECORD_NO, max_length=40, description="手册编号（完全相同）", example="T01-2012-001")


# ---- reads ------------------------------------------------------------------------------------------

def _plain(value: Any) -> Any:
    return float(value) if isinstance(value, Decimal) else value


def _entry(obj: Any, names: list[str]) -> dict[str, Any]:
    meta = {"id": obj.pk, "version": obj.version, "created_at": obj.created_at,
            "created_by": actor_label(obj.created_by), "batch": obj.batch.file_name if obj.batch else "",
            "source_sheet": obj.source_sheet, "source_row": obj.source_row, "updated_at": obj.updated_at}
    return meta | {name: _plain(getattr(obj, name)) for name in names}


PREGNANCY_FIELDS = list(PregnancyRecordForm.Meta.fields)
CHILD_FIELDS = list(ChildRecordForm.Meta.fields)


def pregnancy_out(record: PregnancyRecord, visit_count: int | None = None) -> dict[str, Any]:
    count = visit_count if visit_count is not None else getattr(record, "visit_count", None)
    return _entry(record, PREGNANCY_FIELDS) | {
        "unit": record.org_unit.code, "unit_name": record.org_unit.name, "id_last4": record.id_last4,
        "antenatal_visit_count": count if count is not None else record.antenatal_visits.count()}


def child_out(record: ChildRecord, exam_count: int | None = None) -> dict[str, Any]:
    count = exam_count if exam_count is not None else getattr(record, "exam_count", None)
    mother = record.mother
    return _entry(record, CHILD_FIELDS) | {
        "unit": record.org_unit.code, "unit_name": record.org_unit.name,
        "mother_id": mother.pk if mother else None, "mother_no": mother.record_no if mother else "",
        "exam_count": count if count is not None else record.exams.count()}


def event_out(event: Any, form_class: Any) -> dict[str, Any]:
    return _entry(event, list(form_class.Meta.fields))


def _record_page(qs: QuerySet[Any], out: Callable[[Any], dict[str, Any]], *, date_field: str, period: str | None,
                 date_from: date | None, date_to: date | None, record_no: str | None, page: int,
                 page_size: int) -> dict[str, Any]:
    """One page of the records in ``qs`` whose ``date_field`` is within the period and dates asked for."""
    start, end = date_from, date_to
    if period:
        per = parse_period(period)
        start, end = max(filter(None, [start, per.start])), min(filter(None, [end, per.end]))
    rows = api_page(selectors.filter_records(qs, date_field=date_field, start=start, end=end,
                                             record_no=record_no or ""), page, page_size)
    return rows.answer([out(r) for r in rows.items])


@router.get("/pregnancy-records", **contract(PregnancyPageOut), summary="孕产妇保健手册列表")
def list_pregnancy_records(
    request: HttpRequest, unit: str | None = _unit_query(), period: str | None = _period_query("建册日期"),
    date_from: IsoDate | None = REGISTERED_FROM, date_to: IsoDate | None = REGISTERED_TO,
    record_no: str | None = _record_no_query(), page: int = page_query(), page_size: int = page_size_query(),
) -> dict[str, Any]:
    """调用者可见单位的孕产妇保健手册，按单位、建册日期（新的在前）排列，分页；内容与手册页面相同（身份证号只给后四位）。"""
    actor = actor_of(request)
    root = access_unit(actor, unit) if unit else None
    qs = selectors.pregnancy_records(actor, unit=root).select_related("created_by", "batch")
    return _record_page(qs, pregnancy_out, date_field="registered_on", period=period, date_from=date_from,
                        date_to=date_to, record_no=record_no, page=page, page_size=page_size)


@router.get("/child-records", **contract(ChildPageOut), summary="儿童保健手册列表")
def list_child_records(
    request: HttpRequest, unit: str | None = _unit_query(), period: str | None = _period_query("出生日期"),
    date_from: IsoDate | None = BORN_FROM, date_to: IsoDate | None = BORN_TO,
    record_no: str | None = _record_no_query(), page: int = page_query(), page_size: int = page_size_query(),
) -> dict[str, Any]:
    """调用者可见单位的儿童保健手册，按单位、出生日期（新的在前）排列，分页。"""
    actor = actor_of(request)
    root = access_unit(actor, unit) if unit else None
    qs = selectors.child_records(actor, unit=root).select_related("created_by", "batch", "mother")
    return _record_page(qs, child_out, date_field="birth_date", period=period, date_from=date_from,
                        date_to=date_to, record_no=record_no, page=page, page_size=page_size)


def pregnancy_detail(record: PregnancyRecord) -> dict[str, Any]:
    antenatal = list(selectors.antenatal_visits(record))
    return pregnancy_out(record, len(antenatal)) | {
        "antenatal_visits": [event_out(v, AntenatalVisitForm) for v in antenatal],
        "postpartum_visits": [event_out(v, PostpartumVisitForm) for v in selectors.postpartum_visits(record)],
        "children": list(record.children.order_by("pk").values_list("pk", flat=True)),
    }


def child_detail(record: ChildRecord) -> dict[str, Any]:
    exams = list(selectors.child_exams(record))
    return child_out(record, len(exams)) | {"exams": [event_out(e, ChildExamForm) for e in exams]}


@router.get("/pregnancy-records/{record_id}", **contract(PregnancyRecordDetailOut), summary="一本孕产妇保健手册")
def get_pregnancy_record(request: HttpRequest, record_id: int = record_id_path("孕产妇保健手册")) -> dict[str, Any]:
    """手册的全部字段及其产前检查、产后访视；不存在或不在调用者权限范围内时 404。"""
    return pregnancy_detail(selectors.access_pregnancy_record(actor_of(request), record_id))


@router.get("/child-records/{record_id}", **contract(ChildRecordDetailOut), summary="一本儿童保健手册")
def get_child_record(request: HttpRequest, record_id: int = record_id_path("儿童保健手册")) -> dict[str, Any]:
    """手册的全部字段及其体检；不存在或不在调用者权限范围内时 404。"""
    return child_detail(selectors.access_child_record(actor_of(request), record_id))


# ---- writes -----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class RecordKind:
    model: type[Any]
    form: type[Any]
    access: Callable[..., Any]  # selectors.access_…_record(actor, pk, write=…)
    detail: Callable[[Any], dict[str, Any]]
    form_takes_unit: bool = False  # the child form checks the mother's record number within the unit


PREGNANCY = RecordKind(PregnancyRecord, PregnancyRecordForm, selectors.access_pregnancy_record, pregnancy_detail)
CHILD = RecordKind(ChildRecord, ChildRecordForm, selectors.access_child_record, child_detail, form_takes_unit=True)


def _create(request: HttpRequest, payload: Any, kind: RecordKind) -> dict[str, Any] | HttpResponse:
    actor = actor_of(request)
    unit = selectors.access_entry_unit(actor, payload.unit)
    form_kwargs = {"unit": unit} if kind.form_takes_unit else {}
    form = bound_form(kind.form, sent_fields(payload, skip=("unit",)), **form_kwargs)
    return submit(form, lambda values: create_record(actor=actor, model=kind.model, unit=unit, values=values),
                  lambda saved: kind.detail(kind.access(actor, saved.pk)))


def _update(request: HttpRequest, payload: Any, record_id: int, kind: RecordKind) -> dict[str, Any] | HttpResponse:
    actor = actor_of(request)
    record = kind.access(actor, record_id, write=True)
    return correct(kind.form, record, payload, partial(update_record, actor=actor, record=record),
                   lambda _: kind.detail(kind.access(actor, record_id)))


@router.post("/pregnancy-records", **contract(PregnancyRecordDetailOut, WRITE), summary="新建孕产妇保健手册")
@with_body(PregnancyRecordIn)
def create_pregnancy_record(request: HttpRequest, payload: Any) -> dict[str, Any] | HttpResponse:
    """与网页“新建孕产妇手册”同一校验、同一动作；未传的字段为空。同一单位的手册编号不能重复（422）。"""
    return _create(request, payload, PREGNANCY)


@router.post("/child-records", **contract(ChildRecordDetailOut, WRITE), summary="新建儿童保健手册")
@with_body(ChildRecordIn)
def create_child_record(request: HttpRequest, payload: Any) -> dict[str, Any] | HttpResponse:
    """与网页“新建儿童手册”同一校验、同一动作；性别和出生日期必填，母亲手册编号须是同一单位的手册。"""
    return _create(request, payload, CHILD)


@router.patch("/pregnancy-records/{record_id}", **contract(PregnancyRecordDetailOut, WRITE),
              summary="修改孕产妇保健手册")
@with_body(PregnancyRecordPatch)
def update_pregnancy_record(request: HttpRequest, payload: Any,
                            record_id: int = record_id_path("孕产妇保健手册")) -> dict[str, Any] | HttpResponse:
    """只传要改的字段和 ``based_on``（读取时的 version）；与网页“修改手册”同一校验。录入信息（录入人、时间、批次）不变。"""
    return _update(request, payload, record_id, PREGNANCY)


@router.patch("/child-records/{record_id}", **contract(ChildRecordDetailOut, WRITE), summary="修改儿童保健手册")
@with_body(ChildRecordPatch)
def update_child_record(request: HttpRequest, payload: Any,
                        record_id: int = record_id_path("儿童保健手册")) -> dict[str, Any] | HttpResponse:
    """只传要改的字段和 ``based_on``（读取时的 version）；与网页“修改手册”同一校验。"""
    return _update(request, payload, record_id, CHILD)
