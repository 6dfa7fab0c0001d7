"""A job whose worker died is marked 失败 "任务中断…" — when the job is read and when a worker starts."""

from __future__ import annotations

import subprocess
import sys
import time
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from ducha.conftest import PASSWORD, MiniCounty
from ducha.core.job_runner import HOST, INTERRUPTED, beat, fail_interrupted_jobs, process_alive
from ducha.core.jobs import start_job
from ducha.core.models import Job

pytestmark = pytest.mark.django_db


def dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def login(name: str) -> Client:
    client = Client()
    assert client.login(username=name, password=PASSWORD)
    return client


def test_a_stale_heartbeat_fails_the_job_when_its_page_is_read(mini_county: MiniCounty, make_job: Any) -> None:
    job = make_job(started_by=mini_county.inspector, worker_host="another-machine", worker_pid=4242,
                   heartbeat_at=timezone.now() - timedelta(minutes=5))
    page = login("inspector1").get(f"/jobs/{job.pk}/").content.decode()
    job.refresh_from_db()
    assert (job.state, job.error) == ("failed", INTERRUPTED)
    assert "任务中断（服务重启或进程被终止），请重新运行" in page and "hx-trigger" not in page


def test_a_fresh_heartbeat_on_another_machine_keeps_it_running(mini_county: MiniCounty, make_job: Any) -> None:
    job = make_job(started_by=mini_county.inspector, worker_host="another-machine", worker_pid=4242,
                   heartbeat_at=timezone.now() - timedelta(seconds=10))
    page = login("inspector1").get(f"/jobs/{job.pk}/").content.decode()
    job.refresh_from_db()
    assert job.state == "running" and 'hx-trigger="every 1s"' in page


def test_a_worker_process_that_is_gone_fails_the_job_at_once(mini_county: MiniCounty, make_job: Any) -> None:
    job = make_job(started_by=mini_county.inspector, worker_host=HOST, worker_pid=dead_pid(),
                   heartbeat_at=timezone.now())
    response = login("inspector1").get(f"/api/jobs/{job.pk}")
    assert response.status_code == 200
    assert (response.json()["state"], response.json()["error"]) == ("failed", INTERRUPTED)


def test_a_killed_but_unreaped_worker_counts_as_gone() -> None:
    process = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        assert process_alive(process.pid)
        process.kill()
        for _ in range(200):  # the kernel marks it a zombie almost at once; no wait() yet
            if not process_alive(process.pid):
                break
            time.sleep(0.02)
        assert not process_alive(process.pid)
    finally:
        process.wait()


def test_worker_start_fails_what_the_last_worker_left_running(make_job: Any) -> None:
    left = make_job(worker_host=HOST, worker_pid=dead_pid())
    stale = make_job(worker_host="another-machine", worker_pid=1, heartbeat_at=timezone.now() - timedelta(hours=1))
    alive = make_job(worker_host=HOST, worker_pid=1, heartbeat_at=timezone.now())  # pid 1 always exists
    queued = make_job(state="queued", started_at=None, heartbeat_at=None)
    assert fail_interrupted_jobs() == 2
    states = dict(Job.objects.values_list("pk", "state"))
    assert states == {left.pk: "failed", stale.pk: "failed", alive.pk: "running", queued.pk: "queued"}
    assert Job.objects.get(pk=left.pk).error == INTERRUPTED


def test_a_dead_running_job_does_not_block_a_new_one(mini_county: MiniCounty, make_job: Any,
                                                     immediate_jobs: None) -> None:
    dead = make_job(dedupe_key="test.count:2", args={"n": 2}, worker_host=HOST, worker_pid=dead_pid())
    job, created = start_job(actor=mini_county.inspector, kind="test.count", args={"n": 2}, title="再来")
    assert created and job.pk != dead.pk and job.state == "done"
    assert Job.objects.get(pk=dead.pk).state == "failed"


def test_the_heartbeat_is_written_for_this_process_only(make_job: Any) -> None:
    old = timezone.now() - timedelta(minutes=10)
    mine = make_job(worker_host=HOST, worker_pid=4242, heartbeat_at=old)
    other = make_job(worker_host=HOST, worker_pid=4343, heartbeat_at=old)
    assert beat(4242) == 1
    mine.refresh_from_db()
    other.refresh_from_db()
    assert mine.heartbeat_at > old and other.heartbeat_at == old
