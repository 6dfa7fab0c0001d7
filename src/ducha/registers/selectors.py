"""Reads of the registers, always scoped to the units the actor may see.

- a record is *visible* when its responsible unit is visible to the actor (``orgs.selectors``);
- it is *writable* when that unit is writable (妇幼专干 of the unit, 督查员, 系统管理员; 领导 only reads);
- a record outside the actor's units does not exist for them (404), a write they may not make is 403.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q, QuerySet
from django.http import Http404

from ducha.core.actor import Actor, actor_user
from ducha.orgs.models import OrgUnit, OrgUnitKind
from ducha.orgs.selectors import access_unit, can_write, visible_units, writable_units
from ducha.registers.models import (
    AntenatalVisit,
    ChildExam,
    ChildRecord,
    ImportBatch,
    PostpartumVisit,
    PregnancyRecord,
)


def pregnancy_records(actor: Actor, *, unit: OrgUnit | None = None, query: str = "") -> QuerySet[PregnancyRecord]:
    qs = PregnancyRecord.objects.filter(org_unit__in=visible_units(actor))
    if unit is not None:
        qs = qs.filter(org_unit__path__startswith=unit.path)
    if query:
        qs = qs.filter(Q(record_no__icontains=query) | Q(name__icontains=query) | Q(village__icontains=query)
                       | Q(id_last4=query))
    return qs.select_related("org_unit").annotate(visit_count=Count("antenatal_visits")).order_by(
        "org_unit__sort_order", "org_unit__code", "-registered_on", "record_no")


def child_records(actor: Actor, *, unit: OrgUnit | None = None, query: str = "") -> QuerySet[ChildRecord]:
    qs = ChildRecord.objects.filter(org_unit__in=visible_units(actor))
    if unit is not None:
        qs = qs.filter(org_unit__path__startswith=unit.path)
    if query:
        qs = qs.filter(Q(record_no__icontains=query) | Q(name__icontains=query) | Q(village__icontains=query))
    return qs.select_related("org_unit").annotate(exam_count=Count("exams")).order_by(
        "org_unit__sort_order", "org_unit__code", "-birth_date", "record_no")


def filter_records(qs: QuerySet[Any], *, date_field: str, start: date | None = None, end: date | None = None,
                   record_no: str = "") -> QuerySet[Any]:
    """``qs`` narrowed to ``start <= date_field <= end`` (either end open) and an exact ``record_no`` (the API)."""
    if start is not None:
        qs = qs.filter(**{f"{date_field}__gte": start})
    if end is not None:
        qs = qs.filter(**{f"{date_field}__lte": end})
    if record_no:
        qs = qs.filter(record_no=record_no)
    return qs


def register_units(actor: Actor) -> QuerySet[OrgUnit]:
    """Units the actor sees, for the list's unit filter."""
    return visible_units(actor).exclude(kind="village_clinic").order_by("level", "sort_order", "code")


def access_entry_unit(actor: Actor, code: str) -> OrgUnit:
    """The unit a new record is entered in (the page's unit choice): 404 outside the actor's units, 403 where
    the actor may only read (领导), and a village clinic is refused (its township centre keeps the records)."""
    if not can_write(actor):
        raise PermissionDenied("您的角色只能查看登记数据，不能录入")
    unit = access_unit(actor, code, write=True)
    if unit.kind == OrgUnitKind.VILLAGE_CLINIC:
        raise ValueError(f"“{unit.name}”是村卫生室：手册由其所属的乡镇卫生院录入")
    return unit


def can_edit(actor: Actor, unit: OrgUnit) -> bool:
    return writable_units(actor).filter(pk=unit.pk).exists()


def _access(actor: Actor, qs: QuerySet[Any], pk: int, what: str, write: bool) -> Any:
    obj = qs.filter(pk=pk).first()
    if obj is None:
        raise Http404(f"{what}不存在或无权查看")
    unit = obj.org_unit if hasattr(obj, "org_unit") else (getattr(obj, "record", None) or obj.child).org_unit
    if write and not can_edit(actor, unit):
        raise PermissionDenied(f"无权修改“{unit.name}”的登记数据")
    return obj


def access_pregnancy_record(actor: Actor, pk: int, *, write: bool = False) -> PregnancyRecord:
    qs = PregnancyRecord.objects.filter(org_unit__in=visible_units(actor)).select_related(
        "org_unit", "created_by", "batch")
    return _access(actor, qs, pk, "孕产妇保健手册", write)  # type: ignore[no-any-return]


def access_child_record(actor: Actor, pk: int, *, write: bool = False) -> ChildRecord:
    qs = ChildRecord.objects.filter(org_unit__in=visible_units(actor)).select_related(
        "org_unit", "created_by", "batch", "mother")
    return _access(actor, qs, pk, "儿童保健手册", write)  # type: ignore[no-any-return]


def access_antenatal_visit(actor: Actor, record: PregnancyRecord, pk: int, *, write: bool = False) -> AntenatalVisit:
    qs = record.antenatal_visits.select_related("record__org_unit")
    return _access(actor, qs, pk, "产前检查", write)  # type: ignore[no-any-return]


def access_postpartum_visit(actor: Actor, record: PregnancyRecord, pk: int, *, write: bool = False) -> PostpartumVisit:
    qs = record.postpartum_visits.select_related("record__org_unit")
    return _access(actor, qs, pk, "产后访视", write)  # type: ignore[no-any-return]


def access_child_exam(actor: Actor, record: ChildRecord, pk: int, *, write: bool = False) -> ChildExam:
    qs = record.exams.select_related("child__org_unit")
    return _access(actor, qs, pk, "儿童体检", write)  # type: ignore[no-any-return]


def antenatal_visits(record: PregnancyRecord) -> QuerySet[AntenatalVisit]:
    return record.antenatal_visits.select_related("created_by", "batch").order_by("visit_on", "id")


def postpartum_visits(record: PregnancyRecord) -> QuerySet[PostpartumVisit]:
    return record.postpartum_visits.select_related("created_by", "batch").order_by("visit_on", "id")


def child_exams(record: ChildRecord) -> QuerySet[ChildExam]:
    return record.exams.select_related("created_by", "batch").order_by("exam_on", "id")


def recent_batches(actor: Actor, limit: int = 10) -> QuerySet[ImportBatch]:
    """The actor's latest imports (an officer sees their own; county roles see all in their scope)."""
    return ImportBatch.objects.filter(created_by=actor_user(actor)).order_by("-created_at")[:limit]
