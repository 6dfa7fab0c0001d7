"""Excel templates of a data set for a period, and (re-exported from ``excel_read``) reading them back.

The template's "数据" sheet has one row per unit × month: 单位编码, 单位名称, 期间 (``201201``), then one
column per data element headed by its Chinese name; the "说明" sheet lists the element codes and the
rules. Blank = not reported. An optional 报送时间 column (not in the template, listed in 说明) carries another
system's submission time. ``docs/import-template.md`` describes the format for users.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Mapping
from datetime import date

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from ducha.core.actor import Actor
from ducha.core.exports import append_row
from ducha.core.periods import Period
from ducha.orgs.models import OrgUnit
from ducha.orgs.selectors import writable_units
from ducha.reporting.excel_read import (
    DATA_SHEET,
    FIXED_COLUMNS,
    NOTES_SHEET,
    ImportFileError,
    ImportProblem,
    data_set_elements,
    read_reports_files,
    read_reports_workbook,
)
from ducha.reporting.excel_versions import RULE as VERSIONS_RULE
from ducha.reporting.excel_versions import write_versions_sheet
from ducha.reporting.models import DataElement, DataSet

__all__ = ["ImportFileError", "ImportProblem", "build_template", "read_reports_files", "read_reports_workbook",
           "template_file_name", "template_units"]

TemplateValues = Mapping[tuple[str, str], Mapping[str, int]]
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
FIXED_FILL = PatternFill("solid", fgColor="F2F2F2")
THIN = Side(style="thin", color="BFBFBF")
EXTRA_ROWS = 100  # rows below the template's own that still get the number validation

RULES = [
    "每行是一个单位一个月份的报表。“单位编码”“期间”两列用于识别报表，请勿修改；“单位名称”仅供核对。",
    "期间写作年份 4 位加月份 2 位，如 201201 表示 2012年1月（也可写 2012-01）；不能填报尚未开始的月份。",
    "数值为不小于 0 的整数（人数、例数），不能填写小数、负数、文字或没有计算结果的公式。",
    "空白单元格表示未填报；一行的数据项全部空白时整行不导入；本模板中已有数据的单元格改为空白会删除该数据"
    "（没有版本信息的文件，如 CSV，空白单元格不删除已有数据）。",
    "同一单位同一月份只能出现一次（同一次导入的多个文件之间也不能重复）。",
    "也可以另存为 CSV 文件（UTF-8 或 GBK 编码）导入，表头保持不变。",
    "可以在最后加一列“报送时间”（可选），填写原系统中的报送时间，如 2012-02-03 10:15 或 2012-02-03T10:15:00+08:00；"
    "不填则报送时间为导入时间。报送时间不能晚于导入时间，也不能早于该月开始。",
    "文件中任何一处有问题，整个文件都不会导入；请按提示（文件、工作表、行、列）改正后重新导入。",
    VERSIONS_RULE,
]


def template_units(actor: Actor, data_set: DataSet) -> list[OrgUnit]:
    """Units the actor may report for: assigned ``data_set`` and writable by the actor."""
    return list(data_set.org_units.filter(pk__in=writable_units(actor)).order_by("sort_order", "code"))


def template_file_name(data_set: DataSet, period: Period) -> str:
    return f"{data_set.name}_{period.code}.xlsx"


def build_template(data_set: DataSet, period: Period, units: Iterable[OrgUnit], values: TemplateValues | None = None,
                   *, today: date | None = None, versions: TemplateValues | None = None) -> bytes:
    """An .xlsx template: one row per unit × month of ``period`` that has begun, pre-filled with ``values``.

    With ``versions`` (the stored values' versions) a hidden "版本" sheet records what each cell held, so an
    import of the filled template can tell the user's changes from values changed since by others.
    """
    elements = data_set_elements(data_set)
    months = [m for m in period.months() if m.start <= (today or timezone.localdate())]
    book = Workbook()
    ws = book.active
    assert ws is not None
    ws.title = DATA_SHEET
    append_row(ws, [*FIXED_COLUMNS.values(), *(e.name for e in elements)])
    rows = []
    for unit in units:
        for m in months:
            filled = (values or {}).get((unit.code, m.code), {})
            append_row(ws, [unit.code, unit.name, m.code, *(filled.get(e.code) for e in elements)])
            rows.append((unit.code, m.code))
    _style_data_sheet(ws, len(elements))
    _notes_sheet(book.create_sheet(NOTES_SHEET), data_set, period, elements)
    if versions is not None:
        stored = {key: {code: (value, versions.get(key, {}).get(code, 0)) for code, value in cells.items()}
                  for key, cells in (values or {}).items()}
        write_versions_sheet(book, rows, [e.code for e in elements], stored)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _style_data_sheet(ws: Worksheet, n_elements: int) -> None:
    last_col = get_column_letter(3 + n_elements)
    last_row = ws.max_row
    for c in ws[1]:
        c.font = Font(bold=True)
        c.fill = HEADER_FILL
        c.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        c.border = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
    ws.row_dimensions[1].height = 48
    for col, width in (("A", 12), ("B", 26), ("C", 10)):
        ws.column_dimensions[col].width = width
    for index in range(4, 4 + n_elements):
        name = str(ws.cell(row=1, column=index).value)
        ws.column_dimensions[get_column_letter(index)].width = max(10, min(18, len(name) + 4))
    for row in ws.iter_rows(min_row=2, max_row=last_row):
        for c in row[:3]:
            c.number_format = "@"
            c.fill = FIXED_FILL
        for c in row[3:]:
            c.number_format = "0"
    ws.freeze_panes = "D2"
    if n_elements:
        rule = DataValidation(type="whole", operator="greaterThanOrEqual", formula1="0", allow_blank=True,
                              showErrorMessage=True, errorTitle="数值无效", error="请填写不小于 0 的整数；未填报请留空。",
                              showInputMessage=True, promptTitle="填写数值", prompt="不小于 0 的整数，未填报请留空")
        rule.add(f"D2:{last_col}{last_row + EXTRA_ROWS}")
        ws.add_data_validation(rule)


def _notes_sheet(ws: Worksheet, data_set: DataSet, period: Period, elements: list[DataElement]) -> None:
    append_row(ws, [f"{data_set.name}（{data_set.code}）填报模板"])
    ws["A1"].font = Font(bold=True, size=14)
    append_row(ws, ["期间", period.label, period.code])
    append_row(ws, ["报送周期", data_set.get_period_type_display(), f"期末后 {data_set.deadline_days} 天内报送为及时"])
    append_row(ws, [])
    append_row(ws, ["填写说明"])
    ws.cell(row=ws.max_row, column=1).font = Font(bold=True)
    for number, text in enumerate(RULES, start=1):
        append_row(ws, [f"{number}.", text])
    append_row(ws, [])
    append_row(ws, ["列", "表头", "数据元编码", "类型", "计量单位", "栏目", "说明"])
    for c in ws[ws.max_row]:
        c.font = Font(bold=True)
        c.fill = HEADER_FILL
    append_row(ws, ["A", "单位编码", "", "文本", "", "", "系统中的单位编码，勿修改"])
    append_row(ws, ["B", "单位名称", "", "文本", "", "", "仅供核对，导入时不读取"])
    append_row(ws, ["C", "期间", "", "文本", "", "", "月份编码，如 201201"])
    append_row(ws, ["（可选）", "报送时间", "", "日期时间", "", "", "原系统中的报送时间，如 2012-02-03 10:15；不填为导入时间"])
    sections = {se.data_element_id: se.section for se in data_set.set_elements.all()}
    for index, element in enumerate(elements, start=4):
        append_row(ws, [get_column_letter(index), element.name, element.code, "整数（≥0）", element.unit_label,
                        sections.get(element.pk, "") or element.category,
                        element.description or ("期末数（季度、年度取最后一个月）" if element.aggregation == "last" else "")])
    for col, width in zip("ABCDEFG", (8, 30, 22, 12, 10, 16, 40), strict=True):
        ws.column_dimensions[col].width = width
