"""Reading register files (.xlsx / .csv) into an import plan, every problem collected first.

:func:`read_register_files` reads all files completely; if any has any problem (see
``docs/registers-import.md`` for the codes), one :class:`ImportFileError` lists them all, each with
file, sheet, row, column, value and what was expected, in Chinese. Nothing is written here: the
writer (``import_write``) runs only on a clean plan, inside the transaction of
``actions.import_registers``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

from django.utils import timezone

from ducha.core.actor import Actor
from ducha.core.excel_io import ImportFileError, ImportProblem, Source
from ducha.core.import_problems import enough_problems
from ducha.orgs.selectors import can_write
from ducha.registers.import_cells import id_salt
from ducha.registers.import_read import ParsedRow, read_rows
from ducha.registers.import_resolve import (
    ImportPlan,
    attach_existing,
    attach_existing_events,
    check_new_records,
    check_record_dates,
    check_units,
    collect_events,
    collect_records,
    resolve_mothers,
)
from ducha.registers.import_sheets import assign_tables, load_grids, locate
from ducha.registers.models import RegisterKind

__all__ = ["FileRead", "ImportFileError", "ImportProblem", "ReadResult", "read_register_files"]

# progress(stage, done, total): stage is a Chinese description such as "读取 甲镇.xlsx / 儿童体检".
Progress = Callable[[str, int, int], None]


@dataclass
class FileRead:
    label: str
    kind: str
    rows: int = 0
    tables: dict[str, int] = field(default_factory=dict)


@dataclass
class ReadResult:
    files: list[FileRead]
    plan: ImportPlan
    rows: list[ParsedRow]


def _read_file(label: str, source: Source, *, today: date, now: datetime, salt: str, problems: list[ImportProblem],
               progress: Progress | None) -> tuple[FileRead | None, list[ParsedRow]]:
    try:
        grids = load_grids(source, label)
    except ImportFileError as err:
        problems += err.problems
        return None, []
    tables, table_problems = assign_tables(grids, label)
    problems += table_problems
    info = FileRead(label, tables[0][1].kind if tables else RegisterKind.CHILD)
    rows: list[ParsedRow] = []
    for grid, table in tables:
        if enough_problems(problems):
            break
        located, header_problems = locate(grid, table)
        problems += header_problems
        if header_problems and any(p.code in ("IMP010", "REG003") for p in header_problems):
            continue  # without its key columns the rows cannot be read meaningfully
        stage = f"读取 {label}" + (f" / {grid.name}" if grid.name else "")
        total = len(grid.rows)

        def tick(done: int, stage: str = stage, total: int = total) -> None:
            if progress is not None:
                progress(stage, done, total)

        table_rows = read_rows(located, today=today, now=now, salt=salt, problems=problems, progress=tick)
        info.tables[table.name] = len(table_rows)
        info.rows += len(table_rows)
        rows += table_rows
    kinds = {t.kind for g, t in tables if info.tables.get(t.name)}
    if len(kinds) > 1:
        names = "、".join(name for name, count in info.tables.items() if count)
        problems.append(ImportProblem("REG002", label, f"一个文件中同时有孕产妇和儿童的登记数据（{names}）",
                                      expected="孕产妇手册、产前检查、产后访视放在一个文件，儿童手册、儿童体检放在另一个文件"))
    info.kind = next(iter(kinds), info.kind)
    if not rows and not any(p.file == label for p in problems):
        problems.append(ImportProblem("IMP005", label, "文件中没有任何数据行", expected="表头下每行一条记录"))
    return info, rows


def _sorted(problems: list[ImportProblem], labels: list[str]) -> list[ImportProblem]:
    order = {label: i for i, label in enumerate(labels)}
    return sorted(problems, key=lambda p: (order.get(p.file, -1), p.sheet, p.row or 0, len(p.column), p.column))


def read_register_files(files: Iterable[tuple[str, Source]], *, actor: Actor, progress: Progress | None = None,
                        today: date | None = None, now: datetime | None = None) -> ReadResult:
    """The import plan of every ``(label, file)``; raises :class:`ImportFileError` listing every problem.

    ``now`` (default: the current time) bounds the files' 录入时间/修改时间 (REG015)."""
    files = list(files)
    labels = [label for label, _ in files]
    if not can_write(actor):
        raise ImportFileError([ImportProblem("IMP046", label, "您的角色只能查看，不能导入登记数据",
                                             expected="妇幼专干、督查员或系统管理员账户") for label in labels])
    now = now or timezone.now()
    today = today or timezone.localdate(now)
    salt = id_salt()
    problems: list[ImportProblem] = []
    infos: list[FileRead] = []
    rows: list[ParsedRow] = []
    for label, source in files:
        if enough_problems(problems):
            break  # so many problems that reading on would only cost time and memory
        info, file_rows = _read_file(label, source, today=today, now=now, salt=salt, problems=problems, progress=progress)
        if info is not None:
            infos.append(info)
        rows += file_rows
    if enough_problems(problems):
        raise ImportFileError(_sorted(problems, labels), incomplete=True)
    if progress is not None:
        progress("核对单位、手册编号和日期", 0, 1)
    unit_ids = check_units(rows, actor, problems)
    record_rows = [r for r in rows if r.where.table.is_record]
    event_rows = [r for r in rows if not r.where.table.is_record]
    records = collect_records(record_rows, event_rows, problems)
    attach_existing(records, unit_ids)
    check_new_records(records, problems)
    check_record_dates(records, problems)
    events = collect_events(event_rows, records, unit_ids, problems)
    mothers = resolve_mothers(records, problems)
    if problems:
        raise ImportFileError(_sorted(problems, labels))
    attach_existing_events(events)
    if progress is not None:
        progress("核对单位、手册编号和日期", 1, 1)
    return ReadResult(infos, ImportPlan(unit_ids, records, events, mothers), rows)
