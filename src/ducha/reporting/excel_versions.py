"""The hidden "版本" sheet of a downloaded report template: what each cell held, under which version.

One row per template row and data element: 单位编码, 期间, 数据元编码, 版本 (blank: the cell was empty),
下载时的值. On import a cell whose value is still the downloaded one is not written (someone else may
have changed it since); a changed cell is written based on its downloaded version, so a value changed
in the system since the download is refused instead of overwritten. A file without this sheet (a CSV,
another system's export) has no versions: see ``ducha.reporting.actions.import_reports``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from openpyxl import Workbook

from ducha.core.excel_io import ImportProblem, Sheet, code_text, is_blank

VERSIONS_SHEET = "版本"
HEADER = ["单位编码", "期间", "数据元编码", "版本", "下载时的值"]
RULE = "隐藏的“版本”工作表记录下载时每个单元格的数值和版本，导入时据此发现他人在此期间所做的修改，请勿修改或删除。"
BROKEN_EXPECTED = "从系统重新下载的模板（隐藏的“版本”工作表请勿修改）"


@dataclass(frozen=True)
class Base:
    """What one cell of a template row held when the template was downloaded."""

    version: int | None
    value: int | None


RowBases = dict[str, Base]


def write_versions_sheet(book: Workbook, rows: Iterable[tuple[str, str]], element_codes: list[str],
                         cells: Mapping[tuple[str, str], Mapping[str, tuple[int, int]]]) -> None:
    """Add the hidden sheet; ``cells[(unit, month)][code]`` is (value, version) of each stored value."""
    ws = book.create_sheet(VERSIONS_SHEET)
    ws.append(HEADER)
    for unit_code, month_code in rows:
        stored = cells.get((unit_code, month_code), {})
        for code in element_codes:
            value, version = stored.get(code, (None, None))
            ws.append([unit_code, month_code, code, version, value])
    ws.sheet_state = "hidden"


def _whole(value: object) -> int | None:
    if is_blank(value):
        return None
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int) and value >= 0:
        return value
    text = code_text(value)
    if text.isascii() and text.isdigit() and len(text) <= 18:
        return int(text)
    raise ValueError(value)


def read_versions_sheet(sheet: Sheet, problems: list[ImportProblem]) -> dict[tuple[str, str], RowBases]:
    """The downloaded state of each (unit, month) row; a damaged sheet is a problem (IMP052)."""
    header = [code_text(c) for c in sheet.header[:len(HEADER)]]
    if header != HEADER:
        problems.append(sheet.problem("IMP052", "隐藏的“版本”工作表被改动过，无法识别", row=1, col=0,
                                      expected=BROKEN_EXPECTED))
        return {}
    out: dict[tuple[str, str], RowBases] = {}
    for number, cells in sheet.rows[1:]:
        padded = [*cells, None, None, None, None, None][:5]
        unit_code, period, code = (code_text(c) for c in padded[:3])
        if not (unit_code or period or code):
            continue
        try:
            base = Base(version=_whole(padded[3]), value=_whole(padded[4]))
        except ValueError:
            problems.append(sheet.problem("IMP052", "隐藏的“版本”工作表被改动过：版本或数值无法识别", row=number,
                                          col=3, value=padded[3], expected=BROKEN_EXPECTED))
            continue
        out.setdefault((unit_code, period), {})[code] = base
    return out


def changes_against(values: Mapping[str, int | None], bases: RowBases | None) -> tuple[
        dict[str, int | None], dict[str, int | None] | None, dict[str, int | None]]:
    """The values to write, the versions they are based on and the downloaded values, for one file row.

    Without bases (no "版本" sheet, or a row the template did not have) every value is written and the
    row has no versions (``None``). With bases a value still equal to the downloaded one is not written.
    """
    if bases is None:
        return dict(values), None, {}
    changed: dict[str, int | None] = {}
    based_on: dict[str, int | None] = {}
    for code, value in values.items():
        base = bases.get(code, Base(None, None))
        if value != base.value:
            changed[code] = value
            based_on[code] = base.version
    return changed, based_on, {code: base.value for code, base in bases.items()}
