"""Reading the data rows of a located table: every cell parsed, every bad cell a problem.

A row becomes a :class:`ParsedRow`: its unit code and record number (the record's key), the values of
its own table's fields, and — in a visit/exam table with the record's identity repeated — the
record's fields as well (``identity``). Rows with bad cells are still returned (flagged ``bad``) so
that the cross-row checks (units, duplicates) can report their problems too.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from django.utils import timezone

from ducha.core.excel_io import CellError, ImportProblem
from ducha.core.import_problems import enough_problems
from ducha.core.import_times import EARLIEST_MOMENT, Moment, moment_text, read_moment
from ducha.registers.import_cells import parse_national_id
from ducha.registers.import_columns import Column
from ducha.registers.import_sheets import Located

Progress = Callable[[int], None]


@dataclass(slots=True)
class ParsedRow:
    where: Located
    number: int
    unit: str
    record_no: str
    values: dict[str, Any] = field(default_factory=dict)
    identity: dict[str, Any] = field(default_factory=dict)
    bad: bool = False
    day_only: tuple[str, ...] = ()  # 录入时间/修改时间 given as a date alone (0:00, time of day unknown)

    @property
    def key(self) -> tuple[str, str]:
        return self.unit, self.record_no

    def col(self, key: str) -> int | None:
        found = self.where.columns.get(key)
        return found[0] if found else None

    def problem(self, code: str, problem: str, key: str = "", *, value: Any = None,
                expected: str = "") -> ImportProblem:
        col = self.col(key) if key else None
        return self.where.problem(code, problem, row=self.number, col=col, value=value, expected=expected)

    @property
    def label(self) -> str:
        sheet = f"工作表“{self.where.sheet}”" if self.where.sheet else ""
        return f"文件“{self.where.grid.file}”{sheet}第 {self.number} 行"


@dataclass(frozen=True, slots=True)
class _Reader:
    key: str
    col: int
    column: Column
    identity: bool  # a record field in a visit/exam row


def _readers(located: Located) -> list[_Reader]:
    own = {c.key for c in located.table.columns}
    return [_Reader(key, col, column, key not in own)
            for key, (col, column) in located.columns.items() if key not in ("unit", "record_no")]


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _key_text(row: list[Any], col: int | None) -> Any:
    if col is None or col >= len(row):
        return None
    return row[col]


def read_rows(located: Located, *, today: date, salt: str, problems: list[ImportProblem],
              progress: Progress | None = None, now: datetime | None = None) -> list[ParsedRow]:
    """Every non-blank data row of ``located``, parsed; problems appended to ``problems``.

    ``now`` is the import's time: 录入时间/修改时间 may not lie after it (default: the end of ``today``)."""
    readers = _readers(located)
    now = now or timezone.make_aware(datetime.combine(today, time.max))
    uncached = located.grid.uncached
    unit_col = located.columns["unit"][0] if "unit" in located.columns else None
    no_col = located.columns["record_no"][0] if "record_no" in located.columns else None
    unit_column = located.columns["unit"][1] if unit_col is not None else None
    no_column = located.columns["record_no"][1] if no_col is not None else None
    rows: list[ParsedRow] = []
    data = located.data_rows()
    for index, (n, cells) in enumerate(data):
        if index % 2000 == 0:
            if enough_problems(problems):
                break  # the caller reports the counts as “至少”
            if progress is not None:
                progress(index)
        row = ParsedRow(located, n, "", "")
        row.unit = _key(row, cells, unit_col, unit_column, uncached, problems)
        row.record_no = _key(row, cells, no_col, no_column, uncached, problems)
        for reader in readers:
            raw = cells[reader.col] if reader.col < len(cells) else None
            if uncached and (n, reader.col) in uncached:
                problems.append(_uncached(located, n, reader))
                row.bad = True
                continue
            if _blank(raw):
                if reader.column.mandatory:
                    problems.append(located.problem("IMP025", f"{reader.column.header}为空", row=n, col=reader.col,
                                                    expected=reader.column.expected))
                    row.bad = True
                continue
            try:
                value = _parse(reader.column, raw, salt)
            except CellError as err:
                problems.append(located.problem(err.code, err.problem, row=n, col=reader.col, value=raw,
                                                expected=err.expected))
                row.bad = True
                continue
            if reader.column.kind == "date" and not reader.column.future_ok and value > today:
                problems.append(located.problem("REG010", f"日期晚于今天（{today.isoformat()}）", row=n,
                                                col=reader.col, value=raw, expected="不晚于今天的日期"))
                row.bad = True
                continue
            if isinstance(value, Moment):
                if wrong := _moment_problem(reader.column, value.at, now):
                    problems.append(located.problem(wrong[0], wrong[1], row=n, col=reader.col, value=raw,
                                                    expected=wrong[2]))
                    row.bad = True
                    continue
                if not value.has_time:
                    row.day_only += (reader.key,)
                value = value.at
            _store(row.identity if reader.identity else row.values, reader.key, value)
        _check_modified(row, problems)
        if not row.unit or not row.record_no:
            row.bad = True
        rows.append(row)
    if progress is not None:
        progress(len(data))
    return rows


def _key(row: ParsedRow, cells: list[Any], col: int | None, column: Column | None, uncached: set[tuple[int, int]],
         problems: list[ImportProblem]) -> str:
    if col is None or column is None:
        return ""
    raw = _key_text(cells, col)
    if (row.number, col) in uncached:
        problems.append(row.where.problem("IMP023", "公式没有计算结果", row=row.number, col=col,
                                          expected="请在 Excel 中重新计算并保存，或把公式改为直接填写的值"))
        return ""
    if _blank(raw):
        problems.append(row.where.problem("IMP025", f"{column.header}为空", row=row.number, col=col,
                                          expected=column.note or column.expected))
        return ""
    try:
        return str(column.parse(raw))
    except CellError as err:
        problems.append(row.where.problem(err.code, err.problem, row=row.number, col=col, value=raw,
                                          expected=err.expected))
        return ""


def _moment_problem(column: Column, value: datetime, now: datetime) -> tuple[str, str, str] | None:
    """(code, problem, expected) for an entry time after the import or before 2000-01-01."""
    if value > now:
        return ("REG015", f"{column.header}晚于导入时间（{moment_text(now)}）",
                f"不晚于导入时间的{column.header}（原系统导出的时间；时区不同请写明，如 +08:00）")
    if value.date() < EARLIEST_MOMENT:
        return ("REG016", f"{column.header}早于 {EARLIEST_MOMENT.isoformat()}，不可能是电子录入的时间",
                f"{EARLIEST_MOMENT.isoformat()} 以后的{column.header}（请核对年份，或 Excel 序列号是否正确）")
    return None


def _check_modified(row: ParsedRow, problems: list[ImportProblem]) -> None:
    """REG017; a date alone (time unknown) is compared by its day: 修改时间 2012-03-01 after 录入时间 2012-03-01 09:00."""
    created, modified = row.values.get("created_at"), row.values.get("modified_at_source")
    if created is None or modified is None:
        return
    by_day = bool(set(row.day_only) & {"created_at", "modified_at_source"})
    if (timezone.localdate(modified) < timezone.localdate(created)) if by_day else modified < created:
        problems.append(row.problem("REG017", "修改时间早于录入时间", "modified_at_source",
                                    value=moment_text(modified),
                                    expected=f"不早于本行录入时间（{moment_text(created)}）的时间"))
        row.bad = True


def _uncached(located: Located, n: int, reader: _Reader) -> ImportProblem:
    return located.problem("IMP023", "公式没有计算结果（文件保存时未计算）", row=n, col=reader.col,
                           expected=f"{reader.column.expected}（请在 Excel 中重新计算并保存，或把公式改为直接填写的值）")


def _parse(column: Column, raw: Any, salt: str) -> Any:
    if column.kind == "id":
        return parse_national_id(raw, salt)
    if column.kind == "moment":
        return read_moment(raw, time_only_code="REG014")
    value = column.parse(raw)
    if isinstance(value, datetime) and column.kind == "date":
        return value.date()
    return value


def _store(target: dict[str, Any], key: str, value: Any) -> None:
    if key == "national_id":
        target["id_hash"], target["id_last4"] = value
    else:
        target[key] = value
