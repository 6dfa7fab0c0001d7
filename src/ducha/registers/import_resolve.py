"""Checks across rows, files and the database, and the resulting import plan (no writes here).

Rules (documented in ``docs/registers-import.md``):
- A record is keyed by 单位编码 + 手册编号. A key already in the database makes the row an *update* of
  that record: the non-blank cells replace the stored values, blank cells keep them, and the entry
  metadata (录入时间、录入人、导入批次) stays as first written.
- A key may appear only once in the record sheets (孕产妇手册/儿童手册) of one import; in a visit/exam
  sheet with the identity repeated it appears on every visit, and those rows must agree.
- A visit/exam is keyed by its record and its date: the same record and date twice in one import is a
  duplicate; a record and date already in the database updates that visit/exam.
- A visit/exam row needs its record: in the same import or already in the database.
All lookups are a few set-based queries (chunked ``__in``), never one per row.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import models

from ducha.core.actor import Actor
from ducha.core.excel_io import ImportProblem
from ducha.core.import_problems import UNIT_NOT_AVAILABLE
from ducha.core.limits import UNIT_CODE_PATTERN
from ducha.orgs.models import OrgUnit
from ducha.orgs.selectors import writable_units
from ducha.registers.import_columns import CHILD, DATE_RULES, PREGNANCY, TableSpec
from ducha.registers.import_read import ParsedRow
from ducha.registers.models import PregnancyRecord, RegisterKind

CHUNK = 500
Key = tuple[str, str]
RECORD_DATES: dict[str, tuple[str, ...]] = {RegisterKind.PREGNANCY: ("birth_date", "registered_on", "lmp", "edd", "delivered_on", "check_42d_on"),
                RegisterKind.CHILD: ("birth_date", "sex")}


@dataclass
class RecordPlan:
    table: TableSpec
    key: Key
    source: ParsedRow
    values: dict[str, Any] = field(default_factory=dict)
    existing: dict[str, Any] | None = None
    pk: int | None = None  # set once the record exists (found, or created by the import)

    @property
    def existing_id(self) -> int | None:
        return self.existing["id"] if self.existing else None

    def effective(self, key: str) -> Any:
        if key in self.values:
            return self.values[key]
        return self.existing.get(key) if self.existing else None


@dataclass
class EventPlan:
    table: TableSpec
    record: RecordPlan
    source: ParsedRow
    values: dict[str, Any]
    existing_id: int | None = None


@dataclass
class ImportPlan:
    unit_ids: dict[str, int]
    records: dict[str, dict[Key, RecordPlan]]  # by RegisterKind
    events: dict[str, list[EventPlan]]  # by table name
    mothers: dict[Key, int | RecordPlan] = field(default_factory=dict)


def _chunks(items: list[Any]) -> Iterable[list[Any]]:
    for start in range(0, len(items), CHUNK):
        yield items[start:start + CHUNK]


def check_units(rows: list[ParsedRow], actor: Actor, problems: list[ImportProblem]) -> dict[str, int]:
    """The ids of the rows' units the actor may write; one problem (IMP040) for a code that does not
    exist and for one outside the actor's units alike, so an import cannot probe which codes exist."""
    codes = sorted({r.unit for r in rows if r.unit and UNIT_CODE_PATTERN.fullmatch(r.unit)})
    known: dict[str, int] = {}
    writable: set[str] = set()
    for chunk in _chunks(codes):
        known.update(OrgUnit.objects.filter(code__in=chunk).values_list("code", "id"))
        writable.update(writable_units(actor).filter(code__in=chunk).values_list("code", flat=True))
    for row in rows:
        if not row.unit:
            continue
        if row.unit not in writable:
            problems.append(row.problem("IMP040", UNIT_NOT_AVAILABLE, "unit", value=row.unit,
                                        expected="您负责填报的单位的编码"))
            row.bad = True
    return {code: pk for code, pk in known.items() if code in writable}


def _merge_identity(plan: RecordPlan, row: ParsedRow, values: dict[str, Any], problems: list[ImportProblem]) -> None:
    for key, value in values.items():
        if key in plan.values and plan.values[key] != value:
            where = "本行" if plan.source is row else plan.source.label
            problems.append(row.problem("REG021", f"同一手册（{row.unit} {row.record_no}）的信息与{where}不一致",
                                        _column_key(key), value=_shown(plan.table, values, key),
                                        expected=f"与{plan.source.label}相同的值“{_shown(plan.table, plan.values, key)}”"))
            row.bad = True
        else:
            plan.values.setdefault(key, value)


def _column_key(key: str) -> str:
    return "national_id" if key in ("id_hash", "id_last4") else key


def _shown(table: TableSpec, values: dict[str, Any], key: str) -> Any:
    if key in ("id_hash", "id_last4"):
        return "身份证号后四位 " + str(values.get("id_last4", ""))
    column = next((c for c in table.columns if c.key == key), None)
    return column.display(values.get(key)) if column else values.get(key)


def collect_records(record_rows: list[ParsedRow], event_rows: list[ParsedRow],
                    problems: list[ImportProblem]) -> dict[str, dict[Key, RecordPlan]]:
    """The records of this import by kind and key: from record sheets, then identities in visit/exam sheets."""
    records: dict[str, dict[Key, RecordPlan]] = {RegisterKind.PREGNANCY: {}, RegisterKind.CHILD: {}}
    for row in record_rows:
        if not row.unit or not row.record_no:
            continue
        table = row.where.table
        plans = records[table.kind]
        first = plans.get(row.key)
        if first is not None:
            where = f"第 {first.source.number} 行" if first.source.where is row.where else first.source.label
            problems.append(row.problem(
                "REG020", f"手册编号重复：与{where}是同一单位的同一编号", "record_no", value=row.record_no,
                expected=f"同一单位的手册编号在“{table.name}”中只出现一次（同一手册的多次检查填在检查表中）"))
            row.bad = True
            continue
        plans[row.key] = RecordPlan(table, row.key, row, dict(row.values))
    for row in event_rows:
        if not row.identity or not row.unit or not row.record_no:
            continue
        record_table = row.where.table.record_table
        assert record_table is not None
        plans = records[record_table.kind]
        plan = plans.get(row.key)
        if plan is None:
            plans[row.key] = RecordPlan(record_table, row.key, row, dict(row.identity))
        else:
            _merge_identity(plan, row, row.identity, problems)
    return records


def attach_existing(records: dict[str, dict[Key, RecordPlan]], unit_ids: dict[str, int]) -> None:
    """Find the records already in the database (a few chunked queries per kind)."""
    for kind, plans in records.items():
        model = PREGNANCY.model if kind == RegisterKind.PREGNANCY else CHILD.model
        by_unit: dict[str, list[str]] = {}
        for unit, record_no in plans:
            if unit in unit_ids:
                by_unit.setdefault(unit, []).append(record_no)
        for unit, numbers in by_unit.items():
            for chunk in _chunks(sorted(numbers)):
                found = model._default_manager.filter(org_unit_id=unit_ids[unit], record_no__in=chunk).values(
                    "id", "record_no", *RECORD_DATES[kind])
                for existing in found:
                    plans[(unit, existing["record_no"])].existing = existing


def check_new_records(records: dict[str, dict[Key, RecordPlan]], problems: list[ImportProblem]) -> None:
    for plan in records[RegisterKind.CHILD].values():
        if plan.existing is not None:
            continue
        for key, label in (("sex", "性别"), ("birth_date", "出生日期")):
            if plan.values.get(key) is None and not plan.source.bad:
                problems.append(plan.source.problem(
                    "IMP025", f"新建儿童手册 {plan.key[1]} 时{label}为空", key if plan.source.col(key) is not None
                    else "record_no", expected=f"{label}（系统中还没有这本手册，需要填写{label}）"))
                plan.source.bad = True


def check_record_dates(records: dict[str, dict[Key, RecordPlan]], problems: list[ImportProblem]) -> None:
    for plans in records.values():
        for plan in plans.values():
            for earlier, later, text in DATE_RULES[plan.table.name]:
                a, b = plan.effective(earlier), plan.effective(later)
                if a is not None and b is not None and b < a:
                    key = later if later in plan.values else earlier
                    problems.append(plan.source.problem("REG011", text, key, value=plan.effective(key),
                                                        expected=f"不早于{_label(plan.table, earlier)}（{a}）"))
                    plan.source.bad = True


def _label(table: TableSpec, key: str) -> str:
    key = key.removeprefix("record.")
    for column in (*table.columns, *(table.record_table.columns if table.record_table else ())):
        if column.key == key:
            return column.header
    return key


def collect_events(event_rows: list[ParsedRow], records: dict[str, dict[Key, RecordPlan]], unit_ids: dict[str, int],
                   problems: list[ImportProblem]) -> dict[str, list[EventPlan]]:
    """Visits/exams by table: record found, no duplicate (record, date), dates after the record's."""
    events: dict[str, list[EventPlan]] = {}
    seen: dict[tuple[str, Key, Any], ParsedRow] = {}
    for row in event_rows:
        table = row.where.table
        assert table.record_table is not None
        if not row.unit or not row.record_no or row.unit not in unit_ids:
            continue  # the unit's problem is reported already
        plan = records[table.record_table.kind].get(row.key)
        if plan is None:
            problems.append(row.problem(
                "REG022", f"手册不存在：单位 {row.unit} 没有编号为 {row.record_no} 的{table.record_table.name}",
                "record_no", value=row.record_no,
                expected=f"系统中已有的手册编号，或在本文件“{table.record_table.name}”表中同时登记这本手册，"
                         "或在本表中填写手册的身份信息（姓名、性别、出生日期等）"))
            row.bad = True
            continue
        when = row.values.get(table.date_key)
        if when is not None:
            first = seen.setdefault((table.name, row.key, when), row)
            if first is not row:
                where = f"第 {first.number} 行" if first.where is row.where else first.label
                problems.append(row.problem("REG024", f"与{where}重复：同一手册同一天的{table.name}只能有一条",
                                            table.date_key, value=when, expected="每本手册每个日期只填一行"))
                row.bad = True
                continue
        _check_event_dates(row, table, plan, problems)
        events.setdefault(table.name, []).append(EventPlan(table, plan, row, row.values))
    return events


def _check_event_dates(row: ParsedRow, table: TableSpec, plan: RecordPlan, problems: list[ImportProblem]) -> None:
    for earlier, later, text in DATE_RULES[table.name]:
        a = plan.effective(earlier[7:]) if earlier.startswith("record.") else row.values.get(earlier)
        b = plan.effective(later[7:]) if later.startswith("record.") else row.values.get(later)
        if a is not None and b is not None and b < a:
            own = later if not later.startswith("record.") else earlier
            bound = _label(table, later if own == earlier else earlier)
            relation = "不晚于" if own == earlier else "不早于"
            problems.append(row.problem("REG011", text, own, value=row.values.get(own),
                                        expected=f"{relation}{bound}（{b if own == earlier else a}）"))
            row.bad = True


def attach_existing_events(events: dict[str, list[EventPlan]]) -> None:
    """Visits/exams already in the database with the same record and date are updated, not added."""
    for plans in events.values():
        table = plans[0].table
        record_ids = sorted({p.record.existing_id for p in plans if p.record.existing_id is not None})
        if not record_ids:
            continue
        found: dict[tuple[int, Any], int] = {}
        for chunk in _chunks(record_ids):
            rows = table.model._default_manager.filter(**{f"{table.link}_id__in": chunk}).exclude(
                **{f"{table.date_key}__isnull": True}).order_by("-id").values_list("id", f"{table.link}_id",
                                                                                  table.date_key)
            found.update({(record_id, when): pk for pk, record_id, when in rows})
        for plan in plans:
            when = plan.values.get(table.date_key)
            if plan.record.existing_id is not None and when is not None:
                plan.existing_id = found.get((plan.record.existing_id, when))


def resolve_mothers(records: dict[str, dict[Key, RecordPlan]], problems: list[ImportProblem]) -> dict[Key, Any]:
    """Each 母亲手册编号 → the pregnancy record (in this import, or its id in the database)."""
    wanted = {(p.key[0], p.values["mother_no"]): p for p in records[RegisterKind.CHILD].values()
              if p.values.get("mother_no")}
    pregnancies = records[RegisterKind.PREGNANCY]
    mothers: dict[Key, Any] = {k: pregnancies[k] for k in wanted if k in pregnancies}
    missing = [k for k in wanted if k not in mothers]
    for unit in {u for u, _ in missing}:
        numbers = [n for u, n in missing if u == unit]
        for chunk in _chunks(numbers):
            found = PregnancyRecord.objects.filter(org_unit__code=unit, record_no__in=chunk).values_list(
                "record_no", "id")
            mothers.update({(unit, no): pk for no, pk in found})
    for key, plan in wanted.items():
        if key not in mothers:
            problems.append(plan.source.problem(
                "REG023", f"母亲手册不存在：单位 {key[0]} 没有编号为 {key[1]} 的孕产妇保健手册", "mother_no",
                value=key[1], expected="同一单位已登记的孕产妇保健手册编号，或留空"))
            plan.source.bad = True
    return mothers


def model_fields(model: type[models.Model]) -> set[str]:
    return {f.name for f in model._meta.concrete_fields}
