"""Odd values in a report file get a located Chinese problem, never a traceback or a database error.

Values ≥ 2^63 or ``1e309`` once raised OverflowError (SQLite) / DataError (PostgreSQL); a CSV field
over 131,072 characters raised csv.Error; a bare CR line ending was not read. Counts follow
``ducha.core.limits``: ASCII (or full-width) digits only, 0 … 10,000,000.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from ducha.core.excel_io import ImportFileError, ImportProblem
from ducha.core.tests.fuzz_corpus import package, sheet_xml
from ducha.reporting.excel_read import read_reports_workbook
from ducha.reporting.models import DataValue
from ducha.reporting.tests.test_excel_template import counts, header_row

TEXT_CASES = {
    "1_000": ("IMP020", "不是数字"), "٣": ("IMP020", "不是数字"), "²": ("IMP020", "不是数字"),
    "1e309": ("IMP020", "不是数字"), "1e3": ("IMP020", "不是数字"), "NaN": ("IMP020", "不是数字"),
    "inf": ("IMP020", "不是数字"), str(2 ** 63): ("IMP028", "数值过大（不应超过 10,000,000）"),
    "99999999999": ("IMP028", "数值过大"), "10000001": ("IMP028", "数值过大"), "-0": ("IMP021", "不能为负数"),
    "-3": ("IMP021", "不能为负数"), "2.5": ("IMP022", "不能为小数"),
}
NUMBER_CASES = {
    "2^63": (str(2 ** 63), "IMP028"), "1e309 (inf)": ("1e309", "IMP020"), "-1e309": ("-1e309", "IMP020"),
    "1e300": ("1e300", "IMP028"), "fraction": ("0.25", "IMP022"),
}


def _csv(ds: Any, *rows: list[str], newline: str = "\r\n") -> bytes:
    header = header_row(ds)
    lines = [",".join(header)] + [",".join(r + [""] * (len(header) - len(r))) for r in rows]
    return (newline.join(lines) + newline).encode()


def _problems(mc: Any, data: bytes, name: str = "上报.csv") -> list[ImportProblem]:
    before = counts()
    with pytest.raises(ImportFileError) as caught:
        read_reports_workbook(io.BytesIO(data), data_set=mc.data_set, actor=mc.officer_a, file_label=name)
    assert counts() == before
    return caught.value.problems


@pytest.mark.parametrize("text", list(TEXT_CASES))
def test_odd_number_text_is_refused_naming_row_and_column(mini_county: Any, text: str) -> None:
    code, problem = TEXT_CASES[text]
    [found] = _problems(mini_county, _csv(mini_county.data_set, ["T01", "", "201201", text]))
    assert (found.code, found.row, found.column, found.header) == (code, 2, "D", "孕妇总数")
    assert problem in found.message and "文件“上报.csv”" in found.message


@pytest.mark.parametrize("name", list(NUMBER_CASES))
def test_odd_number_cells_in_xlsx_are_refused(mini_county: Any, name: str) -> None:
    raw, code = NUMBER_CASES[name]
    cell = ("raw", f"<c r=\"{{ref}}\"><v>{raw}</v></c>")
    sheet = sheet_xml([header_row(mini_county.data_set), ["T01", "", "201201", cell]])
    [found] = _problems(mini_county, package(sheet, name="数据"), "上报.xlsx")
    assert (found.code, found.sheet, found.row, found.column) == (code, "数据", 2, "D")


def test_number_cell_that_is_no_number_makes_the_file_unreadable(mini_county: Any) -> None:
    cell = ("raw", '<c r="{ref}"><v>nan</v></c>')  # Excel never writes this; openpyxl cannot read the sheet
    sheet = sheet_xml([header_row(mini_county.data_set), ["T01", "", "201201", cell]])
    [found] = _problems(mini_county, package(sheet, name="数据"), "上报.xlsx")
    assert found.code == "IMP002" and "文件无法打开" in found.message


def test_csv_field_over_the_limit_names_row_and_column(mini_county: Any) -> None:
    data = _csv(mini_county.data_set, ["T01", "长" * 200_000, "201201", "5"])
    [found] = _problems(mini_county, data)
    assert (found.code, found.row, found.column) == ("IMP026", 2, "B")
    assert "这一格有 200,000 个字符，过长" in found.message and "不超过 131,072 个字符" in found.message


def test_bare_cr_line_endings_are_read(mini_county: Any) -> None:
    data = _csv(mini_county.data_set, ["T01", "", "201201", "7"], ["T01", "", "201202", "8"], newline="\r")
    reports = read_reports_workbook(io.BytesIO(data), data_set=mini_county.data_set, actor=mini_county.officer_a,
                                    file_label="上报.csv")
    assert [(r.period.code, r.values["PREG_TOTAL"]) for r in reports] == [("201201", 7), ("201202", 8)]


def test_upload_page_shows_the_problem_not_a_500(mini_county: Any, tmp_path: Path) -> None:
    client = Client()
    client.force_login(mini_county.officer_a)
    for value in ("1e309", str(2 ** 63)):
        upload = SimpleUploadedFile("上报.csv", _csv(mini_county.data_set, ["T01", "", "201201", value]))
        response = client.post(reverse("reporting_excel:upload"), {"data_set": "MCH_MONTHLY", "file": upload})
        html = response.content.decode()
        assert response.status_code == 200 and 'id="problem-table"' in html and value in html
    assert DataValue.objects.count() == 0
