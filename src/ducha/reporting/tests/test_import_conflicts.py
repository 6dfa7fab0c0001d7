"""Issue 6 item 1 for file imports: a template import never overwrites a value changed since the download.

The downloaded template carries a hidden "版本" sheet (each cell's value and version). A file without it
(CSV, another system's export) fills empty cells only, unless the user asks to overwrite
(``--overwrite`` / the upload page's checkbox). Every refused cell is named by file, sheet, row and column.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from ducha.core.excel_io import ImportFileError
from ducha.core.periods import month
from ducha.reporting.actions import import_reports, save_report
from ducha.reporting.excel import read_reports_workbook
from ducha.reporting.models import DataValue
from ducha.reporting.tests.test_excel_template import counts, header_row, report_row, write_xlsx

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def client_of(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def stored() -> dict[tuple[str, str], int]:
    return {(p, c): v for p, c, v in DataValue.objects.filter(org_unit__code="T01").values_list(
        "period", "data_element__code", "value")}


@pytest.fixture
def template(mini_county: Any, tmp_path: Path) -> Path:
    """A downloads 甲镇's 2012Q1 template (孕妇总数 32 in February); then B sets it to 777."""
    save_report(actor=mini_county.officer_a, data_set=mini_county.data_set, unit_code="T01", period=month(2012, 2),
                values={"PREG_TOTAL": 32, "PREG_REGISTERED": 20})
    response = client_of(mini_county.officer_a).get(reverse("reporting_excel:template"),
                                                    {"data_set": "MCH_MONTHLY", "period": "2012Q1"})
    assert response.status_code == 200
    path = tmp_path / "甲镇.xlsx"
    path.write_bytes(response.content)
    version = DataValue.objects.get(period="201202", data_element__code="PREG_TOTAL").version
    save_report(actor=mini_county.inspector, data_set=mini_county.data_set, unit_code="T01", period=month(2012, 2),
                values={"PREG_TOTAL": 777}, based_on={"PREG_TOTAL": version})
    return path


def edit(path: Path, row: int, **values: Any) -> Path:
    book = load_workbook(path)
    ws = book["数据"]
    header = [c.value for c in ws[1]]
    for name, value in values.items():
        ws.cell(row, header.index(name) + 1).value = value
    book.save(path)
    return path


def run_import(mini_county: Any, path: Path, **options: Any) -> Any:
    reports = read_reports_workbook(path, data_set=mini_county.data_set, actor=mini_county.officer_a,
                                    file_label=path.name)
    return import_reports(actor=mini_county.officer_a, data_set=mini_county.data_set, reports=reports, **options)


def test_template_has_a_hidden_versions_sheet(template: Path) -> None:
    book = load_workbook(template)
    ws = book["版本"]
    assert ws.sheet_state == "hidden"
    rows = [[c.value for c in r] for r in ws.iter_rows()]
    assert rows[0] == ["单位编码", "期间", "数据元编码", "版本", "下载时的值"]
    pregnant = next(r for r in rows if r[:3] == ["T01", "201202", "PREG_TOTAL"])
    assert pregnant[4] == 32 and pregnant[3] > 0
    assert ["T01", "201201", "PREG_TOTAL", None, None] in rows  # an empty cell: no version


def test_importing_a_cell_changed_since_the_download_is_refused_with_both_values(mini_county: Any,
                                                                                  template: Path) -> None:
    edit(template, 3, 孕妇总数=40, 产妇数=5)  # row 3 = 201202
    before = counts()
    with pytest.raises(ImportFileError) as caught:
        run_import(mini_county, template)
    (problem,) = caught.value.problems
    assert (problem.code, problem.file, problem.sheet, problem.row, problem.column, problem.header) == (
        "IMP050", "甲镇.xlsx", "数据", 3, "D", "孕妇总数")
    assert problem.problem.startswith("下载模板后该数据已被他人修改：下载时为 32，系统中现为 777（inspector1 ")
    assert problem.problem.endswith("文件中为 40") and problem.value == "40"
    assert "重新下载模板" in problem.expected
    assert counts() == before and stored()[("201202", "PREG_TOTAL")] == 777


def test_cells_left_as_downloaded_are_not_written(mini_county: Any, template: Path) -> None:
    edit(template, 3, 孕期建卡人数=21)
    results = run_import(mini_county, template)
    assert [r.changed for r in results if r.changed] == [{"PREG_REGISTERED": (20, 21)}]
    assert stored() == {("201202", "PREG_TOTAL"): 777, ("201202", "PREG_REGISTERED"): 21}


def test_file_without_versions_fills_empty_cells_but_keeps_stored_values(mini_county: Any, template: Path,
                                                                         tmp_path: Path) -> None:
    ds = mini_county.data_set
    csv_like = write_xlsx(tmp_path / "其他系统.xlsx", [header_row(ds), report_row(
        ds, "T01", "201202", PREG_TOTAL=40, PARTURIENTS=5)])
    before = counts()
    with pytest.raises(ImportFileError) as caught:
        run_import(mini_county, csv_like)
    (problem,) = caught.value.problems
    assert (problem.code, problem.row, problem.column, problem.header, problem.value) == (
        "IMP051", 2, "D", "孕妇总数", "40")
    assert problem.problem.startswith("系统中现为 777（inspector1 ")
    assert "文件中为 40；没有版本信息的文件只能填写空白的单元格" in problem.problem
    assert "--overwrite" in problem.expected
    assert counts() == before
    blank_row = write_xlsx(tmp_path / "补空.xlsx", [header_row(ds), report_row(ds, "T01", "201202", PARTURIENTS=5)])
    run_import(mini_county, blank_row)  # 孕妇总数 blank in the file: kept, not cleared
    assert stored() == {("201202", "PREG_TOTAL"): 777, ("201202", "PREG_REGISTERED"): 20,
                        ("201202", "PARTURIENTS"): 5}
    run_import(mini_county, csv_like, overwrite=True)
    assert stored()[("201202", "PREG_TOTAL")] == 40


def test_command_refuses_then_overwrites_when_asked(mini_county: Any, template: Path, tmp_path: Path) -> None:
    ds = mini_county.data_set
    folder = tmp_path / "其他系统"
    folder.mkdir()
    write_xlsx(folder / "甲镇.xlsx", [header_row(ds), report_row(ds, "T01", "201202", PREG_TOTAL=40)])
    out = io.StringIO()
    before = counts()
    with pytest.raises(CommandError) as caught:
        call_command("import_reports", str(folder), user="officer_a", stdout=out)
    assert "未写入任何数据" in str(caught.value)
    assert "IMP051" in out.getvalue() and "D（孕妇总数）" in out.getvalue()
    assert counts() == before
    call_command("import_reports", str(folder), user="officer_a", overwrite=True, stdout=io.StringIO())
    assert stored()[("201202", "PREG_TOTAL")] == 40


def test_upload_page_lists_the_conflict_and_has_an_overwrite_box(mini_county: Any, template: Path) -> None:
    edit(template, 3, 孕妇总数=40)
    client = client_of(mini_county.officer_a)
    before = counts()
    response = client.post(reverse("reporting_excel:upload"), {
        "data_set": "MCH_MONTHLY", "file": SimpleUploadedFile("甲镇.xlsx", template.read_bytes(), content_type=XLSX)})
    html = response.content.decode()
    assert "IMP050" in html and "下载时为 32，系统中现为 777" in html
    assert "覆盖系统中已有的数值" in html
    assert counts() == before
