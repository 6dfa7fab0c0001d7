"""Every write to the registers: file imports and single-record entry/correction, each with audit rows.

Entry metadata (录入时间 ``created_at``, 录入人 ``created_by``, 导入批次/工作表/行) is written once, when a
row is first entered, and never changed: a correction changes the fields and ``updated_at`` and leaves
an audit row with the values before and after.

A correction by hand carries the record's ``version`` as it was shown and the values it showed: when
the record changed since, a field the user changed whose stored value is no longer the one shown is a
conflict (:class:`RecordConflict`, nothing written, both values named). Only changed fields are written.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, models, transaction
from django.utils import timezone

from ducha.audit.actions import record_audit
from ducha.core.actor import Actor, actor_user
from ducha.core.excel_io import ImportFileError, ImportProblem, Source
from ducha.core.locking import retry_when_locked
from ducha.orgs.models import OrgUnit
from ducha.orgs.selectors import writable_units
from ducha.registers.import_columns import (
    ANTENATAL,
    CHILD,
    EXAM,
    POSTPARTUM,
    PREGNANCY,
    TableSpec,
    date_errors,
)
from ducha.registers.import_write import ImportResult, Progress, json_value, write_plan
from ducha.registers.importing import read_register_files
from ducha.registers.models import (
    AntenatalVisit,
    ChildExam,
    ChildRecord,
    PostpartumVisit,
    PregnancyRecord,
)

__all__ = ["ImportFileError", "ImportResult", "RecordConflict", "import_registers", "create_record", "update_record",
           "create_event", "update_event"]

META_FIELDS = frozenset({"id", "created_at", "created_by", "batch", "source_sheet", "source_row", "updated_at",
                         "version"})
NOT_SHOWN = object()
TABLE_OF: dict[type[models.Model], TableSpec] = {
    PregnancyRecord: PREGNANCY, ChildRecord: CHILD, AntenatalVisit: ANTENATAL, PostpartumVisit: POSTPARTUM,
    ChildExam: EXAM,
}


def import_registers(*, actor: Actor, files: Iterable[tuple[str, Source]], progress: Progress | None = None
                     ) -> ImportResult:
    """Import register files all or nothing: one :class:`ImportBatch` per file, every row with its
    batch/sheet/row and ``created_by=actor``; raises :class:`ImportFileError` with every problem."""
    with transaction.atomic():
        read = read_register_files(files, actor=actor, progress=progress)
        try:
            with transaction.atomic():
                return write_plan(read.plan, [(f.label, f.kind, f.rows) for f in read.files], actor=actor,
                                  now=timezone.now(), progress=progress)
        except IntegrityError:
            raise ImportFileError([ImportProblem(
                "REG040", f.label, "保存时与同时进行的其他录入或导入冲突，已全部撤销",
                expected="稍后重新导入同一文件") for f in read.files]) from None


def _writable(actor: Actor, unit: OrgUnit) -> None:
    if not writable_units(actor).filter(pk=unit.pk).exists():
        raise PermissionDenied(f"无权修改单位“{unit.name}”的登记数据")


def _check_dates(table: TableSpec, values: dict[str, Any], record: models.Model | None) -> None:
    record_values = {k: getattr(record, k, None) for k in ("birth_date", "lmp", "delivered_on")} if record else None
    errors = date_errors(table, values, record_values, today=timezone.localdate())
    if errors:
        raise ValidationError({key: message for key, message in errors})


def _audit_value(key: str, value: Any) -> Any:
    if key == "id_hash":
        return "（已更改）" if value else ""
    if isinstance(value, models.Model):
        return str(value)
    return json_value(value)


def _audit_values(values: dict[str, Any]) -> dict[str, Any]:
    return {k: _audit_value(k, v) for k, v in values.items()}


def create_record(*, actor: Actor, model: type[PregnancyRecord] | type[ChildRecord], unit: OrgUnit,
                  values: dict[str, Any]) -> PregnancyRecord | ChildRecord:
    """Enter one pregnancy or child record by hand (no import batch)."""
    table = TABLE_OF[model]
    _writable(actor, unit)
    _check_dates(table, values, None)

    @transaction.atomic
    def create() -> PregnancyRecord | ChildRecord:
        if model._default_manager.filter(org_unit=unit, record_no=values.get("record_no")).exists():
            raise ValidationError({"record_no": f"{unit.name}已有编号为“{values.get('record_no')}”的手册"})
        obj = model._default_manager.create(org_unit=unit, created_by=actor_user(actor), created_at=timezone.now(), **values)
        record_audit(actor=actor, action="registers.create_record", object_type=model.__name__, object_id=obj.pk,
                     summary=f"录入{table.name} {obj.record_no}（{unit.name}）", after=_audit_values(values))
        return obj

    try:
        return retry_when_locked(create)
    except IntegrityError:  # the same number entered at the same moment by someone else
        raise ValidationError({"record_no": f"{unit.name}已有编号为“{values.get('record_no')}”的手册"}) from None


def update_record(*, actor: Actor, record: PregnancyRecord | ChildRecord, values: dict[str, Any],
                  based_on: int | None = None, shown: dict[str, Any] | None = None) -> list[str]:
    """Correct a record; returns the changed fields. Entry metadata is never touched.

    ``based_on``: the version the user's page showed (``shown``: its values); see :class:`RecordConflict`.
    """
    table = TABLE_OF[type(record)]
    _writable(actor, record.org_unit)
    merged = {k: getattr(record, k, None) for k in ("birth_date", "registered_on", "lmp", "edd", "delivered_on",
                                                    "check_42d_on")} | values
    _check_dates(table, merged, None)
    if "record_no" in values and values["record_no"] != record.record_no and type(record)._default_manager.filter(
            org_unit=record.org_unit, record_no=values["record_no"]).exclude(pk=record.pk).exists():
        raise ValidationError({"record_no": f"{record.org_unit.name}已有编号为“{values['record_no']}”的手册"})
    return _apply(actor, record, values, action="registers.update_record",
                  summary=f"修改{table.name} {record.record_no}", based_on=based_on, shown=shown)


def create_event(*, actor: Actor, model: type[AntenatalVisit] | type[PostpartumVisit] | type[ChildExam],
                 record: PregnancyRecord | ChildRecord, values: dict[str, Any]) -> models.Model:
    """Add one antenatal visit, postpartum visit or child exam to a record by hand."""
    table = TABLE_OF[model]
    _writable(actor, record.org_unit)
    _check_dates(table, values, record)

    @transaction.atomic
    def create() -> models.Model:
        obj = model._default_manager.create(**{table.link: record}, created_by=actor_user(actor), created_at=timezone.now(), **values)
        record_audit(actor=actor, action="registers.create_event", object_type=model.__name__, object_id=obj.pk,
                     summary=f"录入{table.name}（手册 {record.record_no}）", after=_audit_values(values))
        return obj

    return retry_when_locked(create)


def update_event(*, actor: Actor, event: AntenatalVisit | PostpartumVisit | ChildExam,
                 values: dict[str, Any], based_on: int | None = None, shown: dict[str, Any] | None = None) -> list[str]:
    table = TABLE_OF[type(event)]
    record = getattr(event, table.link)
    _writable(actor, record.org_unit)
    merged = {k: getattr(event, k, None) for k in (table.date_key,)} | values
    _check_dates(table, merged, record)
    return _apply(actor, event, values, action="registers.update_event",
                  summary=f"修改{table.name}（手册 {record.record_no}）", based_on=based_on, shown=shown)


def _field_label(obj: models.Model, name: str) -> str:
    return str(getattr(obj._meta.get_field(name), "verbose_name", name))


def display(obj: models.Model, name: str, value: Any) -> str:
    """A field value as the form shows it: （空）, 是/否, a choice's label, a date as 2012-01-31."""
    if value is None or value == "":
        return "（空）"
    if isinstance(value, bool):
        return "是" if value else "否"
    field = obj._meta.get_field(name)
    choices = dict(getattr(field, "flatchoices", None) or [])
    return str(choices.get(value, json_value(value) if not isinstance(value, models.Model) else value))


class RecordConflict(ValidationError):
    """Fields changed by someone else since the user's page was opened; nothing was written.

    ``messages_by_field`` names both values per field; ``current`` is the record as stored now.
    """

    def __init__(self, current: models.Model, conflicts: dict[str, str]):
        super().__init__(conflicts)
        self.current = current
        self.messages_by_field = conflicts


def _conflicts(locked: models.Model, values: dict[str, Any], based_on: int | None,
               shown: dict[str, Any] | None) -> dict[str, str]:
    if based_on is None or getattr(locked, "version", 0) == based_on:
        return {}
    out = {}
    changed_at = timezone.localtime(locked.updated_at).strftime("%Y-%m-%d %H:%M")  # type: ignore[attr-defined]
    for key, new in values.items():
        now = getattr(locked, key)
        was = (shown or {}).get(key, NOT_SHOWN)
        if now == new or (was is not NOT_SHOWN and was == now):
            continue
        label = _field_label(locked, key)
        opened = "" if was is NOT_SHOWN else f"您打开时为 {display(locked, key, was)}，"
        out[key] = (f"{label}：{opened}现为 {display(locked, key, now)}（{changed_at} 被他人修改），"
                    f"您要保存的是 {display(locked, key, new)}")
    return out


def _apply(actor: Actor, obj: models.Model, values: dict[str, Any], *, action: str, summary: str,
           based_on: int | None = None, shown: dict[str, Any] | None = None) -> list[str]:
    unknown = set(values) & META_FIELDS
    if unknown:
        raise ValueError(f"entry metadata cannot be changed: {sorted(unknown)}")
    return retry_when_locked(lambda: _apply_locked(actor, obj, values, action=action, summary=summary,
                                                   based_on=based_on, shown=shown))


def _apply_locked(actor: Actor, obj: models.Model, values: dict[str, Any], *, action: str, summary: str,
                  based_on: int | None, shown: dict[str, Any] | None) -> list[str]:
    with transaction.atomic():
        locked = type(obj)._default_manager.select_for_update().get(pk=obj.pk)
        conflicts = _conflicts(locked, values, based_on, shown)
        if conflicts:
            raise RecordConflict(locked, conflicts)
        before = {k: getattr(locked, k) for k, v in values.items() if getattr(locked, k) != v}
        if not before:
            return []
        for key in before:
            setattr(locked, key, values[key])
        locked.version += 1  # type: ignore[attr-defined]
        locked.save(update_fields=[*before, "updated_at", "version"])
        record_audit(actor=actor, action=action, object_type=type(obj).__name__, object_id=obj.pk,
                     summary=summary + "：" + "、".join(_field_label(locked, k) for k in before),
                     before=_audit_values(before), after=_audit_values({k: values[k] for k in before}))
    for key in before:
        setattr(obj, key, values[key])
    obj.updated_at = locked.updated_at  # type: ignore[attr-defined]
    obj.version = locked.version  # type: ignore[attr-defined]
    return list(before)
