"""The job pages and API: state, progress, result link or Chinese error, polling until done; scoped."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from ducha.conftest import PASSWORD, MiniCounty
from ducha.core.jobs import start_job
from ducha.orgs.actions import issue_api_token

pytestmark = pytest.mark.django_db


def login(name: str) -> Client:
    client = Client()
    assert client.login(username=name, password=PASSWORD)
    return client


def test_a_running_job_shows_its_progress_and_polls(mini_county: MiniCounty, make_job: Any) -> None:
    job = make_job(started_by=mini_county.inspector, done=3, total=12, step="DQ-R03 报表逻辑关系")
    client = login("inspector1")
    page = client.get(f"/jobs/{job.pk}/").content.decode()
    assert "计数任务" in page and "运行中" in page and "DQ-R03 报表逻辑关系" in page
    assert '<progress id="job-progress" max="12" value="3">25%</progress>' in page and "3 / 12" in page
    assert f'hx-get="/jobs/{job.pk}/" hx-trigger="every 1s"' in page
    assert f'href="/jobs/{job.pk}/" id="job-reload"' in page  # without JavaScript: a plain reload link
    fragment = client.get(f"/jobs/{job.pk}/", headers={"HX-Request": "true"}).content.decode()
    assert fragment.startswith('<div id="job-status"') and "<html" not in fragment


def test_a_finished_job_links_its_result_and_stops_polling(mini_county: MiniCounty, immediate_jobs: None) -> None:
    job, _ = start_job(actor=mini_county.inspector, kind="test.count", args={"n": 2}, title="数两步")
    fragment = login("inspector1").get(f"/jobs/{job.pk}/", headers={"HX-Request": "true"}).content.decode()
    assert "已完成" in fragment and "共数了 2 步" in fragment
    assert '<a class="btn btn-primary" id="job-result" href="/quality/">查看结果</a>' in fragment
    assert "hx-trigger" not in fragment and "hx-get" not in fragment


def test_a_failed_job_shows_the_chinese_error(mini_county: MiniCounty, immediate_jobs: None) -> None:
    job, _ = start_job(actor=mini_county.inspector, kind="test.fail", args={"how": "user"}, title="会失败")
    page = login("inspector1").get(f"/jobs/{job.pk}/").content.decode()
    assert "失败" in page and "文件“报表.xlsx”第 3 行：数值不能为负" in page
    assert 'id="job-result"' not in page and "hx-trigger" not in page


def test_a_job_is_seen_only_within_its_scope(mini_county: MiniCounty, make_job: Any) -> None:
    county_job = make_job(started_by=mini_county.inspector, scope_path=mini_county.county.path, title="全县任务")
    town_job = make_job(started_by=mini_county.admin, scope_path=mini_county.town_b.path, title="乙乡任务")
    own_job = make_job(kind="test.slow", started_by=mini_county.officer_a, title="甲镇自己的任务")
    assert login("leader1").get(f"/jobs/{county_job.pk}/").status_code == 200
    officer_b = login("officer_b")
    assert officer_b.get(f"/jobs/{town_job.pk}/").status_code == 200  # a job of her township
    assert officer_b.get(f"/jobs/{county_job.pk}/").status_code == 404
    assert officer_b.get(f"/jobs/{own_job.pk}/").status_code == 404  # someone else's own job
    outsider = login("outsider")
    assert outsider.get(f"/jobs/{county_job.pk}/").status_code == 404
    listing = officer_b.get("/jobs/").content.decode()
    assert "乙乡任务" in listing and "全县任务" not in listing and "甲镇自己的任务" not in listing
    assert "甲镇自己的任务" in login("officer_a").get("/jobs/").content.decode()
    assert "还没有后台任务" in outsider.get("/jobs/").content.decode()


def test_job_pages_need_a_login(make_job: Any) -> None:
    job = make_job()
    response = Client().get(f"/jobs/{job.pk}/")
    assert response.status_code == 302 and "/login" in response["Location"]


def api_client(user: Any) -> Client:
    token = issue_api_token(actor=None, user=user, name="jobs")
    return Client(headers={"Authorization": f"Bearer {token}"})


def test_api_lists_and_shows_scoped_jobs(mini_county: MiniCounty, make_job: Any, immediate_jobs: None) -> None:
    done, _ = start_job(actor=mini_county.inspector, kind="test.count", args={"n": 2}, title="数两步",
                        scope_path=mini_county.county.path)
    running = make_job(started_by=mini_county.inspector, scope_path=mini_county.town_a.path, done=1, total=4)
    client = api_client(mini_county.inspector)
    listed = client.get("/api/jobs").json()
    assert [j["id"] for j in listed] == [running.pk, done.pk]
    body = client.get(f"/api/jobs/{done.pk}").json()
    assert body["state"] == "done" and body["state_label"] == "已完成" and body["kind_title"] == "计数"
    assert body["result_url"] == "/quality/" and body["percent"] == 100 and body["started_by"] == "inspector1"
    assert [j["id"] for j in client.get("/api/jobs?state=running").json()] == [running.pk]
    bad = client.get("/api/jobs?state=stuck")
    assert bad.status_code == 422 and "state" in bad.json()["detail"]
    outsider = api_client(mini_county.outsider)
    assert outsider.get("/api/jobs").json() == []
    missing = outsider.get(f"/api/jobs/{done.pk}")
    assert missing.status_code == 404 and missing.json()["detail"] == f"任务 {done.pk} 不存在或无权查看"
