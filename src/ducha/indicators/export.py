"""Indicator tables as CSV, Excel and plain rows (the same columns everywhere)."""

from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from ducha.core.exports import append_row, write_csv
from ducha.indicators.selectors import IndicatorTable, IndicatorValue

HEADERS = ["指标", "单位编码", "单位", "分子", "分母", "值", "单位符号", "任务", "完成率(%)", "是否达标", "位次"]
# In Excel the rank is a number (sortable, filterable) and the number of ranked units a column of its own.
XLSX_HEADERS = [*HEADERS, "参与排名单位数"]


def _fmt(value: float | None, digits: int = 2) -> str:
    if value is None:
        return ""
    return f"{value:.{digits}f}".rstrip("0").rstrip(".") if digits else f"{value:.0f}"


def row_cells(row: IndicatorValue) -> list[str]:
    met = "" if row.target_met is None else ("达标" if row.target_met else "未达标")
    rank = "" if row.rank is None else f"{row.rank}/{row.rank_of}"
    return [
        row.indicator_name, row.unit_code, row.unit_label, _fmt(row.numerator, 0),
        _fmt(row.denominator, 0), _fmt(row.value), row.factor_label, _fmt(row.target), _fmt(row.attainment, 1),
        met, rank,
    ]


def ordered_rows(table: IndicatorTable) -> list[IndicatorValue]:
    """Per indicator: the root's total first, then its units by rank."""
    out: list[IndicatorValue] = []
    for code in table.indicator_codes():
        out.append(table.total(code))
        out.extend(table.peers(code))
    return out


def table_to_csv(table: IndicatorTable) -> str:
    """The table as CSV text; user text that looks like a formula is quoted (``ducha.core.exports``)."""
    buffer = io.StringIO()
    write_csv(buffer, [HEADERS, *(row_cells(row) for row in ordered_rows(table))])
    return buffer.getvalue()


def table_to_xlsx(table: IndicatorTable) -> bytes:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "指标"
    append_row(ws, [f"{table.root.name} {table.period.label} 指标完成情况"])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(XLSX_HEADERS))
    ws["A1"].font = Font(bold=True, size=14)
    ws["A1"].alignment = Alignment(horizontal="center")
    append_row(ws, XLSX_HEADERS)
    thin = Side(style="thin", color="999999")
    for cell in ws[2]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
    for row in ordered_rows(table):
        append_row(ws, _typed(row))
        if row.is_root:
            for cell in ws[ws.max_row]:
                cell.font = Font(bold=True)
    for line in ws.iter_rows(min_row=2):
        for cell in line:
            cell.border = Border(top=thin, bottom=thin, left=thin, right=thin)
    for i, width in enumerate([22, 10, 14, 10, 10, 10, 8, 10, 10, 9, 8, 12], start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.freeze_panes = "A3"
    ws.auto_filter.ref = f"A2:{get_column_letter(len(XLSX_HEADERS))}{ws.max_row}"
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _typed(row: IndicatorValue) -> list[object]:
    cells: list[object] = list(row_cells(row))
    cells[3] = row.numerator
    cells[4] = row.denominator
    cells[5] = None if row.value is None else round(row.value, 2)
    cells[7] = None if row.target is None else round(row.target, 2)
    cells[8] = None if row.attainment is None else round(row.attainment, 1)
    cells[10] = row.rank
    cells.append(row.rank_of if row.rank is not None else None)
    return cells
