"""Writing a clean import plan: batches, records, visits/exams, audit rows — bulk, in the caller's transaction.

New rows get the entry metadata of the import (created_at = the import's time, created_by = the actor,
batch, sheet, row); a file's 录入时间/录入人 columns (another system's) replace the import's time and add
the person's name. A new record without its own 录入时间 takes that of its earliest visit/exam in the
import. A 录入时间 given as a date alone is stored as 0:00 with ``created_time_known`` False. Updated rows keep
theirs — except a row whose stored 录入时间 is only the stamp of the import that created it (no 录入人, the
batch's own time): a file's earlier 录入时间 corrects it (with 录入人 and ``created_time_known``), audited.
Otherwise only ``updated_at`` and the changed fields (修改时间 among them) change, and each update is an audit
row with the values before and after. One audit row per batch carries the counts.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db import models

from ducha.audit.actions import record_audit, record_audit_bulk
from ducha.audit.models import AuditEntry
from ducha.core.actor import Actor, actor_user
from ducha.registers.import_columns import ANTENATAL, CHILD, EXAM, POSTPARTUM, PREGNANCY, TableSpec
from ducha.registers.import_resolve import EventPlan, ImportPlan, RecordPlan
from ducha.registers.models import ImportBatch, RegisterKind

BATCH_SIZE = 2000
Progress = Callable[[str, int, int], None]
COUNT_LABELS = {
    "pregnancy_new": "新增孕产妇手册", "pregnancy_updated": "更新孕产妇手册",
    "antenatal_new": "新增产前检查", "antenatal_updated": "更新产前检查",
    "postpartum_new": "新增产后访视", "postpartum_updated": "更新产后访视",
    "child_new": "新增儿童手册", "child_updated": "更新儿童手册",
    "exam_new": "新增儿童体检", "exam_updated": "更新儿童体检",
    "unchanged": "与已有记录相同",
}
KEPT_KEYS = ("created_at", "entered_by_name")  # entry metadata: written once, never updated (but see _stamp_fix)
Entry = tuple[datetime, str, bool]  # 录入时间, 录入人, whether the time of day is known
_COUNT_PREFIX = {PREGNANCY.name: "pregnancy", ANTENATAL.name: "antenatal", POSTPARTUM.name: "postpartum",
                 CHILD.name: "child", EXAM.name: "exam"}


@dataclass
class ImportResult:
    batches: list[ImportBatch]
    by_file: dict[str, Counter[str]] = field(default_factory=dict)
    by_unit: dict[str, Counter[str]] = field(default_factory=dict)

    @property
    def totals(self) -> Counter[str]:
        total: Counter[str] = Counter()
        for counts in self.by_file.values():
            total.update(counts)
        return total


def json_value(value: Any) -> Any:
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


class _Writer:
    def __init__(self, plan: ImportPlan, batches: dict[str, ImportBatch], actor: Actor, now: datetime,
                 progress: Progress | None):
        self.plan, self.batches, self.actor, self.now, self.progress = plan, batches, actor, now, progress
        self.result = ImportResult(list(batches.values()), {label: Counter() for label in batches})
        self.audits: list[AuditEntry] = []
        self.first_entries = _first_entries(plan)

    def count(self, table: TableSpec, plan: RecordPlan | EventPlan, updated: bool | None) -> None:
        """``updated``: False for a new row, True for a changed one, None for one identical to the stored row."""
        key = "unchanged" if updated is None else f"{_COUNT_PREFIX[table.name]}_{'updated' if updated else 'new'}"
        self.result.by_file[plan.source.where.grid.file][key] += 1
        unit = plan.record.key[0] if isinstance(plan, EventPlan) else plan.key[0]
        self.result.by_unit.setdefault(unit, Counter())[key] += 1

    def entry(self, plan: RecordPlan | EventPlan) -> Entry | None:
        """The file's 录入时间 for this row (a new record without one: its earliest visit's), or None."""
        created_at, entered_by = plan.values.get("created_at"), plan.values.get("entered_by_name") or ""
        if created_at is not None:
            return created_at, entered_by, "created_at" not in plan.source.day_only
        if isinstance(plan, RecordPlan) and id(plan) in self.first_entries:
            first_at, first_by, known = self.first_entries[id(plan)]
            return first_at, entered_by or first_by, known
        return None

    def meta(self, plan: RecordPlan | EventPlan) -> dict[str, Any]:
        source = plan.source
        created_at, entered_by, known = self.entry(plan) or (self.now, plan.values.get("entered_by_name") or "", True)
        return {"created_at": created_at, "created_by": self.actor, "entered_by_name": entered_by,
                "created_time_known": known, "batch": self.batches[source.where.grid.file],
                "source_sheet": source.where.sheet[:64], "source_row": source.number}

    def record_values(self, plan: RecordPlan) -> dict[str, Any]:
        values = {k: v for k, v in plan.values.items() if k != "mother_no" and k not in KEPT_KEYS}
        if "mother_no" in plan.values:
            mother = self.plan.mothers[(plan.key[0], plan.values["mother_no"])]
            values["mother_id"] = mother if isinstance(mother, int) else mother.pk
        return values

    def write_records(self, table: TableSpec, plans: dict[Any, RecordPlan]) -> None:
        new = [p for p in plans.values() if p.existing is None]
        objects = [table.model(org_unit_id=self.plan.unit_ids[p.key[0]], record_no=p.key[1],
                               **self.record_values(p), **self.meta(p)) for p in new]
        self._bulk_create(table, objects)
        for plan, obj in zip(new, objects, strict=True):
            plan.pk = obj.pk
            self.count(table, plan, updated=False)
        old = [p for p in plans.values() if p.existing is not None]
        for plan in old:
            plan.pk = plan.existing_id
        self._update(table, [(p.existing_id, self.record_values(p), p) for p in old])

    def write_events(self, table: TableSpec, plans: list[EventPlan]) -> None:
        new = [p for p in plans if p.existing_id is None]
        objects = [table.model(**{f"{table.link}_id": p.record.pk}, **_updatable(p.values), **self.meta(p))
                   for p in new]
        self._bulk_create(table, objects)
        for plan in new:
            self.count(table, plan, updated=False)
        self._update(table, [(p.existing_id, _updatable(p.values), p) for p in plans if p.existing_id is not None])

    def _bulk_create(self, table: TableSpec, objects: list[models.Model]) -> None:
        for start in range(0, len(objects), BATCH_SIZE):
            table.model._default_manager.bulk_create(objects[start:start + BATCH_SIZE])
            if self.progress is not None:
                self.progress(f"写入{table.name}", min(start + BATCH_SIZE, len(objects)), len(objects))

    def _update(self, table: TableSpec, changes: list[tuple[Any, dict[str, Any], RecordPlan | EventPlan]]) -> None:
        """Apply the non-blank values to existing rows; entry metadata stays; each change is audited."""
        for start in range(0, len(changes), BATCH_SIZE):
            chunk = changes[start:start + BATCH_SIZE]
            stored = table.model._default_manager.select_for_update().in_bulk([pk for pk, _, _ in chunk])
            entries = {pk: self.entry(plan) for pk, _, plan in chunk}
            stamped = {o.batch_id for pk, o in stored.items()  # type: ignore[attr-defined]
                       if entries[pk] is not None and o.batch_id is not None and not o.entered_by_name}  # type: ignore[attr-defined]
            stamps = dict(ImportBatch.objects.filter(pk__in=stamped).values_list("pk", "created_at")) if stamped else {}
            touched, fields = [], {"updated_at", "version"}
            for pk, values, plan in chunk:
                obj = stored[pk]
                values = {**values, **_stamp_fix(obj, entries[pk], stamps)}
                before = {k: getattr(obj, k) for k, v in values.items() if getattr(obj, k) != v}
                self.count(table, plan, updated=True if before else None)
                if not before:
                    continue
                for key in before:
                    setattr(obj, key, values[key])
                obj.updated_at = self.now  # type: ignore[attr-defined]
                obj.version += 1  # type: ignore[attr-defined]  # a form opened before the import is now stale
                fields.update(before)
                touched.append(obj)
                self.audits.append(AuditEntry(
                    actor=actor_user(self.actor), action="registers.update_by_import", object_type=table.model.__name__,
                    object_id=str(pk), summary=f"导入更新{table.name}（{plan.source.label}）"[:300],
                    before={k: json_value(v) for k, v in before.items()},
                    after={k: json_value(values[k]) for k in before}))
            if touched:
                table.model._default_manager.bulk_update(touched, sorted(fields), batch_size=500)


def _updatable(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if k not in KEPT_KEYS}


def _stamp_fix(obj: Any, entry: Entry | None, stamps: dict[int, datetime]) -> dict[str, Any]:
    """The file's 录入时间/录入人 for a stored row whose 录入时间 is only its import's stamp (first imported
    without the columns: no 录入人, the batch's own time) and later than the file's; else nothing."""
    if entry is None or obj.batch_id is None or obj.entered_by_name or obj.created_at != stamps.get(obj.batch_id):
        return {}
    created_at, entered_by, known = entry
    if created_at >= obj.created_at:
        return {}
    return {"created_at": created_at, "entered_by_name": entered_by, "created_time_known": known}


def _first_entries(plan: ImportPlan) -> dict[int, Entry]:
    """Per record plan (by ``id``): the earliest 录入时间 among its visits/exams in the import, its 录入人, and
    whether its time of day is known."""
    first: dict[int, Entry] = {}
    for events in plan.events.values():
        for event in events:
            at = event.values.get("created_at")
            key = id(event.record)
            if at is not None and (key not in first or at < first[key][0]):
                first[key] = (at, event.values.get("entered_by_name") or "", "created_at" not in event.source.day_only)
    return first


def write_plan(plan: ImportPlan, files: list[tuple[str, str, int]], *, actor: Actor, now: datetime,
               progress: Progress | None = None) -> ImportResult:
    """Write ``plan``; ``files`` are (label, kind, data rows). Call inside a transaction."""
    batches = {label: ImportBatch.objects.create(kind=kind, file_name=label[-255:], created_at=now, created_by=actor_user(actor),
                                                 rows=rows) for label, kind, rows in files}
    writer = _Writer(plan, batches, actor, now, progress)
    writer.write_records(PREGNANCY, plan.records[RegisterKind.PREGNANCY])
    writer.write_records(CHILD, plan.records[RegisterKind.CHILD])
    for table in (ANTENATAL, POSTPARTUM, EXAM):
        writer.write_events(table, plan.events.get(table.name, []))
    record_audit_bulk(writer.audits)
    for label, batch in batches.items():
        counts = writer.result.by_file[label]
        text = "，".join(f"{COUNT_LABELS[k]} {counts[k]}" for k in COUNT_LABELS if counts[k]) or "无变化"
        record_audit(actor=actor, action="registers.import", object_type="ImportBatch", object_id=batch.pk,
                     summary=f"导入登记文件“{label}”：{text}",
                     after={"file": label, "rows": batch.rows, **{k: counts[k] for k in COUNT_LABELS}})
    return writer.result
