"""Every write to the registers: file imports and single-record entry/correction, each with audit rows.

Entry metadata (录入时间 ``created_at``, 录入人 ``created_by``, 导入批次/工作表/行) is written once, when a
row is first entered, and never changed: a correction changes the fields and ``updated_at`` and leaves
an audit row with the values before and after.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, models, transaction
from django.utils import timezone

from ducha.audit.actions import record_audit
from ducha.orgs.excel_io import ImportFileError, ImportProblem, Source
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

__all__ = ["ImportFileError", "ImportResult", "import_registers", "create_record", "update_record",
           "create_event", "update_event"]

META_FIELDS = frozenset({"id", "created_at", "created_by", "batch", "source_sheet", "source_row", "updated_at"})
TABLE_OF: dict[type[models.Model], TableSpec] = {
    PregnancyRecord: PREGNANCY, ChildRecord: CHILD, AntenatalVisit: ANTENATAL, PostpartumVisit: POSTPARTUM,
    ChildExam: EXAM,
}


def import_registers(*, actor: Any, files: Iterable[tuple[str, Source]], progress: Progress | None = None
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


def _writable(actor: Any, unit: OrgUnit) -> None:
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


def create_record(*, actor: Any, model: type[PregnancyRecord] | type[ChildRecord], unit: OrgUnit,
                  values: dict[str, Any]) -> PregnancyRecord | ChildRecord:
    """Enter one pregnancy or child record by hand (no import batch)."""
    table = TABLE_OF[model]
    _writable(actor, unit)
    _check_dates(table, values, None)
    with transaction.atomic():
        if model._default_manager.filter(org_unit=unit, record_no=values.get("record_no")).exists():
            raise ValidationError({"record_no": f"{unit.name}已有编号为“{values.get('record_no')}”的手册"})
        obj = model._default_manager.create(org_unit=unit, created_by=actor, created_at=timezone.now(), **values)
        record_audit(actor=actor, action="registers.create_record", object_type=model.__name__, object_id=obj.pk,
                     summary=f"录入{table.name} {obj.record_no}（{unit.name}）", after=_audit_values(values))
    return obj


def update_record(*, actor: Any, record: PregnancyRecord | ChildRecord, values: dict[str, Any]) -> list[str]:
    """Correct a record; returns the changed fields. Entry metadata is never touched."""
    table = TABLE_OF[type(record)]
    _writable(actor, record.org_unit)
    merged = {k: getattr(record, k, None) for k in ("birth_date", "registered_on", "lmp", "edd", "delivered_on",
                                                    "check_42d_on")} | values
    _check_dates(table, merged, None)
    if "record_no" in values and values["record_no"] != record.record_no and type(record)._default_manager.filter(
            org_unit=record.org_unit, record_no=values["record_no"]).exclude(pk=record.pk).exists():
        raise ValidationError({"record_no": f"{record.org_unit.name}已有编号为“{values['record_no']}”的手册"})
    return _apply(actor, record, values, action="registers.update_record",
                  summary=f"修改{table.name} {record.record_no}")


def create_event(*, actor: Any, model: type[AntenatalVisit] | type[PostpartumVisit] | type[ChildExam],
                 record: PregnancyRecord | ChildRecord, values: dict[str, Any]) -> models.Model:
    """Add one antenatal visit, postpartum visit or child exam to a record by hand."""
    table = TABLE_OF[model]
    _writable(actor, record.org_unit)
    _check_dates(table, values, record)
    with transaction.atomic():
        obj = model._default_manager.create(**{table.link: record}, created_by=actor, created_at=timezone.now(), **values)
        record_audit(actor=actor, action="registers.create_event", object_type=model.__name__, object_id=obj.pk,
                     summary=f"录入{table.name}（手册 {record.record_no}）", after=_audit_values(values))
    return obj


def update_event(*, actor: Any, event: AntenatalVisit | PostpartumVisit | ChildExam,
                 values: dict[str, Any]) -> list[str]:
    table = TABLE_OF[type(event)]
    record = getattr(event, table.link)
    _writable(actor, record.org_unit)
    merged = {k: getattr(event, k, None) for k in (table.date_key,)} | values
    _check_dates(table, merged, record)
    return _apply(actor, event, values, action="registers.update_event",
                  summary=f"修改{table.name}（手册 {record.record_no}）")


def _field_label(obj: models.Model, name: str) -> str:
    return str(getattr(obj._meta.get_field(name), "verbose_name", name))


def _apply(actor: Any, obj: models.Model, values: dict[str, Any], *, action: str, summary: str) -> list[str]:
    unknown = set(values) & META_FIELDS
    if unknown:
        raise ValueError(f"entry metadata cannot be changed: {sorted(unknown)}")
    with transaction.atomic():
        locked = type(obj)._default_manager.select_for_update().get(pk=obj.pk)
        before = {k: getattr(locked, k) for k, v in values.items() if getattr(locked, k) != v}
        if not before:
            return []
        for key in before:
            setattr(locked, key, values[key])
        locked.save(update_fields=[*before, "updated_at"])
        record_audit(actor=actor, action=action, object_type=type(obj).__name__, object_id=obj.pk,
                     summary=summary + "：" + "、".join(_field_label(locked, k) for k in before),
                     before=_audit_values(before), after=_audit_values({k: values[k] for k in before}))
    for key in before:
        setattr(obj, key, values[key])
    obj.updated_at = locked.updated_at  # type: ignore[attr-defined]
    return list(before)
