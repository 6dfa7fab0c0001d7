"""``ducha serve`` restarts its background worker process when it dies, and gives up on one that keeps failing.

The end-to-end tests run the real console script on a database of their own (a new SQLite file, or a new
PostgreSQL database when the suite runs on PostgreSQL) with the test job kinds of ``jobkinds``; they kill
the worker with SIGKILL and wait (polling, with a generous deadline) for the server to start a new one.
``WorkerSupervisor`` itself is tested on small real processes.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from ducha.core.tests.processes import answers, ducha_command, free_port, query
from ducha.core.worker_process import RESTART_LIMIT, WorkerSupervisor, exit_text

SETTINGS = "ducha.core.tests.job_settings"
DEADLINE = 120.0
STARTED = re.compile(r"后台任务进程已启动（进程号 (\d+)，")
RESTARTED = re.compile(r"后台任务进程意外退出（(.+?)），已重新启动（进程号 (\d+)）")
SUITE_URL = os.environ.get("DUCHA_DATABASE_URL", "")


@pytest.fixture
def database_url(tmp_path: Path) -> Iterator[str]:
    """A new, empty database of the suite's kind, removed afterwards."""
    if not SUITE_URL.startswith(("postgres", "pgsql")):
        yield f"sqlite:///{tmp_path / 'restart.sqlite3'}"
        return
    import dj_database_url
    import psycopg

    db = dj_database_url.parse(SUITE_URL)
    server = {"host": db["HOST"] or "localhost", "port": db["PORT"] or 5432, "user": db["USER"],
              "password": db["PASSWORD"] or None, "dbname": "postgres", "autocommit": True}
    name = f"ducha_restart_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(**server) as pg:  # type: ignore[arg-type]
        pg.execute(f'CREATE DATABASE "{name}"')  # type: ignore[arg-type]
    try:
        yield SUITE_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with psycopg.connect(**server) as pg:  # type: ignore[arg-type]
            pg.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')  # type: ignore[arg-type]


class Site:
    """A data folder and database for ``ducha`` subprocesses, and the server started on them."""

    def __init__(self, folder: Path, database_url: str) -> None:
        self.folder = folder
        self.url = database_url
        self.log = folder / "serve.log"
        clean = {k: v for k, v in os.environ.items() if not k.startswith("DUCHA_")}
        self.env = {**clean, "DUCHA_HOME": str(folder / "home"), "DUCHA_DATABASE_URL": database_url,
                    "DJANGO_SETTINGS_MODULE": SETTINGS}
        self.server: subprocess.Popen[bytes] | None = None

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        done = subprocess.run([*ducha_command(), *args], env=self.env, cwd=self.folder, capture_output=True,
                              text=True, timeout=600)
        assert done.returncode == 0, done.stdout + done.stderr
        return done

    def serve(self, port: int) -> None:
        with self.log.open("wb") as log:
            self.server = subprocess.Popen(
                [*ducha_command(), "serve", "--port", str(port), "--workers", "1", "--threads", "1"],
                env=self.env, cwd=self.folder, stdout=log, stderr=subprocess.STDOUT)

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def wait_for(self, condition: Callable[[], Any]) -> Any:
        deadline = time.monotonic() + DEADLINE
        while not (found := condition()):
            if self.server is not None and self.server.poll() is not None:
                pytest.fail(f"ducha serve exited with {self.server.returncode}:\n{self.output()}")
            if time.monotonic() > deadline:
                pytest.fail(f"not reached within {DEADLINE} s:\n{self.output()}")
            time.sleep(0.2)
        return found

    def stop(self) -> int:
        assert self.server is not None
        if self.server.poll() is None:
            self.server.send_signal(signal.SIGTERM)
        try:
            return self.server.wait(timeout=90)
        except subprocess.TimeoutExpired:
            self.server.kill()
            self.server.wait()
            pytest.fail(f"ducha serve did not stop on SIGTERM:\n{self.output()}")


@pytest.fixture
def site(tmp_path: Path, database_url: str) -> Iterator[Site]:
    made = Site(tmp_path, database_url)
    try:
        yield made
    finally:
        if made.server is not None and made.server.poll() is None:
            made.server.kill()
            made.server.wait()


def parent_of(pid: int) -> int:
    stat = Path(f"/proc/{pid}/stat").read_text()
    return int(stat.rsplit(")", 1)[1].split()[1])


def is_gone(pid: int) -> bool:
    """The process has exited and been reaped by its parent (no zombie left behind)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def start_job(site: Site, n: int) -> int:
    code = ("from ducha.core.jobs import start_job; "
            f"job, _ = start_job(actor=None, kind='test.count', args={{'n': {n}}}, title='测试任务'); print(job.pk)")
    return int(site.run("shell", "-c", code).stdout.strip().splitlines()[-1])


def job_state(site: Site, job_id: int) -> str:
    return str(query(site.url, f"SELECT state FROM core_job WHERE id = {job_id}")[0][0])


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_serve_restarts_a_killed_worker_which_then_runs_jobs(site: Site) -> None:
    site.run("migrate")
    port = free_port()
    site.serve(port)
    first = int(site.wait_for(lambda: STARTED.search(site.output())).group(1))
    site.wait_for(lambda: answers(f"http://127.0.0.1:{port}/healthz"))
    assert parent_of(first) == site.server.pid  # type: ignore[union-attr]

    os.kill(first, signal.SIGKILL)
    restarted = site.wait_for(lambda: RESTARTED.search(site.output()))
    assert restarted.group(1) == "退出码 -9，被信号 SIGKILL 终止"
    second = int(restarted.group(2))
    assert second != first and is_gone(first)  # the dead worker was reaped, not left a zombie
    assert parent_of(second) == site.server.pid  # type: ignore[union-attr]  # the master, not a web worker

    job_id = start_job(site, 3)
    site.wait_for(lambda: job_state(site, job_id) == "done")
    assert answers(f"http://127.0.0.1:{port}/healthz")

    assert site.stop() == 0, site.output()
    output = site.output()
    assert output.count("已重新启动") == 1 and "不再重新启动" not in output
    assert "后台任务进程已停止" in output and "Traceback" not in output
    assert is_gone(second)  # stopped with the server


def test_serve_stops_restarting_a_worker_that_keeps_failing(site: Site) -> None:
    site.run("migrate", "contenttypes")  # a database with migrations still to run: every worker refuses to start
    port = free_port()
    site.serve(port)
    site.wait_for(lambda: "不再重新启动" in site.output())
    output = site.output()
    assert "数据库还有" in output and "迁移未执行" in output  # serve's warning, and each worker's reason
    assert len(RESTARTED.findall(output)) == RESTART_LIMIT
    assert all(code == "退出码 1" for code, _ in RESTARTED.findall(output))
    assert f"60 秒内已重新启动 {RESTART_LIMIT} 次仍然退出，不再重新启动" in output
    site.wait_for(lambda: answers(f"http://127.0.0.1:{port}/healthz"))  # the web site keeps running
    assert len(RESTARTED.findall(site.output())) == RESTART_LIMIT  # and no worker is started any more
    assert site.stop() == 0, site.output()
    assert "后台任务进程已停止" in site.output()


def supervise_until(supervisor: WorkerSupervisor, condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + DEADLINE
    while not condition():
        assert time.monotonic() < deadline, "not reached in time"
        supervisor.reap()
        supervisor.check()
        time.sleep(0.05)


def test_the_supervisor_restarts_up_to_the_limit_then_gives_up() -> None:
    said: list[str] = []
    supervisor = WorkerSupervisor(said.append, command=[sys.executable, "-c", "raise SystemExit(3)"])
    supervisor.start()
    supervise_until(supervisor, lambda: supervisor.gave_up)
    restarts = [RESTARTED.fullmatch(text) for text in said[:-1]]
    assert len(restarts) == RESTART_LIMIT and all(m is not None and m.group(1) == "退出码 3" for m in restarts)
    assert len({m.group(2) for m in restarts if m}) == RESTART_LIMIT  # a new process each time
    assert said[-1].startswith("后台任务进程又一次意外退出（退出码 3）：60 秒内已重新启动 5 次仍然退出，不再重新启动")
    supervisor.check()
    assert len(said) == RESTART_LIMIT + 1  # no more restarts once given up


def test_the_supervisor_leaves_a_running_worker_alone_and_stops_it() -> None:
    said: list[str] = []
    supervisor = WorkerSupervisor(said.append, command=[sys.executable, "-c", "import time; time.sleep(600)"])
    pid = supervisor.start()
    supervisor.reap()
    supervisor.check()
    assert supervisor.pid == pid and said == []
    supervisor.stop()  # SIGTERM ends the sleeping child at once
    assert supervisor.process is not None and supervisor.process.returncode == -signal.SIGTERM
    supervisor.check()
    assert supervisor.pid == pid and said == []  # a worker stopped on purpose is not restarted


@pytest.mark.parametrize(("code", "text"), [(0, "退出码 0"), (1, "退出码 1"),
                                            (-9, "退出码 -9，被信号 SIGKILL 终止"),
                                            (-200, "退出码 -200，被信号 编号 200 终止")])
def test_exit_codes_are_told_in_chinese(code: int, text: str) -> None:
    assert exit_text(code) == text
