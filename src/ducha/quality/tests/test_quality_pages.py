"""The quality pages: scoped results, the scan button for inspectors and admins only, the catalogue."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from ducha.conftest import login
from ducha.core.periods import parse_period
from ducha.core.tests.jobkinds import IMMEDIATE_TASKS
from ducha.quality.actions import run_quality_scan
from ducha.quality.models import QualityRun
from ducha.registers.models import PregnancyRecord

pytestmark = pytest.mark.usefixtures("quality_urls")  # quality_urls and county: quality/tests/conftest.py


def scanned(county: Any) -> QualityRun:
    return run_quality_scan(actor=county.inspector, period=parse_period("2012Q1"), root=county.county)


def test_login_required(county: Any) -> None:
    response = Client().get("/quality/")
    assert response.status_code == 302 and "/login" in response["Location"]


def test_inspector_runs_the_scan_from_the_page(county: Any, settings: Any) -> None:
    settings.TASKS = IMMEDIATE_TASKS  # the scan job runs at once (test_scan_job.py runs it through the worker)
    client = login("inspector1")
    page = client.get("/quality/?period=2012Q1&unit=T00").content.decode()
    assert "尚未运行质量检查" in page and "运行质量检查" in page
    response = client.post("/quality/scan/", {"period": "2012Q1", "unit": "T00"}, follow=True)
    page = response.content.decode()
    assert response.status_code == 200 and "数据质量检查：测试县 2012年第一季度" in page and "已完成" in page
    assert QualityRun.objects.count() == 1
    page = client.get("/quality/?period=2012Q1&unit=T00").content.decode()
    assert "录入 30 张卡片" in page and 'id="unit-scores"' in page
    record = PregnancyRecord.objects.get(record_no="A000")
    assert f'href="/quality/suspects/pregnancy/{record.pk}/?run=' in page  # the record's "why suspect" page
    assert "DQ-F01 集中录入（一次写成）" in page


def test_officer_sees_only_own_unit(county: Any) -> None:
    scanned(county)
    page = login("officer_b").get("/quality/?period=2012Q1").content.decode()
    assert 'data-unit="T02"' in page and 'data-unit="T01"' not in page
    assert "甲镇" not in page and "A000" not in page
    assert "运行质量检查</button>" not in page and "运行检查需督查员或系统管理员" in page
    assert login("officer_a").get("/quality/?period=2012Q1&unit=T02").status_code == 404


def test_leader_reads_but_cannot_scan(county: Any) -> None:
    scanned(county)
    client = login("leader1")
    page = client.get("/quality/?period=2012Q1").content.decode()
    assert 'data-unit="T01"' in page and 'data-unit="T02"' in page and "运行质量检查</button>" not in page
    before = QualityRun.objects.count()
    response = client.post("/quality/scan/", {"period": "2012Q1", "unit": "T00"})
    assert response.status_code == 403
    assert QualityRun.objects.count() == before


@pytest.mark.parametrize("who", ["officer_a", "outsider"])
def test_others_cannot_scan(county: Any, who: str) -> None:
    response = login(who).post("/quality/scan/", {"period": "2012Q1", "unit": "T01"})
    assert response.status_code in (403, 404)
    assert not QualityRun.objects.exists()


def test_bad_period_on_scan_says_so_and_writes_nothing(county: Any) -> None:
    response = login("inspector1").post("/quality/scan/", {"period": "2012Q5", "unit": "T00"}, follow=True)
    assert "无法识别的期间“2012Q5”" in response.content.decode()
    assert not QualityRun.objects.exists()


def test_scan_page_needs_post(county: Any) -> None:
    assert login("inspector1").get("/quality/scan/").status_code == 405


def test_vf_and_smart_sections(county: Any) -> None:
    page = login("inspector1").get("/quality/?period=2012Q1").content.decode()
    assert 'id="vf-table"' in page and "建册人数" in page
    assert 'id="smart"' in page


def test_catalogue_page(county: Any) -> None:
    page = login("leader1").get("/quality/checks/").content.decode()
    assert 'id="DQ-F01"' in page and "一笔写成" in page and 'id="DQ-V01"' in page
    assert "0.90–1.10 可接受" in page
