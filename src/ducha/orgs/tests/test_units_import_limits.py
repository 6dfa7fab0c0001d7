"""The org-unit import refuses bad codes, hidden characters and out-of-range populations (issue 6, items 7, 15).

Each problem names the file, sheet, row and column in Chinese; nothing is written (the units, their
paths and the audit log are unchanged). The same on SQLite and PostgreSQL: 2^31 is refused by the
import, not by the database.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from ducha.audit.models import AuditEntry
from ducha.core.excel_io import ImportFileError
from ducha.core.limits import POPULATION_MAX, UNIT_CODE_RULE
from ducha.orgs.excel import UNIT_COLUMNS, import_units, read_units_workbook
from ducha.orgs.models import OrgUnit
from ducha.orgs.tests.test_units_excel import HEADER, _row, _write


def _csv(path: Path, rows: list[list[Any]]) -> Path:
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        csv.writer(f).writerows([["" if v is None else v for v in row] for row in rows])
    return path


def _state() -> tuple[int, int, list[tuple[Any, ...]]]:
    units = list(OrgUnit.objects.order_by("code").values_list("code", "name", "path", "population"))
    return OrgUnit.objects.count(), AuditEntry.objects.count(), units


def _problems(admin: Any, path: Path) -> list[Any]:
    before = _state()
    with pytest.raises(ImportFileError) as caught:
        import_units(actor=admin, rows=read_units_workbook(path, actor=admin, file_label=path.name))
    assert _state() == before
    return caught.value.problems


BAD_CODES = {"separator": "411326008/x", "space": "T 05", "zero width": "T05\u200b", "bidi": "T05\u202e",
             "dot": "T05.1", "chinese": "戊镇", "percent": "T05%2F"}


@pytest.mark.parametrize("code", list(BAD_CODES.values()), ids=list(BAD_CODES))
@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_a_bad_code_is_refused_with_its_cell(mini_county: Any, tmp_path: Path, code: str, suffix: str) -> None:
    write = _write if suffix == ".xlsx" else _csv
    path = write(tmp_path / f"机构{suffix}", [HEADER, _row(code="T06", name="己镇卫生院"), _row(code=code)])
    problems = [p for p in _problems(mini_county.admin, path) if p.code == "IMP027"]
    assert len(problems) == 1
    sheet = " 工作表“组织机构”" if suffix == ".xlsx" else ""
    assert problems[0].message.startswith(f"文件“机构{suffix}”{sheet} 第 3 行 A 列（编码）：单位编码含有不允许的字符")
    assert UNIT_CODE_RULE in problems[0].message
    assert not OrgUnit.objects.filter(code="T06").exists()


@pytest.mark.parametrize("column", ["name", "short_name"])
@pytest.mark.parametrize("text", ["戊\u202e镇", "戊\u200b镇", "戊\u2067镇", "戊\u00ad镇"])
def test_names_with_hidden_characters_are_refused(mini_county: Any, tmp_path: Path, column: str, text: str) -> None:
    path = _write(tmp_path / "机构.xlsx", [HEADER, _row(**{column: text})])
    problems = [p for p in _problems(mini_county.admin, path) if p.code == "IMP029"]
    letter = "B" if column == "name" else "C"
    assert len(problems) == 1 and f"第 2 行 {letter} 列（{UNIT_COLUMNS[column]}）" in problems[0].message
    assert "含有不可见的控制字符（U+" in problems[0].message


def test_terminal_escapes_in_a_csv_are_refused(mini_county: Any, tmp_path: Path) -> None:
    """An .xlsx cannot hold control characters; a CSV can (openpyxl refuses to write them)."""
    path = _csv(tmp_path / "机构.csv", [HEADER, _row(code="T05\x1b", name="\x1b[31m戊镇\x1b[0m", short_name="戊\x07")])
    problems = {(p.code, p.column) for p in _problems(mini_county.admin, path)}
    assert problems == {("IMP027", "A"), ("IMP029", "B"), ("IMP029", "C")}


TOO_LARGE = f"数值过大（不应超过 {POPULATION_MAX:,}）"
POPULATIONS = {
    "2^31": (2**31, "IMP028", TOO_LARGE),
    "over max": (POPULATION_MAX + 1, "IMP028", TOO_LARGE),
    "2^63": (2**63, "IMP028", TOO_LARGE),
    "1e30 number": (1e30, "IMP028", TOO_LARGE),
    "1e30 text": ("1e30", "IMP020", "不是数字"),
    "underscore": ("1_000", "IMP020", "不是数字"),
    "arabic-indic": ("٣", "IMP020", "不是数字"),
    "superscript": ("²", "IMP020", "不是数字"),
    "infinity": ("inf", "IMP020", "不是数字"),
    "huge digits": ("9" * 400, "IMP028", TOO_LARGE),
    "negative": (-5, "IMP021", "不能为负数"),
    "decimal": ("12.5", "IMP022", "不能为小数"),
}


@pytest.mark.parametrize("name", list(POPULATIONS))
@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_population_outside_the_limit_names_row_and_column(mini_county: Any, tmp_path: Path, name: str,
                                                           suffix: str) -> None:
    value, code, problem = POPULATIONS[name]
    if suffix == ".csv" and isinstance(value, float):  # a CSV holds the text "1e+30", which is no number
        code, problem = "IMP020", "不是数字"
    write = _write if suffix == ".xlsx" else _csv
    path = write(tmp_path / f"机构{suffix}", [HEADER, _row(code="T06"), _row(population=value)])
    problems = _problems(mini_county.admin, path)
    assert [p.code for p in problems] == [code]
    assert f"第 3 行 F 列（服务人口）：{problem}" in problems[0].message
    assert f"不超过 {POPULATION_MAX:,}" in problems[0].message


@pytest.mark.parametrize("value", [POPULATION_MAX, "１２００", "1,200", "12.0", 0, None])
def test_good_populations_are_read(mini_county: Any, tmp_path: Path, value: Any) -> None:
    path = _write(tmp_path / "机构.xlsx", [HEADER, _row(population=value)])
    import_units(actor=mini_county.admin, rows=read_units_workbook(path, actor=mini_county.admin,
                                                                   file_label=path.name))
    expected = {POPULATION_MAX: POPULATION_MAX, "１２００": 1200, "1,200": 1200, "12.0": 12, 0: 0, None: 0}[value]
    unit = OrgUnit.objects.get(code="T05")
    assert (unit.population, unit.path) == (expected, "/T00/T05/")


def test_the_command_lists_the_problem_and_writes_nothing(mini_county: Any, tmp_path: Path) -> None:
    path = _write(tmp_path / "机构.xlsx", [HEADER, _row(code="411326008/x", parent="T00", population=2**31)])
    before = _state()
    stdout = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_units", str(path), user="admin1", stdout=stdout)
    out = stdout.getvalue()
    assert "单位编码含有不允许的字符" in out and TOO_LARGE in out and "Traceback" not in out
    assert _state() == before
