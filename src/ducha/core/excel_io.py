"""Reading tabular files (.xlsx / .csv): shared by the org-unit and the report imports.

Every problem found in a file is collected as an :class:`ImportProblem` (stable code, file, sheet,
row, column, value, what was expected — all Chinese) and raised together in one
:class:`ImportFileError`; callers write nothing unless no file has any problem. The reporting
import (``reporting/excel_read.py``) reuses these primitives, so they live in the lowest app.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import IO, Any

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException

from ducha.core.exports import unquote
from ducha.core.files import FileCheckError, check_xlsx_container, read_limited
from ducha.core.import_problems import PROBLEM_TITLES, ImportFileError, ImportProblem
from ducha.core.limits import CSV_FIELD_MAX, DEFAULT_COUNT_MAX, number_text, whole_number_text

__all__ = ["BROKEN_FILE_ERRORS", "COUNT_EXPECTED", "DATE_EXPECTED", "MAX_COLUMNS", "PROBLEM_TITLES", "CellError", "ImportFileError",
           "ImportProblem", "RowCallback", "Sheet", "Source", "cell", "cell_text", "code_text", "header_key",
           "is_blank", "load_sheets", "map_columns", "parse_count", "parse_date", "read_bytes", "read_file",
           "xlsx_checked"]

Source = str | Path | IO[bytes]

COUNT_EXPECTED = "不小于 0 的整数（只能含数字，未填报请留空）"
# Widest table any import reads (the report template has ~40 columns, the register tables fewer).
MAX_COLUMNS = 200
BROKEN_FILE_ERRORS = (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError, TypeError,
                      SyntaxError, EOFError, IndexError, AttributeError, OverflowError)
_DECIMAL_TEXT = re.compile(r"^-?[0-9]*\.[0-9]+$|^-?[0-9]+\.[0-9]*$")
_NEGATIVE_TEXT = re.compile(r"^-[0-9]+$")


class CellError(ValueError):
    def __init__(self, code: str, problem: str, expected: str):
        super().__init__(problem)
        self.code, self.problem, self.expected = code, problem, expected


@dataclass
class Sheet:
    """The cells of one worksheet (or CSV file), rows numbered as Excel shows them."""

    file: str
    name: str
    rows: list[tuple[int, list[Any]]]
    uncached_formulas: set[tuple[int, int]] = field(default_factory=set)
    wide_rows: list[int] = field(default_factory=list)  # rows with data past MAX_COLUMNS

    @property
    def header(self) -> list[Any]:
        return self.rows[0][1] if self.rows else []

    @property
    def data_rows(self) -> list[tuple[int, list[Any]]]:
        return [(n, cells) for n, cells in self.rows[1:] if any(not is_blank(c) for c in cells)]

    def problem(self, code: str, problem: str, *, row: int | None = None, col: int | None = None,
                value: Any = None, expected: str = "") -> ImportProblem:
        header = ""
        if col is not None and col < len(self.header):
            header = cell_text(self.header[col])
        return ImportProblem(code=code, file=self.file, sheet=self.name, row=row,
                             column=get_column_letter(col + 1) if col is not None else "", header=header,
                             value=cell_text(value), problem=problem, expected=expected)


def is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def cell_text(value: Any) -> str:
    """How a cell's value is shown in a message."""
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M") if value.time() != time() else value.strftime("%Y-%m-%d")
    if isinstance(value, date):
        return value.isoformat()
    text = str(value).strip()
    return text if len(text) <= 60 else text[:57] + "…"


def code_text(value: Any) -> str:
    """A code cell as text: Excel may have turned ``101`` into the number 101.0; the quote ducha's own
    exports put before formula-like text is taken off again."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return unquote(unicodedata.normalize("NFKC", str(value)).strip()) if value is not None else ""


def header_key(value: Any) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(value))) if value is not None else ""


def parse_count(value: Any, *, maximum: int = DEFAULT_COUNT_MAX) -> int | None:
    """A whole number 0..``maximum`` (``ducha.core.limits``), or None for a blank cell; else :class:`CellError`.

    Text holds ASCII (or full-width) digits and thousands commas only: ``1_000``, ``٣``, ``²``, ``1e3``,
    ``inf`` are not numbers. A number cell must be finite and whole (``12.0`` is 12).
    """
    if is_blank(value):
        return None
    expected = f"不小于 0 的整数（不超过 {maximum:,}，只能含数字；未填报请留空）"
    if isinstance(value, bool | datetime | date | time):
        raise CellError("IMP020", "不是数字", expected)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise CellError("IMP020", "不是数字", expected)
        if not value.is_integer():
            raise CellError("IMP022", "不能为小数", expected)
        value = int(value)
    if isinstance(value, str):
        value = _count_text(value, expected)
    if not isinstance(value, int):
        raise CellError("IMP020", "不是数字", expected)
    if value < 0:
        raise CellError("IMP021", "不能为负数", expected)
    if value > maximum:
        raise CellError("IMP028", f"数值过大（不应超过 {maximum:,}）", expected)
    return value


def _count_text(value: str, expected: str) -> int:
    digits = whole_number_text(value)
    if digits is not None:
        return int(digits) if len(digits) <= 20 else 10 ** 20
    text = number_text(value)
    if _NEGATIVE_TEXT.fullmatch(text):
        raise CellError("IMP021", "不能为负数", expected)
    if _DECIMAL_TEXT.fullmatch(text) and len(text) <= 40:
        whole, _, fraction = text.partition(".")
        if fraction.strip("0"):
            raise CellError("IMP022", "不能为小数", expected)
        return _count_text(whole or "0", expected)
    raise CellError("IMP020", "不是数字", expected)


DATE_EXPECTED = "日期，如 2012-01-31、2012/1/31、2012年1月31日 或 20120131"
_DATE_TEXT = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
_DATE_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_DATETIME_TEXT = re.compile(r"^(.+?)[ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?$")
_EXCEL_EPOCH = date(1899, 12, 30)
_EXCEL_SERIAL_END = 2958466  # 10000-01-01: no Excel date beyond


def parse_date(value: Any) -> date | None:
    """A date from a date cell, a text date (a time after it is dropped), yyyymmdd, or an Excel serial
    number in a numeric cell; None for a blank cell. An impossible date (2 月 30 日) is named (IMP024)."""
    if is_blank(value):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, bool):
        raise CellError("IMP024", "日期无法识别", DATE_EXPECTED)
    if isinstance(value, int | float):
        if isinstance(value, int) or value.is_integer():
            compact = _DATE_COMPACT.match(str(int(value)))
            if compact:
                return _date_of(int(compact[1]), int(compact[2]), int(compact[3]))
        if 1 <= value < _EXCEL_SERIAL_END:  # an Excel serial date in a cell not formatted as a date
            return _EXCEL_EPOCH + timedelta(days=int(value))
        raise CellError("IMP024", "日期无法识别", DATE_EXPECTED)
    text = unicodedata.normalize("NFKC", str(value)).strip()
    if timed := _DATETIME_TEXT.match(text):
        text = timed[1].strip()
    match = _DATE_TEXT.match(text) or _DATE_COMPACT.match(text)
    if not match:
        raise CellError("IMP024", "日期无法识别", DATE_EXPECTED)
    return _date_of(int(match[1]), int(match[2]), int(match[3]))


def _date_of(year: int, month: int, day: int) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        problem = f"日期不存在（{year}年{month}月没有{day}日）" if 1 <= month <= 12 else f"日期不存在（没有{month}月）"
        raise CellError("IMP024", problem, "真实存在的日期，如 2012-02-29") from None


def read_bytes(source: Source) -> bytes:
    """The whole content of a path or an uploaded/open file, at most ``DUCHA_IMPORT_MAX_MB``
    (raises :class:`ducha.core.files.FileCheckError` beyond it)."""
    return read_limited(source)


def _file_error(label: str, err: FileCheckError) -> ImportFileError:
    return ImportFileError([ImportProblem(err.code, label, err.problem, expected=err.expected)])


def read_file(source: Source, label: str) -> bytes:
    """:func:`read_bytes`, with a refusal (IMP006) as an :class:`ImportFileError` naming the file."""
    try:
        return read_limited(source)
    except FileCheckError as err:
        raise _file_error(label, err) from None
    except OSError as err:  # unreadable (permissions, a folder, a vanished file)
        raise ImportFileError([ImportProblem("IMP002", label, f"无法读取文件（{err.strerror or '读取失败'}）",
                                             expected="可以读取的 .xlsx 或 .csv 文件")]) from None


def xlsx_checked(data: bytes, label: str) -> bytes:
    """``data`` once its zip directory passed :func:`ducha.core.files.check_xlsx_container` (IMP002/IMP007)."""
    try:
        check_xlsx_container(data)
    except FileCheckError as err:
        raise _file_error(label, err) from None
    return data


def _trimmed(row: Any) -> list[Any]:
    """The row's cells up to the last one that is not None (``[]`` for a blank row)."""
    cells = list(row)
    if cells.count(None) == len(cells):
        return []
    while cells[-1] is None:
        cells.pop()
    return cells


def _excel_sheets(data: bytes, label: str, skip: set[str]) -> list[Sheet]:
    """Streamed (openpyxl read-only): blank rows are not kept, cells past :data:`MAX_COLUMNS` are reported."""
    values_book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    formula_book = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    sheets = []
    for values_ws, formula_ws in zip(values_book.worksheets, formula_book.worksheets, strict=True):
        if values_ws.title in skip:
            continue
        values_ws.reset_dimensions()
        formula_ws.reset_dimensions()
        sheet = Sheet(file=label, name=values_ws.title, rows=[])
        rows = zip(values_ws.iter_rows(values_only=True), formula_ws.iter_rows(values_only=True), strict=False)
        for number, (cached, raw) in enumerate(rows, start=1):
            cells = _trimmed(cached[:MAX_COLUMNS + 1]) if cached else []
            if len(cells) > MAX_COLUMNS:
                sheet.wide_rows.append(number)
                cells = _trimmed(cells[:MAX_COLUMNS])
            for col, formula in enumerate(raw[:MAX_COLUMNS] if raw else ()):
                if _is_formula(formula) and (col >= len(cached) or cached[col] is None):
                    sheet.uncached_formulas.add((number, col))
            if cells or number == 1:  # a blank row is never a data row; keep the header row
                sheet.rows.append((number, cells))
        sheets.append(sheet)
    values_book.close()
    formula_book.close()
    return sheets


def _is_formula(value: Any) -> bool:
    return (isinstance(value, str) and value.startswith("=")) or type(value).__name__ in (
        "ArrayFormula", "DataTableFormula")


def _decode_csv(data: bytes, label: str) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            pass
    elif b"\x00" not in data:
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                return data.decode(encoding)
            except UnicodeDecodeError:
                continue
    raise ImportFileError([ImportProblem(
        "IMP004", label, "无法识别文件编码" + ("（文件中含有空字符，可能不是文本文件）" if b"\x00" in data else ""),
        expected="UTF-8 或 GBK 编码的 CSV 文件（在 Excel 中“另存为”“CSV UTF-8（逗号分隔）”）")])


def _csv_sheet(data: bytes, label: str) -> Sheet:
    """One table; a field over ``CSV_FIELD_MAX`` characters is an IMP026 problem naming row and column.

    Any line ending (LF, CR LF, a bare CR) ends a row; blank rows are not kept (row numbers are).
    """
    text = _decode_csv(data, label)
    sheet = Sheet(file=label, name="", rows=[])
    problems: list[ImportProblem] = []
    csv.field_size_limit(max(csv.field_size_limit(), len(text) + 1))
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        for n, fields in enumerate(reader, start=1):
            cells = [c if c.strip() else None for c in fields[:MAX_COLUMNS + 1]]
            for col, value in enumerate(cells):
                if value is not None and len(value) > CSV_FIELD_MAX:
                    problems.append(sheet.problem("IMP026", f"这一格有 {len(value):,} 个字符，过长", row=n, col=col,
                                                  expected=f"不超过 {CSV_FIELD_MAX:,} 个字符"))
                    cells[col] = value[:60]
            cells = _trimmed(cells)
            if len(cells) > MAX_COLUMNS:
                sheet.wide_rows.append(n)
                cells = _trimmed(cells[:MAX_COLUMNS])
            if cells or n == 1:
                sheet.rows.append((n, cells))
    except csv.Error as err:
        problems.append(ImportProblem("IMP002", label, f"CSV 文件格式有误（第 {reader.line_num} 行附近：{err}）",
                                      row=reader.line_num or None, expected="用 Excel 或 WPS 另存为的 CSV 文件"))
    if problems:
        raise ImportFileError(problems)
    return sheet


def load_sheets(source: Source, *, file_label: str, skip: set[str] | None = None) -> list[Sheet]:
    """Every worksheet of an .xlsx/.xlsm file (or the one table of a .csv), except those named in ``skip``.

    The file is refused before any parser runs when it is over ``DUCHA_IMPORT_MAX_MB`` (IMP006) or,
    for .xlsx, when its zip directory promises too much (IMP007, see :mod:`ducha.core.files`).
    """
    suffix = Path(file_label).suffix.lower()
    if suffix not in (".xlsx", ".xlsm", ".csv"):
        expected = "Excel 2007 及以后的 .xlsx 文件（请在 Excel 中“另存为”.xlsx）" if suffix == ".xls" else (
            ".xlsx 或 .csv 文件")
        raise ImportFileError([ImportProblem("IMP003", file_label, f"不支持“{suffix or '无扩展名'}”类型的文件",
                                             expected=expected)])
    data = read_file(source, file_label)
    if not data.strip():
        raise ImportFileError([ImportProblem("IMP001", file_label, "文件是空的（没有任何内容）",
                                             expected="填写了数据的报表文件")])
    if suffix == ".csv":
        sheets = [_csv_sheet(data, file_label)]
    else:
        xlsx_checked(data, file_label)  # before openpyxl sees the file (IMP002/IMP007)
        try:
            sheets = _excel_sheets(data, file_label, skip or set())
        except BROKEN_FILE_ERRORS:
            raise ImportFileError([ImportProblem(
                "IMP002", file_label, "文件无法打开，不是有效的 Excel 文件（可能是其他类型的文件改了扩展名，或文件已损坏）",
                expected="用 Excel 或 WPS 保存的 .xlsx 文件")]) from None
    wide = [s.problem("IMP011", f"第 {MAX_COLUMNS} 列之后还有数据", row=s.wide_rows[0], col=MAX_COLUMNS,
                      expected=f"表格不超过 {MAX_COLUMNS} 列（{get_column_letter(MAX_COLUMNS)} 列）")
            for s in sheets if s.wide_rows]
    if wide:
        raise ImportFileError(wide)
    return sheets


def map_columns(sheet: Sheet, known: dict[str, str], *, required: list[str], names: dict[str, str],
                hint: str) -> tuple[dict[str, int], list[ImportProblem]]:
    """Map the header row to keys: ``known`` maps a header text (see :func:`header_key`) to a key,
    ``names`` a key to its label; ``hint`` says which column names are allowed."""
    columns: dict[str, int] = {}
    problems = []
    width = max(len(cells) for _, cells in sheet.rows)
    for col in range(width):
        raw = sheet.header[col] if col < len(sheet.header) else None
        text = header_key(raw)
        if not text:
            if any(col < len(cells) and not is_blank(cells[col]) for _, cells in sheet.rows[1:]):
                problems.append(sheet.problem("IMP013", "第 1 行的表头为空，但这一列填有数据", row=1, col=col,
                                              expected="本报表的列名（见模板第 1 行）"))
            continue
        key = known.get(text)
        if key is None:
            problems.append(sheet.problem("IMP011", "无法识别的列名", row=1, col=col, value=raw, expected=hint))
        elif key in columns:
            problems.append(sheet.problem("IMP012", f"与 {get_column_letter(columns[key] + 1)} 列重复",
                                          row=1, col=col, value=raw, expected="每一列只出现一次"))
        else:
            columns[key] = col
    missing = [names[k] for k in required if k not in columns]
    if missing:
        problems.append(ImportProblem("IMP010", sheet.file, "第 1 行缺少列：" + "、".join(missing), sheet=sheet.name,
                                      row=1, expected="与模板相同的表头（第 1 行）"))
    return columns, problems


def cell(cells: list[Any], col: int | None) -> Any:
    if col is None or col >= len(cells):
        return None
    value = cells[col]
    return value.strip() if isinstance(value, str) else value


RowCallback = Callable[[int, int], None]
