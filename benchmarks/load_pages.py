"""Pages under load: logged-in users hitting the dashboard, the indicator page, the quality page and the API.

Builds the demo county (``ducha demo``) into a temporary DUCHA_HOME (or uses ``--home``), starts
``ducha serve --workers 2`` on it, logs in one session per simulated user as the demo's users (admin,
duchayuan, xihuang, lingdao in turn; passwords ``ducha-<name>-2012``, ``ducha.demo.build.USERS``) and, for
each endpoint and each number of concurrent users, prints p50/p95/p99 latency, throughput, the error count and the machine's load
average at the end of the step. ``--modes cache,nocache`` runs the server twice, with the result cache
(the default) and with ``DUCHA_RESULT_CACHE=0`` (every request computes afresh, as before the cache),
so the two columns of one run compare like with like.

Two ways of loading: closed loop (``--think 0``, the default: each user sends its next request as soon as
the last one has answered — a stress test, throughput-bound) and users who read a page before the next click
(``--think 1-3``: a random 1–3 s pause, as locust's ``between(1, 3)``; what "50 users logged in at once"
means for a county). Each user keeps its connection alive between requests, as a browser does.

    python benchmarks/load_pages.py                                   # SQLite, both modes, 1/10/50 users
    python benchmarks/load_pages.py --users 1,10 --seconds 5 --repeats 1 --modes cache
    PORT=$(scripts/pg.sh start /tmp/pg-bench)
    python benchmarks/load_pages.py --database-url postgresql://postgres@127.0.0.1:$PORT/postgres
    scripts/pg.sh stop /tmp/pg-bench

Each step starts with a warm-up that is not counted (``--warmup`` seconds, at least one request per user):
every worker imports its libraries and, with the cache on, fills its cache. The load generator runs on the same machine as the server.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DUCHA = str(ROOT / ".venv" / "bin" / "ducha") if (ROOT / ".venv" / "bin" / "ducha").exists() else "ducha"
DEMO_USERS = ["admin", "duchayuan", "xihuang", "lingdao"]
ENDPOINTS = ["/", "/indicators/", "/quality/", "/api/indicator-values?period=2012Q1"]
HOST = "127.0.0.1"


def password_of(username: str) -> str:
    return f"ducha-{username}-2012"


@dataclass
class Step:
    mode: str
    endpoint: str
    users: int
    repeat: int
    requests: int = 0
    errors: int = 0
    p50: float = 0.0
    p95: float = 0.0
    p99: float = 0.0
    throughput: float = 0.0
    load1: float = 0.0
    statuses: dict[str, int] = field(default_factory=dict)


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def run_ducha(env: dict[str, str], *args: str) -> None:
    subprocess.run([DUCHA, *args], env=env, check=True, stdout=subprocess.DEVNULL)


def prepare(env: dict[str, str]) -> None:
    print("正在建立演示县（ducha migrate + ducha demo）……", flush=True)
    run_ducha(env, "migrate", "-v0")
    run_ducha(env, "demo", "--force")


def start_server(env: dict[str, str], port: int, workers: int, threads: int | None, log: Path) -> subprocess.Popen:
    args = [DUCHA, "serve", "--workers", str(workers), "--port", str(port), "--no-worker"]
    if threads:
        args += ["--threads", str(threads)]
    with open(log, "ab") as out:
        proc = subprocess.Popen(args, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if request(port, "GET", "/healthz")[0] == 200:
                return proc
        except OSError:
            time.sleep(0.3)
    stop_server(proc)
    raise SystemExit(f"服务器 60 秒内没有启动，见 {log}")


def stop_server(proc: subprocess.Popen) -> None:
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def request(port: int, method: str, path: str, headers: dict[str, str] | None = None,
            body: str | None = None) -> tuple[int, http.client.HTTPResponse, bytes]:
    conn = http.client.HTTPConnection(HOST, port, timeout=180)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        return response.status, response, response.read()
    finally:
        conn.close()


def cookies_of(response: http.client.HTTPResponse) -> dict[str, str]:
    found = {}
    for header in response.headers.get_all("Set-Cookie") or []:
        name, _, rest = header.partition("=")
        found[name.strip()] = rest.split(";", 1)[0]
    return found


def log_in(port: int, username: str) -> str:
    """A session cookie header for ``username`` (through the login form, with its CSRF token)."""
    status, response, body = request(port, "GET", "/login/")
    csrf = cookies_of(response)["csrftoken"]
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body)
    if status != 200 or token is None:
        raise SystemExit(f"登录页无法打开（{status}）")
    form = urllib.parse.urlencode({"username": username, "password": password_of(username),
                                   "csrfmiddlewaretoken": token.group(1).decode()})
    headers = {"Cookie": f"csrftoken={csrf}", "Content-Type": "application/x-www-form-urlencoded"}
    status, response, _ = request(port, "POST", "/login/", headers, form)
    session = cookies_of(response).get("sessionid")
    if status != 302 or not session:
        raise SystemExit(f"用户 {username} 登录失败（{status}）")
    return f"sessionid={session}; csrftoken={csrf}"


def percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))]


class Browser:
    """One simulated user's connection, kept alive between requests as a browser's is (reopened on error)."""

    def __init__(self, port: int, cookie: str) -> None:
        self.port, self.cookie = port, cookie
        self.conn: http.client.HTTPConnection | None = None

    def get(self, path: str) -> str:
        for attempt in (1, 2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection(HOST, self.port, timeout=180)
            try:
                self.conn.request("GET", path, headers={"Cookie": self.cookie})
                response = self.conn.getresponse()
                response.read()
                if response.will_close:
                    self.close()
                return str(response.status)
            except (OSError, http.client.HTTPException):
                self.close()  # the server closed an idle connection: open a new one once
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def run_step(port: int, sessions: list[str], step: Step, seconds: float, warmup: float,
             think: tuple[float, float] = (0.0, 0.0)) -> Step:
    latencies: list[float] = []
    statuses: dict[str, int] = {}
    lock = threading.Lock()
    start = threading.Barrier(step.users + 1)
    deadline = [0.0]

    def user(cookie: str, seed: int) -> None:
        browser, rng = Browser(port, cookie), random.Random(seed)
        warm_until = time.monotonic() + warmup
        browser.get(step.endpoint)  # warm-up, not counted: every worker
        while time.monotonic() < warm_until:  # imports its libraries and fills its cache
            browser.get(step.endpoint)
        start.wait()
        if think[1]:
            time.sleep(rng.uniform(0, think[1]))  # users do not all click at the same instant
        while time.monotonic() < deadline[0]:
            began = time.perf_counter()
            try:
                status = browser.get(step.endpoint)
            except (OSError, http.client.HTTPException) as exc:
                status = type(exc).__name__
            elapsed = time.perf_counter() - began
            with lock:
                latencies.append(elapsed)
                statuses[status] = statuses.get(status, 0) + 1
            if think[1]:
                time.sleep(rng.uniform(*think))  # reading the page before the next click
        browser.close()

    threads = [threading.Thread(target=user, args=(sessions[i], i)) for i in range(step.users)]
    for t in threads:
        t.start()
    deadline[0] = time.monotonic() + 3600
    start.wait()
    began = time.monotonic()
    deadline[0] = began + seconds
    for t in threads:
        t.join()
    wall = time.monotonic() - began
    step.requests, step.statuses = len(latencies), statuses
    step.errors = sum(n for s, n in statuses.items() if s != "200")
    step.p50, step.p95, step.p99 = (round(percentile(latencies, q) * 1000, 1) for q in (50, 95, 99))
    step.throughput = round(len(latencies) / wall, 1) if wall else 0.0
    step.load1 = round(os.getloadavg()[0], 2)
    return step


def print_header() -> None:
    print(f"{'模式':<8}{'端点':<40}{'用户':>5}{'轮':>3}{'请求':>7}{'错误':>5}"
          f"{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'请求/秒':>9}{'负载':>7}", flush=True)


def print_step(s: Step) -> None:
    print(f"{s.mode:<10}{s.endpoint:<42}{s.users:>5}{s.repeat:>4}{s.requests:>8}{s.errors:>6}"
          f"{s.p50:>9}{s.p95:>9}{s.p99:>9}{s.throughput:>9}{s.load1:>7}"
          + ("" if not s.errors else f"  {s.statuses}"), flush=True)


def run_mode(mode: str, opts: argparse.Namespace, env: dict[str, str], log: Path) -> list[Step]:
    env = {**env, "DUCHA_RESULT_CACHE": "1" if mode == "cache" else "0"}
    port = opts.port or free_port()
    proc = start_server(env, port, opts.workers, opts.threads, log)
    steps = []
    try:
        sessions = [log_in(port, DEMO_USERS[i % len(DEMO_USERS)]) for i in range(max(opts.users))]
        for repeat in range(1, opts.repeats + 1):
            for endpoint in opts.endpoints:
                for users in opts.users:
                    step = run_step(port, sessions, Step(mode, endpoint, users, repeat),
                                    opts.seconds, opts.warmup, opts.think)
                    print_step(step)
                    steps.append(step)
    finally:
        stop_server(proc)
    return steps


def print_comparison(steps: list[Step]) -> None:
    """Worst p95 over the repeats, one column per mode."""
    modes = list(dict.fromkeys(s.mode for s in steps))
    print("\n最差 p95（毫秒，各轮中最大）与错误数：")
    print(f"{'端点':<40}{'用户':>5}" + "".join(f"{m + ' p95':>16}{m + ' 错误':>12}" for m in modes))
    keys = list(dict.fromkeys((s.endpoint, s.users) for s in steps))
    for endpoint, users in keys:
        cells = ""
        for m in modes:
            mine = [s for s in steps if s.mode == m and s.endpoint == endpoint and s.users == users]
            cells += f"{max(s.p95 for s in mine):>18}{sum(s.errors for s in mine):>14}"
        print(f"{endpoint:<42}{users:>5}{cells}")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description="登录用户并发访问首页、指标页、数据质量页和指标 API 的负载测试")
    p.add_argument("--home", help="已有的 DUCHA_HOME（含演示县）；缺省建在临时目录里")
    p.add_argument("--database-url", help="PostgreSQL 地址（DUCHA_DATABASE_URL）；缺省用 SQLite")
    p.add_argument("--reuse", action="store_true", help="不重建演示县（--home 或数据库里已有）")
    p.add_argument("--users", default="1,10,50", help="并发用户数，逗号分隔（默认 1,10,50）")
    p.add_argument("--seconds", type=float, default=10, help="每一步的秒数（默认 10）")
    p.add_argument("--warmup", type=float, default=2, help="每一步开始前不计入结果的预热秒数（默认 2）")
    p.add_argument("--repeats", type=int, default=2, help="重复轮数（默认 2）")
    p.add_argument("--modes", default="cache,nocache", help="cache（结果缓存）、nocache（DUCHA_RESULT_CACHE=0）")
    p.add_argument("--think", default="0",
                   help="每个用户两次点击之间的思考时间（秒），如 1-3 表示 1 到 3 秒间随机；0 为闭环（默认）")
    p.add_argument("--endpoints", default=",".join(ENDPOINTS), help="逗号分隔的路径")
    p.add_argument("--workers", type=int, default=2, help="ducha serve --workers（默认 2）")
    p.add_argument("--threads", type=int, help="ducha serve --threads（缺省用 ducha serve 的默认值）")
    p.add_argument("--port", type=int, help="端口（缺省自动选空闲端口）")
    p.add_argument("--json", help="把结果另写入此 JSON 文件")
    opts = p.parse_args(argv)
    opts.users = [int(u) for u in opts.users.split(",")]
    opts.modes = [m.strip() for m in opts.modes.split(",")]
    opts.endpoints = [e.strip() for e in opts.endpoints.split(",")]
    low, _, high = opts.think.partition("-")
    opts.think = (float(low), float(high or low))
    if set(opts.modes) - {"cache", "nocache"}:
        p.error("--modes 只能是 cache、nocache")
    return opts


def main(argv: list[str] | None = None) -> int:
    opts = parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))  # stop the server (finally) when stopped
    home = Path(opts.home) if opts.home else Path(tempfile.mkdtemp(prefix="ducha-load-"))
    (home / "static").mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "DUCHA_HOME": str(home)}
    if opts.database_url:
        env["DUCHA_DATABASE_URL"] = opts.database_url
    if not opts.reuse:
        prepare(env)
    print(f"数据库：{'PostgreSQL' if opts.database_url else 'SQLite'}；DUCHA_HOME={home}；CPU {os.cpu_count()} 核；"
          f"ducha serve --workers {opts.workers}" + (f" --threads {opts.threads}" if opts.threads else "")
          + ("；闭环（无思考时间）" if not opts.think[1] else f"；思考时间 {opts.think[0]:g}–{opts.think[1]:g} 秒")
          + f"；开始时负载 {os.getloadavg()[0]:.2f}")
    print_header()
    steps = []
    for mode in opts.modes:
        steps += run_mode(mode, opts, env, home / f"serve-{mode}.log")
    print_comparison(steps)
    if opts.json:
        Path(opts.json).write_text(json.dumps([asdict(s) for s in steps], ensure_ascii=False, indent=1))
    if not opts.home:
        shutil.rmtree(home, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
