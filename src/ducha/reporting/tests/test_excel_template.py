"""The Excel template of a data set for a period (and helpers the import tests share)."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook

from ducha.audit.models import AuditEntry
from ducha.core.periods import month, parse_period
from ducha.reporting.excel import build_template, template_units
from ducha.reporting.excel_read import data_set_elements
from ducha.reporting.models import DataValue, Submission
from ducha.reporting.selectors import template_values


def header_row(data_set: Any) -> list[str]:
    return ["单位编码", "单位名称", "期间", *(e.name for e in data_set_elements(data_set))]


def write_xlsx(path: Path, rows: list[list[Any]], *, sheet: str = "数据", notes: bool = False) -> Path:
    book = Workbook()
    ws = book.active
    ws.title = sheet
    for row in rows:
        ws.append(row)
    if notes:
        book.create_sheet("说明").append(["说明页不导入", "随便写"])
    book.save(path)
    return path


def report_row(data_set: Any, unit: Any, period: Any, **values: Any) -> list[Any]:
    """A data row: ``values`` by element code, every other element blank."""
    return [unit, "", period, *(values.get(e.code) for e in data_set_elements(data_set))]


def counts() -> tuple[int, int, int]:
    return DataValue.objects.count(), Submission.objects.count(), AuditEntry.objects.count()


def test_template_layout(mini_county: Any) -> None:
    ds = mini_county.data_set
    units = [mini_county.town_a, mini_county.town_b]
    content = build_template(ds, parse_period("2012Q1"), units)
    book = load_workbook(io.BytesIO(content))
    assert book.sheetnames == ["数据", "说明"]
    ws = book["数据"]
    header = [c.value for c in ws[1]]
    assert header[:3] == ["单位编码", "单位名称", "期间"]
    assert header[3:] == [e.name for e in data_set_elements(ds)]
    assert "孕妇总数" in header and "叶酸补服人数" in header
    rows = [[c.value for c in r][:3] for r in ws.iter_rows(min_row=2)]
    assert rows == [["T01", "甲镇卫生院", "201201"], ["T01", "甲镇卫生院", "201202"], ["T01", "甲镇卫生院", "201203"],
                    ["T02", "乙乡卫生院", "201201"], ["T02", "乙乡卫生院", "201202"], ["T02", "乙乡卫生院", "201203"]]
    assert ws.freeze_panes == "D2"
    assert ws.column_dimensions["B"].width >= 20
    validations = ws.data_validations.dataValidation
    assert len(validations) == 1
    rule = validations[0]
    assert (rule.type, rule.operator, rule.formula1) == ("whole", "greaterThanOrEqual", "0")
    assert str(rule.sqref).startswith("D2:")
    assert ws["C2"].number_format == "@"


def test_template_notes_sheet_lists_codes_types_and_period_format(mini_county: Any) -> None:
    content = build_template(mini_county.data_set, month(2012, 1), [mini_county.town_a])
    notes = load_workbook(io.BytesIO(content))["说明"]
    text = "\n".join(str(c.value) for row in notes.iter_rows() for c in row if c.value is not None)
    assert "PREG_TOTAL" in text and "孕妇总数" in text
    assert "不小于 0 的整数" in text
    assert "201201" in text
    assert "空白单元格表示未填报" in text
    assert "整数（≥0）" in text


def test_template_prefills_existing_values_and_skips_future_months(mini_county: Any) -> None:
    ds = mini_county.data_set
    values = {("T01", "201202"): {"PREG_TOTAL": 17, "FOLIC_NEW": 4}}
    content = build_template(ds, parse_period("2012Q1"), [mini_county.town_a], values, today=date(2012, 2, 10))
    ws = load_workbook(io.BytesIO(content))["数据"]
    header = [c.value for c in ws[1]]
    rows = [[c.value for c in r] for r in ws.iter_rows(min_row=2)]
    assert [r[2] for r in rows] == ["201201", "201202"]  # March has not begun on 10 Feb
    assert rows[1][header.index("孕妇总数")] == 17
    assert rows[1][header.index("叶酸补服人数")] == 4
    assert rows[0][header.index("孕妇总数")] is None


def test_template_units_and_values_are_scoped_to_the_actor(mini_county: Any) -> None:
    from ducha.reporting.actions import save_report

    ds = mini_county.data_set
    save_report(actor=mini_county.admin, data_set=ds, unit_code="T02", period=month(2012, 1),
                values={"PREG_TOTAL": 9})
    assert [u.code for u in template_units(mini_county.officer_a, ds)] == ["T01"]
    assert [u.code for u in template_units(mini_county.inspector, ds)] == ["T01", "T02", "T03", "T10"]
    assert template_units(mini_county.leader, ds) == []
    county_values = template_values(actor=mini_county.admin, data_set=ds, units=[mini_county.town_b],
                                    period=parse_period("2012Q1"))
    assert county_values == {("T02", "201201"): {"PREG_TOTAL": 9}}
    officer_values = template_values(actor=mini_county.officer_a, data_set=ds, units=[mini_county.town_b],
                                     period=parse_period("2012Q1"))
    assert officer_values == {}


@pytest.mark.parametrize("units", [[], ["town_a"]])
def test_template_is_a_valid_workbook_for_any_number_of_units(mini_county: Any, units: list[str]) -> None:
    content = build_template(mini_county.data_set, month(2012, 3), [getattr(mini_county, u) for u in units])
    ws = load_workbook(io.BytesIO(content))["数据"]
    assert ws.max_row == 1 + len(units)
