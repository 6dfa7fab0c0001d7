"""From a file to located tables: which sheet is which table, where its header row is, which column is which.

- ``.xlsx``: each sheet named after a table (孕产妇手册, 产前检查, 产后访视, 儿童手册, 儿童体检); a
  sheet named 说明 and hidden sheets of other names are skipped. A workbook with a single sheet of
  another name (``Sheet1``) is named by its file name, as a CSV file is.
- ``.csv``: one table per file, named by the file name, which must contain the table's name
  (``甲镇_儿童体检_2012.csv``).
- Merged cells are unmerged as Excel users mean them: the value fills the whole range. Rows above the
  header (a merged title) are skipped; a two-row header (a merged group title over its columns)
  takes each column's lowest header text; a header merged across columns with no name per column
  is reported.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from openpyxl.utils import get_column_letter

from ducha.core.excel_io import (
    MAX_COLUMNS,
    ImportFileError,
    ImportProblem,
    Source,
    cell_text,
    is_blank,
    load_sheets,
    read_file,
    xlsx_checked,
)
from ducha.core.files import FileCheckError
from ducha.registers.import_columns import (
    IGNORED_HEADERS,
    NOTES_SHEET,
    TABLES,
    TABLES_BY_NAME,
    Column,
    TableSpec,
    normal_header,
)
from ducha.registers.import_xlsx import Grid, NotAWorkbook, read_xlsx

SUFFIXES = (".xlsx", ".xlsm", ".csv")
HEADER_SCAN_ROWS = 12
TABLE_NAMES = "、".join(t.name for t in TABLES)


@dataclass
class Located:
    """A table found in a sheet: its header row(s) and the column of every known key."""

    grid: Grid
    table: TableSpec
    header_row: int
    data_start: int
    headers: dict[int, Any] = field(default_factory=dict)
    columns: dict[str, tuple[int, Column]] = field(default_factory=dict)

    @property
    def sheet(self) -> str:
        return self.grid.name

    def problem(self, code: str, problem: str, *, row: int | None = None, col: int | None = None,
                value: Any = None, expected: str = "") -> ImportProblem:
        return ImportProblem(code=code, file=self.grid.file, sheet=self.grid.name, row=row,
                             column=get_column_letter(col + 1) if col is not None else "",
                             header=cell_text(self.headers.get(col)) if col is not None else "",
                             value=cell_text(value), problem=problem, expected=expected)

    def data_rows(self) -> list[tuple[int, list[Any]]]:
        return [(n, cells) for n, cells in self.grid.rows
                if n >= self.data_start and any(not is_blank(c) for c in cells)]


def _file_problem(code: str, label: str, problem: str, expected: str) -> ImportFileError:
    return ImportFileError([ImportProblem(code, label, problem, expected=expected)])


def load_grids(source: Source, file_label: str) -> list[Grid]:
    """The sheets of one file; raises :class:`ImportFileError` for an empty, broken or unsupported file."""
    suffix = Path(file_label).suffix.lower()
    if suffix not in SUFFIXES:
        hint = "（旧版 .xls 请在 Excel 中“另存为”.xlsx）" if suffix == ".xls" else ""
        raise _file_problem("IMP003", file_label, f"不支持“{suffix or '无扩展名'}”类型的文件",
                            ".xlsx 或 .csv 文件" + hint)
    data = read_file(source, file_label)  # refused past DUCHA_IMPORT_MAX_MB (IMP006)
    if not data.strip():
        raise _file_problem("IMP001", file_label, "文件是空的（没有任何内容）", "按模板填写了数据的登记文件")
    if suffix == ".csv":
        sheet = load_sheets(io.BytesIO(data), file_label=file_label)[0]
        return [Grid(file=file_label, name="", rows=sheet.rows)]
    try:
        grids = read_xlsx(xlsx_checked(data, file_label), file_label)  # zip directory checked first (IMP007)
    except FileCheckError as err:  # a part unpacked to more than it declared
        raise _file_problem(err.code, file_label, err.problem, err.expected) from None
    except NotAWorkbook:
        raise _file_problem(
            "IMP002", file_label,
            "文件无法打开，不是有效的 Excel 文件（可能是其他类型的文件改了扩展名，或文件已损坏）",
            "用 Excel 或 WPS 保存的 .xlsx 文件") from None
    wide = [g for g in grids if g.wide_rows]
    if wide:
        raise ImportFileError([ImportProblem(
            "IMP011", g.file, f"第 {MAX_COLUMNS} 列之后还有数据", sheet=g.name, row=g.wide_rows[0],
            column=get_column_letter(MAX_COLUMNS + 1), expected=f"表格不超过 {MAX_COLUMNS} 列") for g in wide])
    return grids


def table_named(text: str) -> TableSpec | None:
    key = normal_header(text)
    return TABLES_BY_NAME.get(key)


def table_from_file_name(file_label: str) -> list[TableSpec]:
    stem = normal_header(Path(file_label).stem)
    return [t for t in TABLES if t.name in stem]


def assign_tables(grids: list[Grid], file_label: str) -> tuple[list[tuple[Grid, TableSpec]], list[ImportProblem]]:
    """Which table each sheet holds; problems for sheets that name no table."""
    problems: list[ImportProblem] = []
    candidates = [g for g in grids if normal_header(g.name) != NOTES_SHEET and not g.is_empty()]
    named = [(g, table_named(g.name)) for g in candidates]
    unnamed = [g for g, t in named if t is None and not g.hidden]
    if len(candidates) == 1 and unnamed:
        by_file = table_from_file_name(file_label)
        if len(by_file) == 1:
            return [(unnamed[0], by_file[0])], []
        where = "这个 CSV 文件" if not unnamed[0].name else f"工作表“{unnamed[0].name}”"
        problems.append(ImportProblem(
            "REG001", file_label, f"无法判断{where}是哪一张登记表", sheet=unnamed[0].name,
            expected=f"文件名中含表名（{TABLE_NAMES} 之一，如“甲镇_儿童体检.csv”）"
                     + ("，或把工作表命名为表名" if unnamed[0].name else "")))
        return [], problems
    for grid in unnamed:
        problems.append(ImportProblem("REG001", file_label, f"无法识别的工作表“{grid.name}”", sheet=grid.name,
                                      expected=f"工作表名为 {TABLE_NAMES} 之一（说明页可命名为“说明”）"))
    return [(g, t) for g, t in named if t is not None], problems


def _unmerge(grid: Grid) -> None:
    """Give every cell of a merged range the value of its top-left cell, as an Excel user sees it."""
    if not grid.merged:
        return
    index = {n: i for i, (n, _) in enumerate(grid.rows)}
    last_row = max(index, default=0)
    last_col = max((_last_filled(cells) for _, cells in grid.rows), default=0) - 1
    for min_row, min_col, max_row, max_col in grid.merged:
        max_row, max_col = min(max_row, last_row), min(max_col, max(last_col, min_col))
        first = index.get(min_row)
        if first is None:
            continue
        cells = grid.rows[first][1]
        value = cells[min_col] if min_col < len(cells) else None
        for n in range(min_row, max_row + 1):
            i = index.get(n)
            if i is None:
                grid.rows.append((n, []))
                i = index[n] = len(grid.rows) - 1
            row = grid.rows[i][1]
            if len(row) <= max_col:
                row.extend([None] * (max_col + 1 - len(row)))
            for c in range(min_col, max_col + 1):
                row[c] = value
    grid.rows.sort(key=lambda r: r[0])


def locate(grid: Grid, table: TableSpec) -> tuple[Located, list[ImportProblem]]:
    """The header row(s) of ``grid`` for ``table`` and the column of each key; header problems."""
    _unmerge(grid)
    top = grid.rows[:HEADER_SCAN_ROWS]
    header_row = next((n for n, cells in top if len({id(c) for v in cells if (c := table.column_for(v))}) >= 2),
                      top[0][0] if top else 1)
    block_end = max([r2 for r1, _, r2, _ in grid.merged if r1 <= header_row <= r2] + [header_row])
    located = Located(grid, table, header_row, block_end + 1)
    block = [cells for n, cells in grid.rows if header_row <= n <= block_end]
    width = max((_last_filled(cells) for _, cells in grid.rows), default=0)
    for col in range(width):
        for cells in reversed(block):
            if col < len(cells) and not is_blank(cells[col]):
                located.headers[col] = cells[col]
                break
    problems = _merged_header_problems(located, block_end)
    problems += _map_columns(located, width, {p.column for p in problems})
    return located, problems


def _last_filled(cells: list[Any]) -> int:
    """1 + the index of the last non-blank cell (a merged title over all 16,384 columns has blank copies)."""
    for index in range(len(cells) - 1, -1, -1):
        if not is_blank(cells[index]):
            return index + 1
    return 0


def _merged_header_problems(located: Located, block_end: int) -> list[ImportProblem]:
    problems = []
    for min_row, min_col, max_row, max_col in located.grid.merged:
        if max_col == min_col or not (min_row <= block_end and max_row >= located.header_row):
            continue
        texts = {normal_header(located.headers.get(c)) for c in range(min_col, max_col + 1)}
        if len(texts) == 1:
            ref = f"{get_column_letter(min_col + 1)}{min_row}:{get_column_letter(max_col + 1)}{max_row}"
            problems.append(located.problem(
                "REG003", f"表头单元格 {ref} 是合并单元格，跨了 {max_col - min_col + 1} 列，无法判断每一列的列名",
                row=min_row, col=min_col, value=located.headers.get(min_col),
                expected="取消合并，每一列写自己的列名（如“收缩压”“舒张压”）；分组标题可放在列名上面一行"))
    return problems


def _map_columns(located: Located, width: int, merged_letters: set[str]) -> list[ImportProblem]:
    problems = []
    table, row = located.table, located.header_row
    sample = located.data_rows()[:1000]
    for col in range(width):
        letter = get_column_letter(col + 1)
        if letter in merged_letters or _inside_reported_merge(located, col, merged_letters):
            continue
        raw = located.headers.get(col)
        if is_blank(raw):
            if any(col < len(cells) and not is_blank(cells[col]) for _, cells in sample):
                problems.append(located.problem("IMP013", "表头为空，但这一列填有数据", row=row, col=col,
                                                expected=f"“{table.name}”的列名（见模板）"))
            continue
        column = table.column_for(raw)
        if column is None:
            if normal_header(raw) not in IGNORED_HEADERS:
                problems.append(located.problem("IMP011", "无法识别的列名", row=row, col=col, value=raw,
                                                expected=f"“{table.name}”的列名（见模板或 docs/registers-import.md）"))
        elif column.key in located.columns:
            first = get_column_letter(located.columns[column.key][0] + 1)
            problems.append(located.problem("IMP012", f"与 {first} 列重复", row=row, col=col, value=raw,
                                            expected="每一列只出现一次"))
        else:
            located.columns[column.key] = (col, column)
    missing = [c.header for c in table.columns if c.required and c.key not in located.columns]
    if missing:
        problems.append(ImportProblem("IMP010", located.grid.file, "缺少必需的列：" + "、".join(missing),
                                      sheet=located.sheet, row=row,
                                      expected=f"“{table.name}”模板的表头（第 {row} 行）"))
    return problems


def _inside_reported_merge(located: Located, col: int, letters: set[str]) -> bool:
    return any(get_column_letter(c1 + 1) in letters and c1 <= col <= c2 and r1 <= located.header_row <= r2
               for r1, c1, r2, c2 in located.grid.merged)
