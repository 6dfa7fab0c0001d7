"""``ducha.core.exports``: formula-like text is quoted in CSV and xlsx; numbers stay numbers."""

from __future__ import annotations

import csv
import io
import zipfile

import pytest
from openpyxl import Workbook, load_workbook

from ducha.core.exports import append_row, csv_cell, neutralise, set_cell, unquote, write_csv

ATTACKS = ['=HYPERLINK("http://x","点我")', "=cmd|' /C calc'!A0", "+1+1", "-2+3", "@SUM(A1)", "\t=1+1",
           "\r=1+1", "\n=1", "＝1+1", "＋1", "－1", "＠SUM(A1)", "  =1+1", "\u3000=1+1", "-A1"]
PLAIN = ["甲镇卫生院", "T01", "", "a=b", "1+1", "'quoted", "李 =1"]


@pytest.mark.parametrize("text", ATTACKS)
def test_formula_like_text_gets_a_leading_quote(text: str) -> None:
    assert neutralise(text) == "'" + text
    assert unquote(neutralise(text)) == text


@pytest.mark.parametrize("text", [*PLAIN, "-5", "+3", "12.5", "-0.25"])
def test_plain_text_and_number_text_are_left_alone(text: str) -> None:
    assert neutralise(text) == text
    assert unquote(text) == text


def test_csv_keeps_numbers_and_quotes_formulas() -> None:
    buffer = io.StringIO()
    write_csv(buffer, [["名称", "值"], ["=1+1", -5], ["-7", -2.5], [None, 0]])
    rows = list(csv.reader(io.StringIO(buffer.getvalue())))
    assert rows == [["名称", "值"], ["'=1+1", "-5"], ["-7", "-2.5"], ["", "0"]]
    assert csv_cell(-5) == -5 and csv_cell("@x") == "'@x"


def test_xlsx_text_is_a_string_cell_and_numbers_stay_numeric() -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    append_row(sheet, ["=cmd|' /C calc'!A0", -5, -2.5, "-5", None, "x\x01y"])
    set_cell(sheet.cell(row=2, column=1), '=HYPERLINK("http://x","点我")')
    out = io.BytesIO()
    book.save(out)
    with zipfile.ZipFile(out) as archive:
        xml = archive.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in xml and "<f " not in xml
    loaded = load_workbook(io.BytesIO(out.getvalue())).active
    assert loaded is not None
    first = [c for c in loaded[1]]
    assert [c.value for c in first[:4]] == ["'=cmd|' /C calc'!A0", -5, -2.5, "-5"]
    assert [c.data_type for c in first[:4]] == ["s", "n", "n", "s"]
    assert first[5].value == "x\ufffdy"  # a control character xlsx cannot hold is replaced, not a crash
    assert loaded["A2"].value == '\'=HYPERLINK("http://x","点我")' and loaded["A2"].data_type == "s"
