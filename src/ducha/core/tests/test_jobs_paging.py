"""The job list ``/jobs/``: paged (``ducha.core.paging``), newest first, narrowed by state, scoped as before."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from ducha.conftest import PASSWORD, MiniCounty
from ducha.core.models import Job
from ducha.core.paging import PAGE_SIZE_DEFAULT

pytestmark = pytest.mark.django_db


def login(name: str) -> Client:
    client = Client()
    assert client.login(username=name, password=PASSWORD)
    return client


def listed(page: str) -> list[int]:
    """The job ids in the table, top to bottom."""
    return [int(pk) for pk in re.findall(r'<tr data-job="(\d+)">', page)]


def make_jobs(make_job: Any, count: int, *, state: str = "done", **fields: Any) -> list[Job]:
    """``count`` jobs whose submission times run backwards: the first made is the newest."""
    jobs = [make_job(state=state, title=f"任务{i:03d}", **fields) for i in range(count)]
    newest = timezone.now()
    for i, job in enumerate(jobs):
        Job.objects.filter(pk=job.pk).update(created_at=newest - timedelta(minutes=i))
    return jobs


@pytest.fixture
def many_jobs(mini_county: MiniCounty, make_job: Any) -> list[Job]:
    return make_jobs(make_job, PAGE_SIZE_DEFAULT + 5, started_by=mini_county.inspector,
                     scope_path=mini_county.county.path)


def test_the_first_page_holds_the_newest_jobs(many_jobs: list[Job]) -> None:
    page = login("inspector1").get("/jobs/").content.decode()
    assert listed(page) == [job.pk for job in many_jobs[:PAGE_SIZE_DEFAULT]]  # by submission time, not by id
    assert listed(page)[0] < listed(page)[-1]
    assert f"共 {PAGE_SIZE_DEFAULT + 5} 个，第 1/2 页" in page
    assert 'id="jobs-next" href="?page=2"' in page and 'id="jobs-previous"' not in page


def test_the_last_page_holds_the_rest(many_jobs: list[Job]) -> None:
    page = login("inspector1").get("/jobs/?page=2").content.decode()
    assert listed(page) == [job.pk for job in many_jobs[PAGE_SIZE_DEFAULT:]]
    assert "第 2/2 页" in page and 'id="jobs-previous" href="?page=1"' in page and 'id="jobs-next"' not in page


@pytest.mark.parametrize(("asked", "shown"), [("0", 1), ("-1", 1), ("abc", 1), ("1.5", 1), ("99", 2),
                                              ("99999999999999999999", 2)])
def test_a_page_out_of_range_shows_the_nearest_page(many_jobs: list[Job], asked: str, shown: int) -> None:
    response = login("inspector1").get(f"/jobs/?page={asked}")
    assert response.status_code == 200
    page = response.content.decode()
    assert f"第 {shown}/2 页" in page
    assert len(listed(page)) == (PAGE_SIZE_DEFAULT if shown == 1 else 5)


def test_the_list_is_narrowed_to_one_state(mini_county: MiniCounty, make_job: Any) -> None:
    failed = make_jobs(make_job, PAGE_SIZE_DEFAULT + 2, state="failed", error="文件“报表.xlsx”第 3 行：数值不能为负",
                       started_by=mini_county.inspector, scope_path=mini_county.county.path)
    done = make_jobs(make_job, 3, started_by=mini_county.inspector, scope_path=mini_county.county.path)
    queued = make_job(state="queued", started_by=mini_county.inspector, scope_path=mini_county.county.path,
                      title="排队的任务")
    client = login("inspector1")
    page = client.get("/jobs/?state=failed").content.decode()
    assert set(listed(page)) <= {job.pk for job in failed} and len(listed(page)) == PAGE_SIZE_DEFAULT
    assert f"共 {PAGE_SIZE_DEFAULT + 2} 个，第 1/2 页" in page and "数值不能为负" in page
    assert 'id="jobs-next" href="?state=failed&amp;page=2"' in page  # the filter is kept across pages
    assert '<a href="/jobs/?state=failed" class="active" aria-current="page">失败</a>' in page
    second = client.get("/jobs/?state=failed&page=2").content.decode()
    assert listed(second) == [job.pk for job in failed[PAGE_SIZE_DEFAULT:]]
    assert 'id="jobs-previous" href="?state=failed&amp;page=1"' in second
    assert listed(client.get("/jobs/?state=done").content.decode()) == [job.pk for job in done]
    assert listed(client.get("/jobs/?state=queued").content.decode()) == [queued.pk]
    assert "没有处于该状态的任务" in client.get("/jobs/?state=running").content.decode()
    everything = client.get("/jobs/").content.decode()
    assert f"共 {PAGE_SIZE_DEFAULT + 6} 个" in everything
    assert '<a href="/jobs/" class="active" aria-current="page">全部</a>' in everything


def test_an_unknown_state_is_named_and_all_jobs_are_shown(many_jobs: list[Job]) -> None:
    page = login("inspector1").get("/jobs/?state=broken").content.decode()
    assert "任务状态“broken”无法识别，已显示全部任务" in page
    assert f"共 {PAGE_SIZE_DEFAULT + 5} 个，第 1/2 页" in page and 'href="?page=2"' in page


def test_paging_counts_only_the_jobs_the_actor_may_see(mini_county: MiniCounty, many_jobs: list[Job],
                                                       make_job: Any) -> None:
    township = make_jobs(make_job, 3, started_by=mini_county.admin, scope_path=mini_county.town_b.path)
    make_job(kind="test.slow", state="done", started_by=mini_county.officer_a, title="甲镇自己的任务")
    page = login("officer_b").get("/jobs/").content.decode()
    assert listed(page) == [job.pk for job in township]
    assert "共 3 个，第 1/1 页" in page and 'id="jobs-next"' not in page and "甲镇自己的任务" not in page
    assert "共 1 个" in login("officer_a").get("/jobs/").content.decode()
    for county_role in ("inspector1", "leader1"):  # the county's and the townships' jobs, not officer_a's own
        assert f"共 {PAGE_SIZE_DEFAULT + 8} 个，第 1/2 页" in login(county_role).get("/jobs/").content.decode()
    outsider = login("outsider").get("/jobs/?page=2").content.decode()
    assert listed(outsider) == [] and "还没有后台任务" in outsider and 'id="jobs-pager"' not in outsider
