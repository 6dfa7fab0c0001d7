"""``ducha worker`` and the worker ``ducha serve`` starts, as real processes on a database of their own.

A worker killed with SIGKILL in the middle of a job leaves it 运行中; the next worker marks it 失败
"任务中断…" before taking work. Ctrl+C lets the running job finish. ``ducha serve`` runs queued jobs and
stops its worker with itself. The jobs are the test kinds of ``ducha.core.tests.jobkinds``.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from cli_support import ScratchDatabases, ducha_command, query

from ducha.core.job_runner import INTERRUPTED
from ducha.core.tests.processes import answers, free_port

SETTINGS = "ducha.core.tests.job_settings"
DEADLINE = 90.0
Run = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def job_db(run_ducha: Run, scratch_databases: ScratchDatabases) -> dict[str, str]:
    env = {"DUCHA_DATABASE_URL": scratch_databases.new(), "DJANGO_SETTINGS_MODULE": SETTINGS}
    done = run_ducha("migrate", **env)
    assert done.returncode == 0, done.stderr
    return env


def start_job(run_ducha: Run, env: dict[str, str], kind: str, args: dict[str, Any]) -> int:
    code = ("from ducha.core.jobs import start_job; "
            f"job, _ = start_job(actor=None, kind={kind!r}, args={args!r}, title='测试任务'); print(job.pk)")
    done = run_ducha("shell", "-c", code, **env)
    assert done.returncode == 0, done.stderr
    return int(done.stdout.strip().splitlines()[-1])


def job_row(env: dict[str, str], job_id: int) -> tuple[Any, ...]:
    return query(env["DUCHA_DATABASE_URL"], f"SELECT state, done, error FROM core_job WHERE id = {job_id}")[0]


def wait_until(condition: Callable[[], bool], process: subprocess.Popen[str] | None = None) -> None:
    deadline = time.monotonic() + DEADLINE
    while not condition():
        if process is not None and process.poll() is not None:
            pytest.fail(f"the process exited with {process.returncode}:\n{process.stdout.read() if process.stdout else ''}")
        if time.monotonic() > deadline:
            pytest.fail(f"not reached within {DEADLINE} s")
        time.sleep(0.2)


def popen(args: list[str], env: dict[str, str], home: Path) -> subprocess.Popen[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("DUCHA_")}
    return subprocess.Popen([*ducha_command(), *args], env={**clean, "DUCHA_HOME": str(home), **env},
                            cwd=home.parent, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def test_a_job_of_a_killed_worker_is_marked_failed_by_the_next(run_ducha: Run, job_db: dict[str, str],
                                                               tmp_path: Path) -> None:
    job_id = start_job(run_ducha, job_db, "test.slow", {"seconds": 120})
    worker = popen(["worker"], job_db, tmp_path / "home")
    try:
        wait_until(lambda: job_row(job_db, job_id)[:1] == ("running",) and job_row(job_db, job_id)[1] >= 2, worker)
    finally:
        worker.kill()  # SIGKILL: nothing of the worker runs any more
        worker.wait()
    assert job_row(job_db, job_id)[0] == "running"  # what the crash left behind

    after = run_ducha("worker", "--batch", **job_db)
    assert after.returncode == 0, after.stderr
    assert "已将 1 个中断的任务标记为失败" in after.stdout
    assert job_row(job_db, job_id)[::2] == ("failed", INTERRUPTED)
    tasks = query(job_db["DUCHA_DATABASE_URL"], "SELECT status FROM django_tasks_database_dbtaskresult")
    assert tasks == [("FAILED",)]


def test_ctrl_c_lets_the_running_job_finish(run_ducha: Run, job_db: dict[str, str], tmp_path: Path) -> None:
    job_id = start_job(run_ducha, job_db, "test.slow", {"seconds": 2})
    worker = popen(["worker"], job_db, tmp_path / "home")
    try:
        wait_until(lambda: job_row(job_db, job_id)[0] == "running", worker)
        worker.send_signal(signal.SIGINT)
        output, _ = worker.communicate(timeout=DEADLINE)
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()
    assert worker.returncode == 0, output
    assert "正在停止：等当前任务完成后退出" in output and "后台任务进程已停止" in output
    assert "Traceback" not in output
    assert job_row(job_db, job_id)[0] == "done"


def test_serve_runs_queued_jobs_and_stops_its_worker(run_ducha: Run, job_db: dict[str, str],
                                                     tmp_path: Path) -> None:
    job_id = start_job(run_ducha, job_db, "test.count", {"n": 3})
    port = free_port()
    server = popen(["serve", "--port", str(port), "--workers", "1", "--threads", "1"], job_db, tmp_path / "home")
    try:
        wait_until(lambda: answers(f"http://127.0.0.1:{port}/healthz"), server)
        wait_until(lambda: job_row(job_db, job_id)[0] == "done", server)
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            output, _ = server.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            server.kill()
            output, _ = server.communicate()
    assert server.returncode == 0, output
    assert "后台任务进程已启动（进程号 " in output and "后台任务进程已停止" in output
    worker_pid = int(output.split("后台任务进程已启动（进程号 ")[1].split("，")[0])
    with pytest.raises(ProcessLookupError):
        os.kill(worker_pid, 0)  # stopped with the server (and reaped by it)
