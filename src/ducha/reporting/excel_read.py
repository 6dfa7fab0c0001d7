"""Reading filled report templates (.xlsx or .csv) into :class:`ReportInput` rows, all problems at once.

A file is read completely and every problem is collected (header, cell, unit, period, duplicate);
if there is any, :class:`ImportFileError` carries them all and nothing is returned, so the caller
writes nothing. Rows whose data cells are all blank are not reported and are skipped. An optional
报送时间 column (another system's submission time, read by :func:`ducha.core.import_times.parse_moment`)
becomes the report's ``submitted_at``; it may not lie after the import nor before the period began.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.utils import timezone
from openpyxl.utils import get_column_letter

from ducha.core.actor import Actor
from ducha.core.excel_io import (
    CellError,
    ImportFileError,
    ImportProblem,
    RowCallback,
    Sheet,
    Source,
    cell,
    code_text,
    header_key,
    is_blank,
    load_sheets,
    map_columns,
    parse_count,
)
from ducha.core.import_problems import UNIT_NOT_AVAILABLE, enough_problems
from ducha.core.import_times import EARLIEST_MOMENT, MOMENT_EXPECTED, moment_text, parse_moment
from ducha.core.limits import UNIT_CODE_PATTERN, forbidden_characters
from ducha.core.periods import Period, PeriodError, month, parse_period
from ducha.orgs.models import OrgUnit
from ducha.orgs.selectors import writable_units
from ducha.reporting.actions import CellRef, ReportInput, check_report_period
from ducha.reporting.excel_versions import VERSIONS_SHEET, RowBases, changes_against, read_versions_sheet
from ducha.reporting.models import DataElement, DataSet

__all__ = ["DATA_SHEET", "NOTES_SHEET", "FIXED_COLUMNS", "ImportFileError", "ImportProblem",
           "data_set_elements", "read_reports_files", "read_reports_workbook"]

DATA_SHEET = "数据"
NOTES_SHEET = "说明"
FIXED_COLUMNS = {"unit": "单位编码", "unit_name": "单位名称", "period": "期间"}
SUBMITTED_AT = "报送时间"  # optional column; also accepted as 报送日期
PERIOD_EXPECTED = "月份编码，如 201201（2012年1月），也可写 2012-01"
FileCallback = Callable[[str], None]


def data_set_elements(data_set: DataSet) -> list[DataElement]:
    return [se.data_element for se in data_set.set_elements.select_related("data_element").order_by("order")]


@dataclass
class _Row:
    sheet: Sheet
    number: int
    unit_code: str
    period: Period
    values: dict[str, int | None]
    unit_col: int
    columns: dict[str, int]
    submitted_at: datetime | None = None

    @property
    def where(self) -> str:
        sheet = f"工作表“{self.sheet.name}”" if self.sheet.name else ""
        return f"文件“{self.sheet.file}”{sheet}第 {self.number} 行"

    @property
    def source(self) -> str:
        parts = [self.sheet.file[-120:], self.sheet.name, f"第{self.number}行"]
        text = "/".join(p for p in parts if p)
        return "".join(ch for ch in text if not forbidden_characters(ch))  # no NUL etc. in the stored text


class _Header:
    """What the header row of this data set's template may contain."""

    def __init__(self, data_set: DataSet):
        self.elements = data_set_elements(data_set)
        self.names = dict(FIXED_COLUMNS) | {e.code: e.name for e in self.elements}
        self.known = {header_key(label): key for key, label in FIXED_COLUMNS.items()}
        self.names["submitted_at"] = SUBMITTED_AT
        self.known |= {header_key(SUBMITTED_AT): "submitted_at", header_key("报送日期"): "submitted_at"}
        for element in self.elements:
            self.known[header_key(element.name)] = element.code
            self.known[header_key(element.code)] = element.code
        self.required = ["unit", "period", *(e.code for e in self.elements)]
        self.hint = "单位编码、单位名称、期间、报送时间，或“说明”工作表所列的数据元名称/编码"


def _period_of(sheet: Sheet, n: int, col: int, value: Any, data_set: DataSet,
               problems: list[ImportProblem]) -> Period | None:
    if (n, col) in sheet.uncached_formulas:
        problems.append(sheet.problem("IMP023", "公式没有计算结果", row=n, col=col, expected=PERIOD_EXPECTED))
        return None
    if is_blank(value):
        problems.append(sheet.problem("IMP025", "期间为空", row=n, col=col, expected=PERIOD_EXPECTED))
        return None
    try:
        if isinstance(value, datetime | date):
            period = month(value.year, value.month)
        else:
            period = parse_period(code_text(value))
    except PeriodError:
        problems.append(sheet.problem("IMP030", "期间无法识别", row=n, col=col, value=value, expected=PERIOD_EXPECTED))
        return None
    wrong = check_report_period(data_set, period)
    for text in wrong:
        problems.append(sheet.problem("IMP031", text, row=n, col=col, value=value,
                                      expected="已经开始的月份（不能填报未来的月份）"))
    return None if wrong else period


def _submitted_at(sheet: Sheet, n: int, col: int | None, value: Any, period: Period | None, now: datetime,
                  problems: list[ImportProblem]) -> tuple[datetime | None, bool]:
    """The row's 报送时间 (None when the column is absent or the cell blank), and whether it had a problem."""
    if col is None:
        return None, False
    problem: tuple[str, str, str] | None = None
    at = None
    try:
        if (n, col) in sheet.uncached_formulas:
            raise CellError("IMP023", "公式没有计算结果", MOMENT_EXPECTED)
        at = parse_moment(value, time_only_code="IMP054")
    except CellError as err:
        problem = (err.code, err.problem, err.expected)
    if at is not None and at > now:
        problem = ("IMP055", f"报送时间晚于导入时间（{moment_text(now)}）",
                   "不晚于导入时间的报送时间（原系统导出的时间；时区不同请写明，如 +08:00）")
    elif at is not None and (at.date() < EARLIEST_MOMENT or (period is not None and at.date() < period.start)):
        bound = max(EARLIEST_MOMENT, period.start) if period is not None else EARLIEST_MOMENT
        text = f"报送时间早于报表期间开始（{bound.isoformat()}）" if bound != EARLIEST_MOMENT else \
            f"报送时间早于 {bound.isoformat()}，不可能是电子报送的时间"
        problem = ("IMP056", text, f"{bound.isoformat()} 以后的报送时间（报表在期间开始之后才能报送；请核对年份）")
    if problem is not None:
        problems.append(sheet.problem(problem[0], problem[1], row=n, col=col, value=value, expected=problem[2]))
        return None, True
    return at, False


def _values_of(sheet: Sheet, n: int, cells: list[Any], columns: dict[str, int], header: _Header,
               problems: list[ImportProblem]) -> tuple[dict[str, int | None], bool]:
    """The row's numbers by element code, and whether any cell had a problem."""
    values: dict[str, int | None] = {}
    bad = False
    for element in header.elements:
        col = columns.get(element.code)
        if col is None:
            continue
        try:
            if (n, col) in sheet.uncached_formulas:
                raise CellError("IMP023", "公式没有计算结果",
                                "数值（请在 Excel 中重新计算并保存，或把公式改为直接填写的数值）")
            values[element.code] = parse_count(cell(cells, col), maximum=element.max_value)
        except CellError as err:
            bad = True
            problems.append(sheet.problem(err.code, err.problem, row=n, col=col, value=cell(cells, col),
                                          expected=err.expected))
    return values, bad


def _parse_sheet(sheet: Sheet, data_set: DataSet, header: _Header, problems: list[ImportProblem],
                 progress: Callable[[], None], now: datetime) -> list[_Row]:
    """The sheet's rows; stops reading (leaving the rest unread) once :func:`enough_problems`."""
    columns, header_problems = map_columns(sheet, header.known, required=header.required, names=header.names,
                                           hint=header.hint)
    problems += header_problems
    data_rows = sheet.data_rows
    if not data_rows:
        problems.append(ImportProblem("IMP005", sheet.file, "只有表头，没有数据行", sheet=sheet.name,
                                      expected="表头下每个单位每个月一行"))
    if "unit" not in columns or "period" not in columns:
        return []
    rows = []
    for n, cells in data_rows:
        if enough_problems(problems):
            break
        progress()
        values, bad = _values_of(sheet, n, cells, columns, header, problems)
        if not bad and all(v is None for v in values.values()):
            continue  # nothing reported in this row
        unit_code = code_text(cell(cells, columns["unit"]))
        if not unit_code:
            problems.append(sheet.problem("IMP025", "单位编码为空", row=n, col=columns["unit"],
                                          expected="单位编码，如模板 A 列所列"))
        period = _period_of(sheet, n, columns["period"], cell(cells, columns["period"]), data_set, problems)
        at_col = columns.get("submitted_at")
        submitted_at, _ = _submitted_at(sheet, n, at_col, cell(cells, at_col), period, now, problems)
        if unit_code and period is not None:
            # A row with a bad value is still checked for scope and duplicates, so every problem of the
            # file is listed at once; with a problem listed, no row of the file is imported.
            rows.append(_Row(sheet, n, unit_code, period, values, columns["unit"], columns, submitted_at))
    return rows


def _scope_problems(rows: list[_Row], data_set: DataSet, actor: Actor) -> list[ImportProblem]:
    codes = {r.unit_code for r in rows if UNIT_CODE_PATTERN.fullmatch(r.unit_code)}
    units = {u.code: u for u in OrgUnit.objects.filter(code__in=codes)}
    writable = set(writable_units(actor).filter(code__in=codes).values_list("code", flat=True))
    assigned = set(data_set.org_units.filter(code__in=codes).values_list("code", flat=True))
    problems = []
    for r in rows:
        if r.unit_code not in writable:  # a code that does not exist and one of another unit look alike
            problems.append(r.sheet.problem("IMP040", UNIT_NOT_AVAILABLE, row=r.number, col=r.unit_col,
                                            value=r.unit_code, expected="您负责填报的单位的编码（见模板 A 列）"))
        elif r.unit_code not in assigned:
            problems.append(r.sheet.problem(
                "IMP042", f"单位“{units[r.unit_code].name}”不需要报送“{data_set.name}”", row=r.number,
                col=r.unit_col, value=r.unit_code, expected="需要报送该报表的单位的编码"))
    return problems


def _duplicate_problems(rows: list[_Row], seen: dict[tuple[str, str], _Row]) -> list[ImportProblem]:
    problems = []
    for r in rows:
        first = seen.setdefault((r.unit_code, r.period.code), r)
        if first is r:
            continue
        where = f"第 {first.number} 行" if first.sheet is r.sheet else first.where
        problems.append(r.sheet.problem("IMP043", f"与{where}重复（同一单位、同一期间只能出现一次）", row=r.number,
                                        col=r.unit_col, value=f"{r.unit_code} {r.period.code}",
                                        expected="每个单位每个月只有一行"))
    return problems


def read_reports_workbook(
    source: Source, *, data_set: DataSet, actor: Actor, file_label: str,
    seen: dict[tuple[str, str], Any] | None = None, on_row: RowCallback | None = None, now: datetime | None = None,
) -> list[ReportInput]:
    """The reports in one file; raises :class:`ImportFileError` listing every problem of the file.

    ``seen`` (shared between the files of one import) finds a unit-month repeated across files;
    ``on_row(done, total)`` is called as data rows are read (for progress bars); ``now`` (default: the
    current time) bounds the 报送时间 column.
    """
    now = now or timezone.now()
    sheets = [s for s in load_sheets(source, file_label=file_label, skip={NOTES_SHEET}) if s.rows]
    version_sheets = [s for s in sheets if s.name == VERSIONS_SHEET]
    sheets = [s for s in sheets if s.name != VERSIONS_SHEET]
    if not sheets:
        raise ImportFileError([ImportProblem("IMP005", file_label, "文件中没有任何数据",
                                             expected="填写了数据的报表模板")])
    header = _Header(data_set)
    problems: list[ImportProblem] = []
    total, done = sum(len(s.data_rows) for s in sheets), 0

    def progress() -> None:
        nonlocal done
        done += 1
        if on_row is not None:
            on_row(done, total)

    rows = [r for sheet in sheets for r in _parse_sheet(sheet, data_set, header, problems, progress, now)]
    bases = read_versions_sheet(version_sheets[0], problems) if version_sheets else None
    stopped = enough_problems(problems)  # reading stopped early: the rows read are not all the rows
    if not stopped:
        problems += _scope_problems(rows, data_set, actor)
        problems += _duplicate_problems(rows, seen if seen is not None else {})
    if not rows and not problems:
        problems.append(ImportProblem("IMP005", file_label, "所有数据行的数据项都是空的，没有可导入的数据",
                                      expected="至少一行填写了数值"))
    if problems:
        order = {s.name: i for i, s in enumerate(sheets)}
        raise ImportFileError(sorted(problems, key=lambda p: (
            order.get(p.sheet, -1), p.row or 0, len(p.column), p.column)), incomplete=stopped)
    return [_report_input(r, header, bases) for r in rows]


def _report_input(row: _Row, header: _Header, bases: dict[tuple[str, str], RowBases] | None) -> ReportInput:
    """One row as a report: with a "版本" sheet only the changed cells, each with its downloaded version."""
    values, based_on, shown = changes_against(row.values, (bases or {}).get((row.unit_code, row.period.code)))
    letters = {code: get_column_letter(col + 1) for code, col in row.columns.items()}
    cells = {e.code: CellRef(row.sheet.file, row.sheet.name, row.number, letters[e.code], e.name)
             for e in header.elements if e.code in letters}
    return ReportInput(unit_code=row.unit_code, period=row.period, values=values, source=row.source[:200],
                       based_on=based_on, shown=shown, cells=cells, submitted_at=row.submitted_at)


def read_reports_files(
    sources: Iterable[tuple[str, Source]], *, data_set: DataSet, actor: Actor,
    on_file: FileCallback | None = None, on_row: RowCallback | None = None,
) -> list[ReportInput]:
    """The reports of every ``(label, file)``; raises one :class:`ImportFileError` with the problems of all."""
    seen: dict[tuple[str, str], Any] = {}
    now = timezone.now()  # the import's time: no 报送时间 after it
    reports: list[ReportInput] = []
    problems: list[ImportProblem] = []
    incomplete = False
    for label, source in sources:
        if enough_problems(problems):
            incomplete = True  # the remaining files are not read
            break
        if on_file is not None:
            on_file(label)
        try:
            reports += read_reports_workbook(source, data_set=data_set, actor=actor, file_label=label, seen=seen,
                                             on_row=on_row, now=now)
        except ImportFileError as err:
            problems += err.problems
            incomplete = incomplete or err.incomplete
    if problems:
        raise ImportFileError(problems, incomplete=incomplete)
    return reports
