"""REST API over the visits and exams of a record: list, add, correct (antenatal, postpartum, child exams).

The same three operations for each kind, on the record's address: ``GET`` and ``POST
/{records}/{id}/{events}``, ``PATCH /{records}/{id}/{events}/{event_id}``. The record is reached first
(404 outside the caller's units, 403 for a write the caller may not make), then the visit within it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Router

from ducha.api_auth import actor_of
from ducha.api_contract import WRITE_ERRORS, contract
from ducha.registers import selectors
from ducha.registers.actions import create_event, update_event
from ducha.registers.api import event_out, record_id_path, router
from ducha.registers.api_entry import bound_form, correct, sent_fields, submit
from ducha.registers.api_schemas import (
    AntenatalVisitIn,
    AntenatalVisitOut,
    AntenatalVisitPatch,
    ChildExamIn,
    ChildExamOut,
    ChildExamPatch,
    PostpartumVisitIn,
    PostpartumVisitOut,
    PostpartumVisitPatch,
    with_body,
)
from ducha.registers.forms import AntenatalVisitForm, ChildExamForm, PostpartumVisitForm
from ducha.registers.models import AntenatalVisit, ChildExam, PostpartumVisit


@dataclass(frozen=True)
class EventKind:
    records: str  # address of the records: pregnancy-records
    events: str  # address of the events: antenatal-visits
    name: str  # operation ids: antenatal_visit
    label: str  # 产前检查
    record_label: str  # 孕产妇保健手册
    model: type[Any]
    form: type[Any]
    entry_in: Any
    patch_in: Any
    out: Any
    access_record: Callable[..., Any]
    access_event: Callable[..., Any]
    listed: Callable[[Any], Any]


KINDS = [
    EventKind("pregnancy-records", "antenatal-visits", "antenatal_visit", "产前检查", "孕产妇保健手册", AntenatalVisit,
              AntenatalVisitForm, AntenatalVisitIn, AntenatalVisitPatch, AntenatalVisitOut,
              selectors.access_pregnancy_record, selectors.access_antenatal_visit, selectors.antenatal_visits),
    EventKind("pregnancy-records", "postpartum-visits", "postpartum_visit", "产后访视", "孕产妇保健手册",
              PostpartumVisit, PostpartumVisitForm, PostpartumVisitIn, PostpartumVisitPatch, PostpartumVisitOut,
              selectors.access_pregnancy_record, selectors.access_postpartum_visit, selectors.postpartum_visits),
    EventKind("child-records", "exams", "child_exam", "儿童体检", "儿童保健手册", ChildExam, ChildExamForm,
              ChildExamIn, ChildExamPatch, ChildExamOut, selectors.access_child_record, selectors.access_child_exam,
              selectors.child_exams),
]


def add_event_routes(router: Router, kind: EventKind) -> None:
    """The list, add and correct operations of one kind of visit/exam."""
    base = f"/{kind.records}/{{record_id}}/{kind.events}"

    def list_events(request: HttpRequest, record_id: int = record_id_path(kind.record_label)) -> list[dict[str, Any]]:
        record = kind.access_record(actor_of(request), record_id)
        return [event_out(e, kind.form) for e in kind.listed(record)]

    def add_event(request: HttpRequest, payload: Any,
                  record_id: int = record_id_path(kind.record_label)) -> dict[str, Any] | HttpResponse:
        actor = actor_of(request)
        record = kind.access_record(actor, record_id, write=True)
        form = bound_form(kind.form, sent_fields(payload), record=record)
        return submit(form, lambda values: create_event(actor=actor, model=kind.model, record=record, values=values),
                      lambda saved: event_out(saved, kind.form))

    def correct_event(request: HttpRequest, payload: Any,
                      record_id: int = record_id_path(kind.record_label),
                      event_id: int = record_id_path(kind.label)) -> dict[str, Any] | HttpResponse:
        actor = actor_of(request)
        record = kind.access_record(actor, record_id, write=True)
        event = kind.access_event(actor, record, event_id, write=True)
        return correct(kind.form, event, payload, partial(update_event, actor=actor, event=event),
                       lambda _: event_out(kind.access_event(actor, record, event_id), kind.form), record=record)

    with_body(kind.entry_in)(add_event)
    with_body(kind.patch_in)(correct_event)
    listed = list[kind.out]  # type: ignore[name-defined]
    router.get(base, **contract(listed), summary=f"{kind.record_label}的{kind.label}",
               operation_id=f"list_{kind.name}s",
               description=f"一本手册的全部{kind.label}，按日期先后；手册不存在或无权查看时 404。")(list_events)
    router.post(base, **contract(kind.out, WRITE_ERRORS), summary=f"新增{kind.label}", operation_id=f"add_{kind.name}",
                description=f"与网页“新增{kind.label}”同一校验、同一动作；日期不能晚于今天，也不能早于手册的相关日期。"
                )(add_event)
    router.patch(f"{base}/{{event_id}}", **contract(kind.out, WRITE_ERRORS), summary=f"修改{kind.label}",
                 operation_id=f"update_{kind.name}",
                 description=f"只传要改的字段和 based_on（读取时的 version）；与网页“修改{kind.label}”同一校验。")(correct_event)


for _kind in KINDS:
    add_event_routes(router, _kind)
