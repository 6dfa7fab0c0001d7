"""Worker presence: a queued job says plainly when no background worker runs (page, polled fragment, API)."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from ducha.conftest import PASSWORD, MiniCounty
from ducha.core import worker as worker_module
from ducha.core.job_runner import HOST, JobProgress
from ducha.core.jobs import JobKind, register_job_kind, start_job
from ducha.core.models import Job, WorkerBeat
from ducha.core.tests.jobkinds import allowed, own
from ducha.core.worker import Heartbeat, run_worker
from ducha.core.worker_presence import beat_worker, live_workers, register_worker
from ducha.orgs.actions import issue_api_token

NO_WORKER = "没有正在运行的后台任务进程，此任务不会开始"
WAITING = "等待后台任务进程接手"


def login(name: str) -> Client:
    client = Client()
    assert client.login(username=name, password=PASSWORD)
    return client


def live_row(**fields: Any) -> WorkerBeat:
    now = timezone.now()
    values: dict[str, Any] = {"host": HOST, "pid": os.getpid(), "queue": "ducha", "started_at": now, "beat_at": now}
    return WorkerBeat.objects.create(**(values | fields))


def dead_pid() -> int:
    """The pid of a process that has exited and been reaped: gone on this host."""
    process = subprocess.Popen([sys.executable, "-c", ""])
    process.wait()
    return process.pid


@pytest.fixture
def queued(mini_county: MiniCounty, make_job: Any) -> Job:
    return make_job(state="queued", started_at=None, heartbeat_at=None, started_by=mini_county.inspector,
                    title="排队的计数任务")


@pytest.mark.django_db
def test_a_queued_job_without_a_worker_says_so_on_the_page_and_the_polled_fragment(queued: Job) -> None:
    client = login("inspector1")
    page = client.get(f"/jobs/{queued.pk}/").content.decode()
    assert "排队中" in page and NO_WORKER in page and "ducha worker" in page and "ducha migrate" in page
    assert 'id="job-no-worker"' in page and WAITING not in page
    assert f'hx-get="/jobs/{queued.pk}/"' in page  # still polled: it starts once a worker runs
    fragment = client.get(f"/jobs/{queued.pk}/", headers={"HX-Request": "true"}).content.decode()
    assert fragment.startswith('<div id="job-status"') and NO_WORKER in fragment


@pytest.mark.django_db
def test_a_queued_job_with_a_live_worker_keeps_the_usual_text(queued: Job) -> None:
    live_row()
    client = login("inspector1")
    page = client.get(f"/jobs/{queued.pk}/").content.decode()
    assert WAITING in page and NO_WORKER not in page
    fragment = client.get(f"/jobs/{queued.pk}/", headers={"HX-Request": "true"}).content.decode()
    assert WAITING in fragment and NO_WORKER not in fragment


@pytest.mark.django_db
def test_a_running_job_never_shows_the_warning(mini_county: MiniCounty, make_job: Any) -> None:
    job = make_job(started_by=mini_county.inspector, worker_host=HOST, worker_pid=os.getpid())
    page = login("inspector1").get(f"/jobs/{job.pk}/").content.decode()
    assert "运行中" in page and NO_WORKER not in page


@pytest.mark.django_db
def test_only_fresh_rows_of_living_processes_count(settings: Any) -> None:
    settings.DUCHA_JOB_STALE_SECONDS = 60
    assert live_workers() == 0
    live_row(beat_at=timezone.now() - timedelta(seconds=61))  # this very process, but its beat is stale
    live_row(pid=dead_pid())  # a fresh beat, but the process is gone on this host
    live_row(host="other-machine", pid=os.getpid(), queue="other")  # alive, but of another queue
    assert live_workers() == 0
    live_row(host="other-machine", pid=12345)  # another machine: only its beat can tell
    assert live_workers() == 1 and live_workers("ducha") == 1 and live_workers("other") == 1


@pytest.mark.django_db
def test_a_starting_worker_removes_rows_of_dead_workers_and_writes_its_own(settings: Any) -> None:
    gone = live_row(pid=dead_pid())
    stale = live_row(host="other-machine", pid=1, beat_at=timezone.now() - timedelta(hours=1))
    alive = live_row(host="other-machine", pid=2)
    assert register_worker("ducha")
    rows = set(WorkerBeat.objects.values_list("host", "pid"))
    assert rows == {(HOST, os.getpid()), (alive.host, alive.pid)}
    assert not WorkerBeat.objects.filter(pk__in=[gone.pk, stale.pk]).exists()


@pytest.mark.django_db
def test_a_beat_refreshes_the_row_and_writes_it_again_if_it_was_removed() -> None:
    old = timezone.now() - timedelta(seconds=30)
    row = live_row(beat_at=old, started_at=old)
    beat_worker("ducha")
    row.refresh_from_db()
    assert row.beat_at > old and row.started_at == old
    WorkerBeat.objects.all().delete()
    beat_worker("ducha")
    assert WorkerBeat.objects.filter(host=HOST, pid=os.getpid(), queue="ducha").count() == 1


@pytest.mark.django_db
def test_no_table_counts_as_no_worker_and_leaves_the_transaction_usable() -> None:
    with connection.cursor() as cursor:  # as before ``ducha migrate``; the test's transaction restores it
        cursor.execute(f"DROP TABLE {WorkerBeat._meta.db_table}")
    assert live_workers() == 0
    assert Job.objects.count() == 0  # the failed read was inside a savepoint: the next query still runs


def test_one_heartbeat_thread_beats_the_worker_and_its_jobs_while_idle(monkeypatch: Any) -> None:
    calls: list[str] = []
    twice = threading.Event()

    def record(name: str) -> Any:
        def call(*args: Any) -> int:
            calls.append(name)
            if calls.count("worker") >= 2:
                twice.set()
            return 0
        return call

    monkeypatch.setattr(worker_module, "beat", record("jobs"))
    monkeypatch.setattr(worker_module, "beat_worker", record("worker"))
    with Heartbeat(0.01, "ducha"):
        assert twice.wait(2)
    assert calls.count("jobs") >= 2  # no job runs: the worker's own beat goes on, and the jobs' one too


# ---- through the real worker (django-tasks' database backend) ------------------------------------------

SEEN: dict[str, Any] = {}


def presence_job(*, actor: Any, progress: JobProgress, tag: str) -> dict[str, Any]:
    """A job that records, from inside the worker, which worker rows exist and whether a worker is live."""
    SEEN["rows"] = list(WorkerBeat.objects.values_list("host", "pid", "queue"))
    SEEN["live"] = live_workers()
    return {"url": "/", "label": "完成"}


PRESENCE = JobKind(name="test.presence", function=f"{__name__}.presence_job", title="看后台任务进程",
                   key_args=("tag",), can_start=allowed, visible=own)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_worker_is_present_while_it_runs_and_gone_after(mini_county: MiniCounty, settings: Any,
                                                              test_kinds: None) -> None:
    settings.DUCHA_JOB_HEARTBEAT_SECONDS = 0  # no thread writing beside the job (the beat is tested above)
    register_job_kind(PRESENCE)
    SEEN.clear()
    job, _ = start_job(actor=mini_county.inspector, kind="test.presence", args={"tag": "a"}, title="看进程")
    assert live_workers() == 0
    run_worker(batch=True)
    job.refresh_from_db()
    assert job.state == "done"
    assert (SEEN["rows"], SEEN["live"]) == ([(HOST, os.getpid(), "ducha")], 1)
    assert not WorkerBeat.objects.exists() and live_workers() == 0


# ---- the API -----------------------------------------------------------------------------------------


def api_client(user: Any) -> Client:
    token = issue_api_token(actor=None, user=user, name="presence")
    return Client(headers={"Authorization": f"Bearer {token}"})


@pytest.mark.django_db
def test_the_api_tells_whether_a_worker_runs_for_a_queued_job(mini_county: MiniCounty, queued: Job,
                                                              make_job: Any) -> None:
    running = make_job(started_by=mini_county.inspector, worker_host=HOST, worker_pid=os.getpid())
    client = api_client(mini_county.inspector)
    assert client.get(f"/api/jobs/{queued.pk}").json()["worker_running"] is False
    assert client.get(f"/api/jobs/{running.pk}").json()["worker_running"] is None
    listed = {row["id"]: row["worker_running"] for row in client.get("/api/jobs").json()}
    assert listed == {queued.pk: False, running.pk: None}
    live_row()
    assert client.get(f"/api/jobs/{queued.pk}").json()["worker_running"] is True
    assert client.get("/api/jobs?state=queued").json()[0]["worker_running"] is True
