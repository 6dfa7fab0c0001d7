"""``ducha serve`` starts gunicorn that serves pages, /healthz and static files (whitenoise)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from ducha.core.tests.processes import ducha_command, free_port

REPO = Path(__file__).resolve().parent.parent
VENDOR = REPO / "src" / "ducha" / "static" / "vendor"


def server_env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DUCHA_")}
    env["DUCHA_HOME"] = str(home)
    return env


def run_in(tmp_path: Path, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """The console script run to its end from ``tmp_path``, its data folder ``tmp_path / "home"``."""
    return subprocess.run([*ducha_command(), *args], env=server_env(tmp_path / "home"), cwd=tmp_path,
                          capture_output=True, text=True, timeout=timeout)


def start_in(tmp_path: Path, *args: str) -> subprocess.Popen[str]:
    """The console script started like ``run_in``, its stdout and stderr read together from one pipe."""
    return subprocess.Popen([*ducha_command(), *args], env=server_env(tmp_path / "home"), cwd=tmp_path,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def wait_for(url: str, process: subprocess.Popen[str], seconds: float = 90) -> tuple[int, bytes]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            output = process.stdout.read() if process.stdout else ""
            pytest.fail(f"ducha serve exited with {process.returncode}:\n{output}")
        try:
            return get(url)
        except OSError:
            time.sleep(0.3)
    pytest.fail(f"no answer from {url} within {seconds} s")


def stop(process: subprocess.Popen[str]) -> str:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    return process.stdout.read() if process.stdout else ""


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, subprocess.Popen[str], Path]]:
    port = free_port()
    home = tmp_path / "home"
    process = start_in(tmp_path, "serve", "--port", str(port), "--workers", "1", "--threads", "2", "--migrate")
    try:
        yield f"http://127.0.0.1:{port}", process, home
    finally:
        stop(process)


def test_serve_answers_healthz_pages_and_static_files(
    server: tuple[str, subprocess.Popen[str], Path],
) -> None:
    base, process, home = server

    status, body = wait_for(f"{base}/healthz", process)
    assert (status, body) == (200, b"ok")

    # Django admin's own CSS: whitenoise serves static files with DEBUG off.
    status, body = get(f"{base}/static/admin/css/base.css")
    assert status == 200
    assert b"{" in body

    # --migrate created the SQLite database under DUCHA_HOME, so a page that uses sessions renders.
    assert (home / "ducha.sqlite3").exists()
    status, body = get(f"{base}/admin/login/")
    assert status == 200
    assert "督查 ducha" in body.decode()

    status, _ = get(f"{base}/static/no-such-file.js")
    assert status == 404

    output = stop(process)
    assert process.returncode == 0
    # "已启动" is printed by gunicorn's when_ready hook, i.e. once the port is really listening.
    assert output.index(f"督查 ducha 正在启动：{base}/") < output.index(f"督查 ducha 已启动：{base}/")
    assert "数据库迁移完成" in output


@pytest.mark.skipif(not (VENDOR / "echarts.min.js").exists(), reason="vendor assets not installed (npm ci)")
def test_serve_serves_vendored_echarts(server: tuple[str, subprocess.Popen[str], Path]) -> None:
    base, process, _ = server
    wait_for(f"{base}/healthz", process)

    status, body = get(f"{base}/static/vendor/echarts.min.js")

    assert status == 200
    assert body == (VENDOR / "echarts.min.js").read_bytes()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--port", "70000"], "端口无效：70000（应为 1–65535）"),
        (["--port", "0"], "端口无效：0（应为 1–65535）"),
        (["--workers", "0"], "工作进程数和线程数都至少为 1"),
        (["--threads", "0"], "工作进程数和线程数都至少为 1"),
    ],
)
def test_serve_rejects_bad_options(tmp_path: Path, args: list[str], message: str) -> None:
    home = tmp_path / "home"
    result = run_in(tmp_path, "serve", "--migrate", *args)

    assert result.returncode != 0
    assert message in result.stderr
    # Options are checked before anything is written: no migration ran, no database was created.
    assert not (home / "ducha.sqlite3").exists()


def test_serve_refuses_a_port_in_use(tmp_path: Path) -> None:
    home = tmp_path / "home"
    with socket.socket() as other:
        other.bind(("127.0.0.1", 0))
        other.listen()
        port = other.getsockname()[1]
        result = run_in(tmp_path, "serve", "--port", str(port), "--workers", "1", "--migrate")

    assert result.returncode != 0
    assert f"端口 {port} 已被占用（127.0.0.1）" in result.stderr
    assert "用 --port 换一个端口" in result.stderr
    assert "已启动" not in result.stdout
    assert "Traceback" not in result.stderr
    assert "[ERROR]" not in result.stderr + result.stdout  # gunicorn never ran
    # The port is checked before anything is written: no migration ran, no database was created.
    assert not (home / "ducha.sqlite3").exists()


def test_serve_warns_about_unapplied_migrations(tmp_path: Path) -> None:
    home = tmp_path / "home"
    for args in (["migrate"], ["migrate", "demo", "0001"]):  # an upgrade that has not been migrated yet
        done = run_in(tmp_path, *args, timeout=300)
        assert done.returncode == 0, done.stderr
    port = free_port()
    process = start_in(tmp_path, "serve", "--port", str(port), "--workers", "1")
    try:
        status, body = wait_for(f"http://127.0.0.1:{port}/healthz", process)
    finally:
        output = stop(process)

    assert (status, body) == (200, b"ok")
    assert f"数据库：SQLite {home / 'ducha.sqlite3'}" in output
    assert "警告：数据库还有 1 个迁移未执行" in output
    assert "请先运行 ducha migrate（或 ducha serve --migrate）" in output


def test_serve_refuses_a_database_not_set_up(tmp_path: Path) -> None:
    home = tmp_path / "home"

    result = run_in(tmp_path, "serve", "--workers", "1")

    assert result.returncode == 1
    assert f"数据库还没有建立：{home / 'ducha.sqlite3'} 不存在" in result.stderr
    assert "试用演示县：运行 ducha demo" in result.stderr
    assert "已启动" not in result.stdout
    assert not (home / "ducha.sqlite3").exists()
