"""The Excel pages: template download and upload at /reports/excel/, scoped like every other write."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from ducha.core.periods import month
from ducha.reporting.actions import save_report
from ducha.reporting.models import DataValue
from ducha.reporting.tests.test_excel_template import counts, header_row, report_row, write_xlsx

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _upload(client: Client, path: Path, name: str | None = None) -> Any:
    upload = SimpleUploadedFile(name or path.name, path.read_bytes(), content_type=XLSX)
    return client.post(reverse("reporting_excel:upload"), {"data_set": "MCH_MONTHLY", "file": upload})


def test_urls_are_documented_names() -> None:
    assert reverse("reporting_excel:template") == "/reports/excel/template/"
    assert reverse("reporting_excel:upload") == "/reports/excel/upload/"


def test_login_is_required(db: Any) -> None:
    for name in ("reporting_excel:upload", "reporting_excel:template"):
        response = Client().get(reverse(name))
        assert response.status_code == 302 and "login" in response["Location"]


def test_upload_page_in_chinese(mini_county: Any) -> None:
    response = _client(mini_county.officer_a).get(reverse("reporting_excel:upload"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "下载模板" in html and "上传并导入" in html and "妇幼保健月报表" in html
    assert 'enctype="multipart/form-data"' in html


def test_officer_downloads_a_template_of_own_unit_prefilled(mini_county: Any) -> None:
    save_report(actor=mini_county.officer_a, data_set=mini_county.data_set, unit_code="T01", period=month(2012, 2),
                values={"PREG_TOTAL": 14})
    response = _client(mini_county.officer_a).get(reverse("reporting_excel:template"),
                                                   {"data_set": "MCH_MONTHLY", "period": "2012Q1"})
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    assert "attachment" in response["Content-Disposition"]
    assert "2012Q1.xlsx" in response["Content-Disposition"]
    ws = load_workbook(io.BytesIO(response.content))["数据"]
    rows = [[c.value for c in r] for r in ws.iter_rows(min_row=2)]
    assert [(r[0], r[2]) for r in rows] == [("T01", "201201"), ("T01", "201202"), ("T01", "201203")]
    assert rows[1][3] == 14


@pytest.mark.parametrize(("period", "message"), [
    ("2012-13", "无法识别的期间"),
    (f"{date.today().year + 1}Q1", "尚未开始"),
    ("", "请选择期间"),
])
def test_template_with_a_bad_period_explains_why(mini_county: Any, period: str, message: str) -> None:
    response = _client(mini_county.officer_a).get(reverse("reporting_excel:template"),
                                                   {"data_set": "MCH_MONTHLY", "period": period})
    assert response.status_code == 400
    assert message in response.content.decode()


def test_officer_uploads_own_unit(mini_county: Any, tmp_path: Path) -> None:
    ds = mini_county.data_set
    path = write_xlsx(tmp_path / "甲镇一月.xlsx", [header_row(ds),
                                                 report_row(ds, "T01", "201201", PREG_TOTAL=12, PREG_REGISTERED=13)])
    response = _upload(_client(mini_county.officer_a), path)
    assert response.status_code == 200
    html = response.content.decode()
    assert "导入完成" in html and "1 份月报" in html and "新增或修改 2 个" in html
    assert "孕期建卡人数 ≤ 孕妇总数" in html  # a validation warning, the data is still saved
    assert dict(DataValue.objects.values_list("data_element__code", "value")) == {"PREG_TOTAL": 12,
                                                                                 "PREG_REGISTERED": 13}
    assert DataValue.objects.get(data_element__code="PREG_TOTAL").created_by == mini_county.officer_a


def test_a_row_with_a_bad_value_and_a_foreign_unit_lists_both_problems_at_once(mini_county: Any,
                                                                               tmp_path: Path) -> None:
    ds = mini_county.data_set
    path = write_xlsx(tmp_path / "两处问题.xlsx", [header_row(ds), report_row(ds, "T01", "201201", PREG_TOTAL=12),
                                               report_row(ds, "T02", "201201", PREG_TOTAL=-3)])
    before = counts()
    html = _upload(_client(mini_county.officer_a), path).content.decode()
    assert "文件“两处问题.xlsx”有 2 个问题，未导入任何数据" in html
    assert "IMP040" in html and "T02" in html  # the scope problem of the row…
    assert "-3" in html  # …and its negative value, in one answer
    assert counts() == before


def test_officer_upload_with_another_townships_row_is_rejected_whole(mini_county: Any, tmp_path: Path) -> None:
    ds = mini_county.data_set
    path = write_xlsx(tmp_path / "混合.xlsx", [header_row(ds), report_row(ds, "T01", "201201", PREG_TOTAL=12),
                                             report_row(ds, "T02", "201201", PREG_TOTAL=8)])
    before = counts()
    response = _upload(_client(mini_county.officer_a), path)
    assert response.status_code == 200
    html = response.content.decode()
    assert "文件“混合.xlsx”有 1 个问题，未导入任何数据" in html
    assert "IMP040" in html and "单位编码不存在或不在您可填报的范围内" in html and "T02" in html
    assert '<td class="num">3</td>' in html and "A（单位编码）" in html
    assert counts() == before


def test_upload_of_a_renamed_text_file(mini_county: Any, tmp_path: Path) -> None:
    path = tmp_path / "报表.xlsx"
    path.write_text("这不是 Excel 文件", encoding="utf-8")
    before = counts()
    html = _upload(_client(mini_county.inspector), path).content.decode()
    assert "不是有效的 Excel 文件" in html and "报表.xlsx" in html
    assert counts() == before


def test_upload_of_an_unsupported_file_type(mini_county: Any, tmp_path: Path) -> None:
    path = tmp_path / "报表.txt"
    path.write_text("单位编码,期间", encoding="utf-8")
    before = counts()
    html = _upload(_client(mini_county.inspector), path).content.decode()
    assert "不支持“.txt”类型的文件“报表.txt”" in html
    assert counts() == before


def test_leader_reads_only(mini_county: Any, tmp_path: Path) -> None:
    ds = mini_county.data_set
    client = _client(mini_county.leader)
    path = write_xlsx(tmp_path / "a.xlsx", [header_row(ds), report_row(ds, "T01", "201201", PREG_TOTAL=1)])
    before = counts()
    assert client.get(reverse("reporting_excel:upload")).status_code == 403
    response = _upload(client, path)
    assert response.status_code == 403
    assert "只能查看" in response.content.decode()
    assert client.get(reverse("reporting_excel:template"), {"period": "201201"}).status_code == 403
    assert counts() == before


def test_outsider_has_no_unit_reporting_this_data_set(mini_county: Any) -> None:
    response = _client(mini_county.outsider).get(reverse("reporting_excel:template"),
                                                 {"data_set": "MCH_MONTHLY", "period": "201201"})
    assert response.status_code == 400  # the data set is not offered to them at all
    assert "没有这个报表，或您无权填报该报表" in response.content.decode()


def test_no_file_chosen_is_the_servers_chinese_message_not_the_browsers(mini_county: Any) -> None:
    """The upload form is ``novalidate``: a browser's own bubble ("Please select a file.") would be in the
    browser's language; the server answers in Chinese and writes nothing."""
    client = _client(mini_county.officer_a)
    page = client.get(reverse("reporting_excel:upload")).content.decode()
    assert 'id="upload-form" novalidate' in page
    before = DataValue.objects.count()
    response = client.post(reverse("reporting_excel:upload"), {"data_set": "MCH_MONTHLY"})
    assert "请选择要上传的文件" in response.content.decode()
    assert DataValue.objects.count() == before


def test_template_period_is_a_picker_opening_on_the_latest_quarter_with_data(mini_county: Any) -> None:
    from django.utils import timezone

    client = _client(mini_county.officer_a)
    html = client.get(reverse("reporting_excel:upload")).content.decode()
    today = timezone.localdate()
    this_quarter = f"{today.year}Q{(today.month - 1) // 3 + 1}"
    assert f'<option value="{this_quarter}" selected>' in html  # nothing reported yet: this quarter
    save_report(actor=mini_county.officer_a, data_set=mini_county.data_set, unit_code="T01", period=month(2012, 2),
                values={"PREG_TOTAL": 14})
    html = client.get(reverse("reporting_excel:upload")).content.decode()
    assert '<select name="period"' in html and 'type="text" name="period"' not in html
    assert '<option value="2012Q1" selected>2012年第一季度</option>' in html
    assert '<optgroup label="2012年">' in html
