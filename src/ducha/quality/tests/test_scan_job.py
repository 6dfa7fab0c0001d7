"""The quality page's scan button starts a background job: its page shows progress, then the results link."""

from __future__ import annotations

from typing import Any

import pytest

from ducha.conftest import MiniCounty, login
from ducha.core.models import Job
from ducha.core.worker import run_worker
from ducha.orgs.models import Membership
from ducha.quality.models import QualityRun

pytestmark = [pytest.mark.usefixtures("quality_urls", "no_heartbeat"),  # quality/tests/conftest.py
              pytest.mark.django_db(transaction=True, serialized_rollback=True)]
SCAN = {"period": "2012Q1", "unit": "T00"}


@pytest.fixture
def no_heartbeat(settings: Any) -> None:
    settings.DUCHA_JOB_HEARTBEAT_SECONDS = 0  # the scans here take far less than a heartbeat


def test_the_scan_runs_in_the_background_and_links_its_results(county: MiniCounty) -> None:
    client = login("inspector1")
    response = client.post("/quality/scan/", SCAN)
    job = Job.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/jobs/{job.pk}/"
    assert (job.kind, job.dedupe_key, job.state) == ("quality.scan", "quality.scan:T00:2012Q1", "queued")
    assert job.title == "数据质量检查：测试县 2012年第一季度" and not QualityRun.objects.exists()
    page = client.get(f"/jobs/{job.pk}/").content.decode()
    assert "排队中" in page and 'hx-trigger="every 1s"' in page
    quality = client.get("/quality/?period=2012Q1&unit=T00").content.decode()
    assert 'disabled>运行质量检查</button>' in quality and f'href="/jobs/{job.pk}/" id="scan-running"' in quality

    run_worker(batch=True)
    job.refresh_from_db()
    run = QualityRun.objects.get()
    assert job.state == "done" and job.result["run_id"] == run.pk and job.done == job.total > 10
    page = client.get(f"/jobs/{job.pk}/").content.decode()
    assert "已完成" in page and f"可疑 {run.summary['fired']} 项" in page
    assert 'id="job-result" href="/quality/?unit=T00&amp;period=2012Q1">查看检查结果</a>' in page
    results = client.get(job.result["url"]).content.decode()
    assert 'id="unit-scores"' in results and "disabled>运行质量检查" not in results


def test_a_second_click_shows_the_running_scan(county: MiniCounty) -> None:
    first = login("inspector1").post("/quality/scan/", SCAN)
    second = login("admin1").post("/quality/scan/", SCAN, follow=True)
    job = Job.objects.get()
    assert first["Location"] == f"/jobs/{job.pk}/" and second.redirect_chain[-1][0] == f"/jobs/{job.pk}/"
    assert "同样的检查正在运行" in second.content.decode()
    other = login("inspector1").post("/quality/scan/", {"period": "2012Q1", "unit": "T01"})
    assert other.status_code == 302 and Job.objects.count() == 2


def test_a_scan_that_cannot_run_shows_the_chinese_error(county: MiniCounty) -> None:
    client = login("inspector1")
    client.post("/quality/scan/", SCAN)
    Membership.objects.filter(user=county.inspector).delete()  # the inspector left before the worker ran it
    run_worker(batch=True)
    job = Job.objects.get()
    assert (job.state, job.error) == ("failed", "单位 T00 不存在或无权查看")
    assert not QualityRun.objects.exists()
    page = login("admin1").get(f"/jobs/{job.pk}/").content.decode()
    assert "单位 T00 不存在或无权查看" in page and 'id="job-result"' not in page


def test_leader_and_officer_cannot_start_it(county: MiniCounty) -> None:
    assert login("leader1").post("/quality/scan/", SCAN).status_code == 403
    assert login("officer_a").post("/quality/scan/", {"period": "2012Q1", "unit": "T01"}).status_code == 403
    assert not Job.objects.exists()
