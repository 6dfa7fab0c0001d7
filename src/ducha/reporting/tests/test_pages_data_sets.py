"""Every data set has web entry, the Excel template, upload and the status grid: the hospitals' 分娩月报 too.

The mini county's hospital reports 助产机构分娩月报 (HOSP_MONTHLY) here; the townships report 妇幼保健月报表.
"""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from ducha.orgs.actions import create_user
from ducha.orgs.models import Role
from ducha.reporting.mch_pack import HOSP_MONTHLY, MCH_MONTHLY
from ducha.reporting.models import DataSet, DataValue, Submission
from ducha.reporting.tests.entry_client import open_form, submit

pytestmark = pytest.mark.django_db
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ENTRY = reverse("reporting:entry")
STATUS = reverse("reporting:status")


@pytest.fixture
def county(mini_county: Any) -> Any:
    mini_county.data_set.org_units.remove(mini_county.hospital)
    DataSet.objects.get(code=HOSP_MONTHLY).org_units.set([mini_county.hospital])
    mini_county.officer_h = create_user(actor=None, username="officer_h", password="ducha-test-1",
                                        memberships=[(mini_county.hospital, Role.MCH_OFFICER)])
    return mini_county


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _tabs(html: str) -> list[str]:
    if 'id="data-set-tabs"' not in html:
        return []
    nav = html.split('id="data-set-tabs"', 1)[1].split("</nav>", 1)[0]
    return [part.split('"', 1)[0] for part in nav.split('data-code="')[1:]]


def test_a_hospital_officer_opens_and_saves_the_delivery_report(county: Any) -> None:
    client = _client(county.officer_h)
    url = f"{ENTRY}?period=201201"
    page = client.get(url).content.decode()
    assert "数据填报 · 助产机构分娩月报" in page and "本院分娩产妇数" in page and "孕妇总数" not in page
    assert _tabs(page) == []  # one data set: nothing to pick
    response = submit(client, url, FAC_DELIVERIES=40, FAC_LIVE_BIRTHS=39, FAC_CAESAREAN=12)
    assert response.status_code == 200 and "已保存" in response.content.decode()
    saved = dict(DataValue.objects.filter(org_unit=county.hospital, period="201201")
                 .values_list("data_element__code", "value"))
    assert saved == {"FAC_DELIVERIES": 40, "FAC_LIVE_BIRTHS": 39, "FAC_CAESAREAN": 12}
    assert Submission.objects.get(org_unit=county.hospital, period="201201").data_set.code == HOSP_MONTHLY


def test_the_inspector_picks_the_data_set_and_a_unit_opens_its_own(county: Any) -> None:
    client = _client(county.inspector)
    page = client.get(f"{ENTRY}?period=201201").content.decode()
    assert _tabs(page) == [MCH_MONTHLY, HOSP_MONTHLY]  # the one most units report first
    assert "数据填报 · 妇幼保健月报表" in page and "甲镇卫生院" in page
    hospital = client.get(f"{ENTRY}?period=201201&data_set={HOSP_MONTHLY}").content.decode()
    assert "数据填报 · 助产机构分娩月报" in hospital and "测试县人民医院" in hospital and "甲镇卫生院" not in hospital
    assert f'name="data_set" value="{HOSP_MONTHLY}"' in hospital
    by_unit = client.get(f"{ENTRY}?period=201201&unit=T10").content.decode()
    assert "数据填报 · 助产机构分娩月报" in by_unit
    assert f"?data_set={HOSP_MONTHLY}&amp;unit=T10&amp;period=201112" in by_unit  # ‹ 上月 keeps the data set


def test_a_data_set_outside_the_scope_is_refused_and_nothing_is_written(county: Any) -> None:
    client = _client(county.officer_a)
    for code in (HOSP_MONTHLY, "NO_SUCH"):
        response = client.get(f"{ENTRY}?period=201201&data_set={code}")
        assert response.status_code == 404
        assert f"报表“{code}”不存在，或您的单位不需要报送" in response.content.decode()
    url = f"{ENTRY}?period=201201&data_set={HOSP_MONTHLY}&unit=T01"
    assert client.post(url, {"FAC_DELIVERIES": "5"}).status_code == 404
    mismatch = _client(county.inspector).post(f"{ENTRY}?period=201201&data_set={HOSP_MONTHLY}&unit=T01",
                                              {"FAC_DELIVERIES": "5"})
    assert mismatch.status_code == 400 and "单位“甲镇卫生院”不需要报送“助产机构分娩月报”" in mismatch.content.decode()
    assert not DataValue.objects.exists() and not Submission.objects.exists()


def test_template_of_the_delivery_report_downloads_and_uploads(county: Any) -> None:
    client = _client(county.officer_h)
    page = client.get(reverse("reporting_excel:upload")).content.decode()
    assert f'<option value="{HOSP_MONTHLY}" selected>助产机构分娩月报</option>' in page
    response = client.get(reverse("reporting_excel:template"), {"data_set": HOSP_MONTHLY, "period": "2012Q1"})
    assert response.status_code == 200 and response["Content-Type"] == XLSX
    book = load_workbook(io.BytesIO(response.content))
    sheet = book["数据"]
    assert [c.value for c in sheet[1]][:5] == ["单位编码", "单位名称", "期间", "本院分娩产妇数", "本院活产数"]
    assert [(r[0].value, r[2].value) for r in sheet.iter_rows(min_row=2)] == [
        ("T10", "201201"), ("T10", "201202"), ("T10", "201203")]
    sheet["D2"], sheet["E2"], sheet["D3"] = 30, 29, 25
    out = io.BytesIO()
    book.save(out)
    upload = SimpleUploadedFile("县医院.xlsx", out.getvalue(), content_type=XLSX)
    done = client.post(reverse("reporting_excel:upload"), {"data_set": HOSP_MONTHLY, "file": upload})
    assert done.status_code == 200 and "导入完成" in done.content.decode(), done.content.decode()[:2000]
    assert sorted(DataValue.objects.values_list("period", "data_element__code", "value")) == [
        ("201201", "FAC_DELIVERIES", 30), ("201201", "FAC_LIVE_BIRTHS", 29), ("201202", "FAC_DELIVERIES", 25)]


def test_a_township_officer_cannot_download_the_hospitals_template(county: Any) -> None:
    response = _client(county.officer_a).get(reverse("reporting_excel:template"),
                                             {"data_set": HOSP_MONTHLY, "period": "2012Q1"})
    assert response.status_code == 400 and "没有这个报表，或您无权填报该报表" in response.content.decode()


def test_status_grid_shows_each_data_sets_own_units(county: Any) -> None:
    client = _client(county.officer_h)
    url = f"{ENTRY}?period=201201"
    submit(client, url, data=open_form(client, url), FAC_DELIVERIES=40)
    inspector = _client(county.inspector)
    township = inspector.get(f"{STATUS}?period=2012Q1").content.decode()
    assert "报送情况 · 妇幼保健月报表" in township and 'data-unit="T01"' in township
    assert 'data-unit="T10"' not in township and _tabs(township) == [MCH_MONTHLY, HOSP_MONTHLY]
    hospital = inspector.get(f"{STATUS}?period=2012Q1&data_set={HOSP_MONTHLY}").content.decode()
    assert "报送情况 · 助产机构分娩月报" in hospital and 'data-unit="T10"' in hospital
    assert 'data-unit="T01"' not in hospital
    row = hospital.split('data-unit="T10"', 1)[1].split("</tr>", 1)[0]
    assert row.count("迟报") == 1 and row.count("未报") == 2  # entered today, long after the deadline
    assert f"?data_set={HOSP_MONTHLY}&amp;unit=T10&amp;period=201201" in row
    by_root = inspector.get(f"{STATUS}?period=2012Q1&unit=T10").content.decode()
    assert "报送情况 · 助产机构分娩月报" in by_root  # a hospital's own report is its default
