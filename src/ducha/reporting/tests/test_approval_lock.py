"""Issue 7 §4: approved values cannot be changed through the form, the Excel import or the API until unapproved.

Each write path is tried after approval: refused with a Chinese message naming the unit, the period and
who approved it when (the API with 409, imports with an IMP053 problem naming file, sheet and row), and
nothing is written. After unapproval the same write goes through.
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from ducha.core.excel_io import ImportFileError
from ducha.core.periods import month
from ducha.reporting.actions import import_reports, save_report
from ducha.reporting.approval import approve_period, unapprove_period
from ducha.reporting.approval_lock import ReportApproved
from ducha.reporting.excel import read_reports_workbook
from ducha.reporting.models import DataApproval, DataValue
from ducha.reporting.tests.entry_client import submit
from ducha.reporting.tests.test_excel_template import counts, header_row, report_row, write_xlsx

JAN = month(2012, 1)
APPROVED = r"甲镇卫生院 2012年1月 的“妇幼保健月报表”已于 \d{4}-\d\d-\d\d \d\d:\d\d 由 inspector1 审核通过，数据已锁定"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def client_of(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def january() -> dict[str, int]:
    return dict(DataValue.objects.filter(org_unit__code="T01", period="201201").values_list(
        "data_element__code", "value"))


@pytest.fixture
def approved(mini_county: Any) -> DataApproval:
    """甲镇 (T01) reported January 2012 (孕妇总数 10) and the inspector approved it."""
    save_report(actor=mini_county.officer_a, data_set=mini_county.data_set, unit_code="T01", period=JAN,
                values={"PREG_TOTAL": 10, "PREG_REGISTERED": 7})
    return approve_period(actor=mini_county.inspector, data_set=mini_county.data_set, unit_code="T01", period=JAN)


def unapprove(mini_county: Any, approval: DataApproval) -> None:
    unapprove_period(actor=mini_county.inspector, data_set=mini_county.data_set, unit_code="T01", period=JAN,
                     reason="数据有误，退回更正", version=approval.version)


def test_save_report_is_refused_then_allowed_after_unapproval(mini_county: Any, approved: DataApproval) -> None:
    version = DataValue.objects.get(period="201201", data_element__code="PREG_TOTAL").version
    before = counts()
    for values in ({"PREG_TOTAL": 12}, {"PREG_TOTAL": None}, {"PARTURIENTS": 3}):  # change, clear, fill
        with pytest.raises(ReportApproved, match=APPROVED):
            save_report(actor=mini_county.inspector, data_set=mini_county.data_set, unit_code="T01", period=JAN,
                        values=values, based_on={"PREG_TOTAL": version})
    assert counts() == before and january() == {"PREG_TOTAL": 10, "PREG_REGISTERED": 7}
    unchanged = save_report(actor=mini_county.officer_a, data_set=mini_county.data_set, unit_code="T01",
                            period=JAN, values={"PREG_TOTAL": 10}, based_on={"PREG_TOTAL": version})
    assert unchanged.changed == {}  # saving what is stored changes nothing and is not refused
    unapprove(mini_county, approved)
    save_report(actor=mini_county.officer_a, data_set=mini_county.data_set, unit_code="T01", period=JAN,
                values={"PREG_TOTAL": 12}, based_on={"PREG_TOTAL": version})
    assert january()["PREG_TOTAL"] == 12


def test_other_months_and_units_stay_open(mini_county: Any, approved: DataApproval) -> None:
    save_report(actor=mini_county.officer_a, data_set=mini_county.data_set, unit_code="T01", period=month(2012, 2),
                values={"PREG_TOTAL": 5})
    save_report(actor=mini_county.officer_b, data_set=mini_county.data_set, unit_code="T02", period=JAN,
                values={"PREG_TOTAL": 6})
    assert DataValue.objects.filter(period__in=["201201", "201202"]).count() == 4


def test_form_shows_the_period_read_only_and_refuses_a_stale_post(mini_county: Any, approved: DataApproval) -> None:
    client = client_of(mini_county.officer_a)
    url = reverse("reporting:entry") + "?unit=T01&period=201201"
    stale = {"PREG_TOTAL": "10", "shown-PREG_TOTAL": "10", "version-PREG_TOTAL": str(
        DataValue.objects.get(period="201201", data_element__code="PREG_TOTAL").version)}
    html = client.get(url).content.decode()
    assert "已审核，不能修改" in html and "由 inspector1 审核通过" in html
    assert 'name="PREG_TOTAL" value="10" id="id_PREG_TOTAL"' in html and "保存并报送" not in html
    assert "审核通过</button>" not in html and "取消审核</button>" not in html  # township staff: no buttons
    before = counts()
    response = submit(client, url, stale, PREG_TOTAL=99)  # a form opened before the approval
    assert response.status_code == 400
    assert "无法填报" in response.content.decode() and "审核通过，数据已锁定，不能修改" in response.content.decode()
    assert counts() == before and january()["PREG_TOTAL"] == 10
    unapprove(mini_county, approved)
    page = client.get(url).content.decode()
    assert "已审核，不能修改" not in page and "保存并报送" in page and "原因：数据有误，退回更正" in page
    stale["version-PREG_TOTAL"] = str(DataValue.objects.get(period="201201", data_element__code="PREG_TOTAL").version)
    assert submit(client, url, stale, PREG_TOTAL=99).status_code == 200
    assert january()["PREG_TOTAL"] == 99


def test_import_is_refused_with_a_located_problem_and_nothing_written(mini_county: Any, approved: DataApproval,
                                                                     tmp_path: Path) -> None:
    ds = mini_county.data_set
    path = write_xlsx(tmp_path / "甲镇.xlsx", [header_row(ds), report_row(ds, "T01", "201202", PREG_TOTAL=4),
                                               report_row(ds, "T01", "201201", PARTURIENTS=3)])
    reports = read_reports_workbook(path, data_set=ds, actor=mini_county.officer_a, file_label=path.name)
    before = counts()
    with pytest.raises(ImportFileError) as caught:
        import_reports(actor=mini_county.officer_a, data_set=ds, reports=reports)
    (problem,) = caught.value.problems
    assert (problem.code, problem.file, problem.sheet, problem.row) == ("IMP053", "甲镇.xlsx", "数据", 3)
    assert "由 inspector1 审核通过，数据已锁定" in problem.problem and "取消审核" in problem.expected
    assert problem.message.startswith("文件“甲镇.xlsx” 工作表“数据” 第 3 行：甲镇卫生院 2012年1月")
    assert counts() == before  # February (row 2) was not written either
    unapprove(mini_county, approved)
    import_reports(actor=mini_county.officer_a, data_set=ds, reports=reports)
    assert january()["PARTURIENTS"] == 3


def test_command_import_is_refused_and_lists_the_problem(mini_county: Any, approved: DataApproval,
                                                        tmp_path: Path) -> None:
    ds = mini_county.data_set
    folder = tmp_path / "月报"
    folder.mkdir()
    write_xlsx(folder / "甲镇.xlsx", [header_row(ds), report_row(ds, "T01", "201201", PARTURIENTS=3)])
    out = io.StringIO()
    before = counts()
    with pytest.raises(CommandError, match="未写入任何数据"):
        call_command("import_reports", str(folder), user="officer_a", overwrite=True, stdout=out)
    assert "IMP053" in out.getvalue() and "审核通过" in out.getvalue()
    assert counts() == before


def test_upload_page_is_refused_and_lists_the_problem(mini_county: Any, approved: DataApproval,
                                                     tmp_path: Path) -> None:
    ds = mini_county.data_set
    path = write_xlsx(tmp_path / "甲镇.xlsx", [header_row(ds), report_row(ds, "T01", "201201", PARTURIENTS=3)])
    before = counts()
    response = client_of(mini_county.officer_a).post(reverse("reporting_excel:upload"), {
        "data_set": "MCH_MONTHLY", "file": SimpleUploadedFile("甲镇.xlsx", path.read_bytes(), content_type=XLSX)})
    html = response.content.decode()
    assert "文件“甲镇.xlsx”有 1 个问题，未导入任何数据" in html
    assert "<td>IMP053</td>" in html and "由 inspector1 审核通过，数据已锁定" in html
    assert counts() == before


def test_api_write_is_a_409_naming_who_approved(mini_county: Any, approved: DataApproval) -> None:
    client = client_of(mini_county.inspector)
    version = DataValue.objects.get(period="201201", data_element__code="PREG_TOTAL").version
    body = {"unit": "T01", "period": "201201", "values": {"PREG_TOTAL": 12}, "based_on": {"PREG_TOTAL": version}}
    before = counts()
    response = client.post("/api/data-values", json.dumps(body), content_type="application/json")
    assert response.status_code == 409
    answer = response.json()
    assert answer["detail"].startswith("报表已审核，什么都没有写入：甲镇卫生院 2012年1月")
    assert answer["approvals"][0]["approved_by"] == "inspector1" and answer["approvals"][0]["period"] == "201201"
    assert counts() == before and january()["PREG_TOTAL"] == 10
    unapprove(mini_county, approved)
    assert client.post("/api/data-values", json.dumps(body), content_type="application/json").status_code == 200
    assert january()["PREG_TOTAL"] == 12
