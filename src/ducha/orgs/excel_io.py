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
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import IO, Any

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException

Source = str | Path | IO[bytes]

# Stable ids of import problems (documented in docs/import-template.md).
PROBLEM_TITLES: dict[str, str] = {
    "IMP001": "文件是空的",
    "IMP002": "文件无法打开（不是有效的 Excel 文件）",
    "IMP003": "不支持的文件类型",
    "IMP004": "CSV 文件编码无法识别",
    "IMP005": "没有数据行",
    "IMP010": "缺少必需的列",
    "IMP011": "无法识别的列",
    "IMP012": "列重复",
    "IMP013": "表头为空的列中有数据",
    "IMP020": "数值不是数字",
    "IMP021": "数值为负数",
    "IMP022": "数值为小数",
    "IMP023": "公式没有计算结果",
    "IMP024": "日期无法识别",
    "IMP025": "必填项为空",
    "IMP026": "文字过长",
    "IMP027": "取值不在允许范围内",
    "IMP030": "期间无法识别",
    "IMP031": "期间不可填报（类型不符或尚未开始）",
    "IMP040": "单位编码不存在",
    "IMP041": "单位不在您可填报的范围内",
    "IMP042": "单位不需要报送该报表",
    "IMP043": "重复的行",
    "IMP044": "上级单位有误",
    "IMP045": "撤销日期早于启用日期",
    "IMP046": "无权导入",
}
COUNT_EXPECTED = "不小于 0 的整数（未填报请留空）"
BROKEN_FILE_ERRORS = (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError, TypeError,
                      SyntaxError, EOFError, IndexError, AttributeError)


@dataclass(frozen=True)
class ImportProblem:
    """One problem in an imported file, located down to the cell."""

    code: str
    file: str
    problem: str
    sheet: str = ""
    row: int | None = None
    column: str = ""
    header: str = ""
    value: str = ""
    expected: str = ""

    @property
    def location(self) -> str:
        parts = [f"文件“{self.file}”"]
        if self.sheet:
            parts.append(f"工作表“{self.sheet}”")
        if self.row:
            parts.append(f"第 {self.row} 行")
        if self.column:
            parts.append(f"{self.column} 列" + (f"（{self.header}）" if self.header else ""))
        return " ".join(parts)

    @property
    def message(self) -> str:
        text = f"{self.location}：{self.problem}"
        if self.value:
            text += f"，值为“{self.value}”"
        if self.expected:
            text += f"；应为{self.expected}"
        return text


class ImportFileError(ValueError):
    """One or more files cannot be imported; ``problems`` lists every problem found."""

    def __init__(self, problems: list[ImportProblem]):
        super().__init__("\n".join(p.message for p in problems))
        self.problems = problems


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
    """A code cell as text: Excel may have turned ``101`` into the number 101.0."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return unicodedata.normalize("NFKC", str(value)).strip() if value is not None else ""


def header_key(value: Any) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(value))) if value is not None else ""


def parse_count(value: Any) -> int | None:
    """A non-negative whole number, or None for a blank cell; raises :class:`CellError` otherwise."""
    if is_blank(value):
        return None
    if isinstance(value, bool | datetime | date | time):
        raise CellError("IMP020", "不是数字", COUNT_EXPECTED)
    try:
        text = unicodedata.normalize("NFKC", str(value)).strip().replace(",", "")
        number = Decimal(text)
    except InvalidOperation:
        raise CellError("IMP020", "不是数字", COUNT_EXPECTED) from None
    if not number.is_finite():
        raise CellError("IMP020", "不是数字", COUNT_EXPECTED)
    if number < 0:
        raise CellError("IMP021", "不能为负数", COUNT_EXPECTED)
    if number != number.to_integral_value():
        raise CellError("IMP022", "不能为小数", COUNT_EXPECTED)
    return int(number)


_DATE_TEXT = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")


def parse_date(value: Any) -> date | None:
    if is_blank(value):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    match = _DATE_TEXT.match(unicodedata.normalize("NFKC", str(value)).strip())
    try:
        if match:
            return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        pass
    raise CellError("IMP024", "日期无法识别", "日期，如 2012-01-31")


def read_bytes(source: Source) -> bytes:
    """The whole content of a path or an uploaded/open file."""
    if isinstance(source, str | Path):
        return Path(source).read_bytes()
    if hasattr(source, "seek"):
        source.seek(0)
    return source.read()


def _excel_sheets(data: bytes, label: str, skip: set[str]) -> list[Sheet]:
    values_book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    formula_book = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    sheets = []
    for values_ws, formula_ws in zip(values_book.worksheets, formula_book.worksheets, strict=True):
        if values_ws.title in skip:
            continue
        values_ws.reset_dimensions()
        formula_ws.reset_dimensions()
        sheet = Sheet(file=label, name=values_ws.title, rows=[])
        for number, (cached, raw) in enumerate(
            zip(values_ws.iter_rows(values_only=True), formula_ws.iter_rows(values_only=True), strict=False),
            start=1,
        ):
            sheet.rows.append((number, list(cached)))
            for col, (cache, formula) in enumerate(zip(cached, raw, strict=False)):
                if cache is None and _is_formula(formula):
                    sheet.uncached_formulas.add((number, col))
        sheets.append(sheet)
    values_book.close()
    formula_book.close()
    return sheets


def _is_formula(value: Any) -> bool:
    return (isinstance(value, str) and value.startswith("=")) or type(value).__name__ in (
        "ArrayFormula", "DataTableFormula")


def _csv_sheet(data: bytes, label: str) -> Sheet:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ImportFileError([ImportProblem("IMP004", label, "无法识别文件编码",
                                             expected="UTF-8 或 GBK 编码的 CSV 文件")])
    rows = [(n, [c if c.strip() else None for c in cells])
            for n, cells in enumerate(csv.reader(io.StringIO(text)), start=1)]
    return Sheet(file=label, name="", rows=rows)


def load_sheets(source: Source, *, file_label: str, skip: set[str] | None = None) -> list[Sheet]:
    """Every worksheet of an .xlsx/.xlsm file (or the one table of a .csv), except those named in ``skip``."""
    suffix = Path(file_label).suffix.lower()
    if suffix not in (".xlsx", ".xlsm", ".csv"):
        expected = "Excel 2007 及以后的 .xlsx 文件（请在 Excel 中“另存为”.xlsx）" if suffix == ".xls" else (
            ".xlsx 或 .csv 文件")
        raise ImportFileError([ImportProblem("IMP003", file_label, f"不支持“{suffix or '无扩展名'}”类型的文件",
                                             expected=expected)])
    data = read_bytes(source)
    if not data.strip():
        raise ImportFileError([ImportProblem("IMP001", file_label, "文件是空的（没有任何内容）",
                                             expected="填写了数据的报表文件")])
    if suffix == ".csv":
        return [_csv_sheet(data, file_label)]
    try:
        return _excel_sheets(data, file_label, skip or set())
    except BROKEN_FILE_ERRORS:
        raise ImportFileError([ImportProblem(
            "IMP002", file_label, "文件无法打开，不是有效的 Excel 文件（可能是其他类型的文件改了扩展名，或文件已损坏）",
            expected="用 Excel 或 WPS 保存的 .xlsx 文件")]) from None


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
