"""Blank register templates (.xlsx and .csv) built from the import format in ``import_columns``.

Templates:
- ``pregnancy``: sheets 孕产妇手册, 产前检查, 产后访视 (one sheet per table) and 说明;
- ``child``: sheets 儿童手册, 儿童体检 and 说明;
- ``pregnancy_visits`` / ``child_exams``: one sheet 产前检查 / 儿童体检 with the record's identity
  repeated on every row (one row per visit/exam);
- ``<table>.csv`` for each of the five tables (UTF-8 with BOM, so Excel opens it in Chinese).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from ducha.registers.import_columns import (
    ANTENATAL,
    CHILD,
    EXAM,
    NOTES_SHEET,
    POSTPARTUM,
    PREGNANCY,
    TABLES,
    TABLES_BY_NAME,
    Column,
    TableSpec,
)

TEMPLATE_ROWS = 2000  # rows that get the formats and drop-down lists


@dataclass(frozen=True)
class Template:
    name: str
    title: str
    sheets: tuple[tuple[TableSpec, bool], ...]  # (table, with the record's identity repeated)

    @property
    def file_name(self) -> str:
        return f"{self.title}.xlsx"


TEMPLATES = {
    "pregnancy": Template("pregnancy", "孕产妇登记导入模板", ((PREGNANCY, False), (ANTENATAL, False), (POSTPARTUM, False))),
    "child": Template("child", "儿童登记导入模板", ((CHILD, False), (EXAM, False))),
    "pregnancy_visits": Template("pregnancy_visits", "产前检查导入模板（每次检查一行）", ((ANTENATAL, True),)),
    "child_exams": Template("child_exams", "儿童体检导入模板（每次体检一行）", ((EXAM, True),)),
}
REQUIRED_FILL = PatternFill("solid", fgColor="FDE2E1")
HEADER_FILL = PatternFill("solid", fgColor="E8EEF7")


def template_columns(table: TableSpec, with_identity: bool) -> list[Column]:
    return table.all_columns() if with_identity else list(table.columns)


def _write_sheet(ws: Worksheet, columns: list[Column]) -> None:
    ws.append([c.header for c in columns])
    ws.freeze_panes = "C2"
    for index, column in enumerate(columns, start=1):
        letter = get_column_letter(index)
        head = ws.cell(row=1, column=index)
        head.font = Font(bold=True, color="B42318" if column.required else "1F2937")
        head.fill = REQUIRED_FILL if column.required else HEADER_FILL
        head.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        ws.column_dimensions[letter].width = max(10, min(24, len(column.header) * 2 + 4))
        cells = f"{letter}2:{letter}{TEMPLATE_ROWS + 1}"
        if column.kind in ("date", "moment"):
            shown = "yyyy-mm-dd" if column.kind == "date" else "yyyy-mm-dd hh:mm"
            for row in range(2, 52):
                ws.cell(row=row, column=index).number_format = shown
        if column.kind in ("id", "text") or column.key == "record_no":
            for row in range(2, 52):
                ws.cell(row=row, column=index).number_format = "@"
        if column.choices:
            labels = _choice_labels(column)
            rule = DataValidation(type="list", formula1='"' + ",".join(labels) + '"', allow_blank=True,
                                  showErrorMessage=False)
            rule.add(cells)
            ws.add_data_validation(rule)


def _choice_labels(column: Column) -> list[str]:
    """The first spelling of each allowed value (男, 女 …), as the drop-down list shows them."""
    assert column.choices is not None
    seen: dict[object, str] = {}
    for spelling, value in column.choices[0].items():
        seen.setdefault(value, spelling.upper() if spelling in ("a", "b", "ab", "o") else spelling)
    return list(seen.values())


def _notes(ws: Worksheet, sheets: tuple[tuple[TableSpec, bool], ...]) -> None:
    ws.append(["工作表", "列名", "必需列", "必填", "类型/单位", "允许的值或格式", "说明"])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for table, with_identity in sheets:
        for column in template_columns(table, with_identity):
            ws.append([table.name, column.header, "是" if column.required else "", "是" if column.mandatory else "",
                       column_type(column), column.expected, column.note])
    ws.append([])
    ws.append(["", "红色表头为必需列。每个文件只放孕产妇或儿童一类登记；整个文件任何一处有问题都不会导入。"
                   "详见 docs/registers-import.md。"])
    ws.append(["", "录入时间、录入人、修改时间（可选）：从其他系统导出的登记可保留原系统的录入信息，如 录入时间 "
                   "2012-03-01 08:30（或 2012-03-01T08:30:00+08:00）、录入人 张三；不填则为导入时间和导入人。"])
    for letter, width in zip("ABCDEFG", (12, 18, 8, 6, 16, 36, 60), strict=True):
        ws.column_dimensions[letter].width = width


def column_type(column: Column) -> str:
    kind = {"text": "文字", "date": "日期", "moment": "日期时间", "decimal": "数字", "int": "整数", "choice": "选项", "id": "身份证号"}[column.kind]
    return f"{kind}（{column.unit}）" if column.unit else kind


def build_template(name: str) -> bytes:
    """The blank .xlsx template ``name`` (a key of :data:`TEMPLATES`)."""
    template = TEMPLATES[name]
    book = Workbook()
    first = True
    for table, with_identity in template.sheets:
        ws = book.active if first else book.create_sheet()
        assert ws is not None
        ws.title = table.name
        _write_sheet(ws, template_columns(table, with_identity))
        first = False
    _notes(book.create_sheet(NOTES_SHEET), template.sheets)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def build_csv_template(table_name: str) -> bytes:
    """A header-only CSV for one table (its file name must keep the table's name)."""
    table = TABLES_BY_NAME[table_name]
    out = io.StringIO()
    csv.writer(out).writerow([c.header for c in table.columns])
    return out.getvalue().encode("utf-8-sig")


CSV_TABLES = [t.name for t in TABLES]
