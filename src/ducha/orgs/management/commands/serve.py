"""``ducha serve``: the production web server (gunicorn) for ``ducha.wsgi:application``.

Static files are served by whitenoise from the same process, so one command is the whole site on an
intranet machine; put nginx in front of it for HTTPS (see ``docs/settings.md``).
"""

from __future__ import annotations

import errno
import os
import socket
import sys
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.db.migrations.executor import MigrationExecutor
from gunicorn.app.base import BaseApplication
from gunicorn.arbiter import Arbiter

from ducha.core.worker_process import WorkerSupervisor
from ducha.orgs.checks import allowed_hosts_hint


class DuchaArbiter(Arbiter):
    """Gunicorn's master, which also watches the background worker process (forked web workers never do)."""

    def __init__(self, app: BaseApplication, supervisor: WorkerSupervisor | None) -> None:
        self.supervisor = supervisor
        super().__init__(app)

    def reap_workers(self) -> None:  # on SIGCHLD: take the worker's exit status before waitpid(-1) does
        if self.supervisor is not None:
            self.supervisor.reap()
        super().reap_workers()

    def manage_workers(self) -> None:  # at least once a second from the master's main loop
        super().manage_workers()
        if self.supervisor is not None:
            self.supervisor.check()


class DuchaServer(BaseApplication):
    """Gunicorn application that loads the ducha WSGI app in each worker."""

    def __init__(self, options: dict[str, Any], supervisor: WorkerSupervisor | None = None) -> None:
        self.options = options
        self.supervisor = supervisor
        super().__init__()

    def run(self) -> None:  # BaseApplication.run with ducha's arbiter
        try:
            DuchaArbiter(self, self.supervisor).run()
        except RuntimeError as exc:
            sys.stderr.write(f"\nError: {exc}\n")
            sys.stderr.flush()
            sys.exit(1)

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        # The project's WSGI app built here, not imported from ducha.wsgi (the top of the layers).
        from django.core.wsgi import get_wsgi_application

        return get_wsgi_application()


def bind_address(host: str, port: int) -> str:
    """gunicorn's ``bind`` value; IPv6 literals need brackets."""
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return f"{host}:{port}"


def browse_url(host: str, port: int) -> str:
    """The address to print for a person: a wildcard bind is reached through loopback."""
    shown = {"0.0.0.0": "127.0.0.1", "::": "[::1]", "[::]": "[::1]"}.get(host, host)
    if ":" in shown and not shown.startswith("["):
        shown = f"[{shown}]"
    return f"http://{shown}:{port}/"


def unapplied_migrations() -> int:
    connection = connections[DEFAULT_DB_ALIAS]
    executor = MigrationExecutor(connection)
    return len(executor.migration_plan(executor.loader.graph.leaf_nodes()))


class Command(BaseCommand):
    help = "启动生产级 Web 服务器（gunicorn + whitenoise 静态文件）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1", help="监听地址（默认 127.0.0.1；内网访问用 0.0.0.0）")
        parser.add_argument("--port", type=int, default=8000, help="监听端口（默认 8000）")
        parser.add_argument(
            "--workers", type=int, default=default_workers(), help="工作进程数（默认按 CPU 核数计算）"
        )
        parser.add_argument("--threads", type=int, default=4, help="每个工作进程的线程数（默认 4）")
        parser.add_argument("--timeout", type=int, default=120, help="请求超时秒数（默认 120）")
        parser.add_argument("--migrate", action="store_true", help="启动前先执行数据库迁移（migrate）")
        parser.add_argument("--no-worker", action="store_true",
                            help="不启动后台任务进程（质量检查等任务需另行运行 ducha worker）")

    def handle(self, *args: Any, **options: Any) -> None:
        host: str = options["host"]
        port: int = options["port"]
        workers: int = options["workers"]
        threads: int = options["threads"]
        if not 0 < port < 65536:
            raise CommandError(f"端口无效：{port}（应为 1–65535）")
        if workers < 1 or threads < 1:
            raise CommandError("工作进程数和线程数都至少为 1")
        check_port_free(host, port)
        self.prepare_database(options["migrate"])
        if hint := allowed_hosts_hint(host):
            self.stderr.write(f"警告：{hint}")
        os.makedirs(settings.STATIC_ROOT, exist_ok=True)  # whitenoise warns when it is missing
        connections.close_all()  # never share a database connection with forked workers
        url = browse_url(host, port)
        self.stdout.write(f"督查 ducha 正在启动：{url}……")
        worker = None if options["no_worker"] else WorkerSupervisor(self.say)
        server_pid = os.getpid()  # gunicorn's forked workers leave server.run() too: only the server stops it
        self.stdout.write(f"后台任务进程已启动（进程号 {worker.start()}，随服务器一起停止）" if worker else
                          "未启动后台任务进程（--no-worker）：网页上发起的任务会一直排队，请另行运行 ducha worker")
        self.stdout.flush()

        def when_ready(_arbiter: Any) -> None:  # gunicorn calls this once it is listening
            self.stdout.write(f"督查 ducha 已启动：{url}（{workers} 个工作进程，按 Ctrl+C 停止）")
            self.stdout.flush()

        server = DuchaServer(
            {
                "bind": bind_address(host, port),
                "workers": workers,
                "threads": threads,
                "worker_class": "gthread",
                "timeout": options["timeout"],
                "accesslog": "-",
                "errorlog": "-",
                "loglevel": "warning",
                "proc_name": "ducha",
                "when_ready": when_ready,
            },
            worker,
        )
        try:
            server.run()
        finally:
            if worker is not None and os.getpid() == server_pid:
                worker.stop()
                self.say("后台任务进程已停止")

    def say(self, text: str) -> None:
        self.stdout.write(text)
        self.stdout.flush()

    def prepare_database(self, migrate: bool) -> None:
        if migrate:
            self.stdout.write("正在执行数据库迁移……")
            call_command("migrate", interactive=False, verbosity=0)
            self.stdout.write("数据库迁移完成")
            return
        try:
            pending = unapplied_migrations()
        except DatabaseError as exc:  # the server still starts; /healthz answers without a database
            self.stderr.write(f"警告：无法连接数据库（{exc}）")
            return
        if pending:
            self.stderr.write(
                f"警告：数据库还有 {pending} 个迁移未执行，请先运行 ducha migrate（或 ducha serve --migrate）；"
                "在此之前后台任务进程无法启动，网页上发起的后台任务（质量检查等）会一直排队、不会运行"
            )


def check_port_free(host: str, port: int) -> None:
    """Bind the address once, as gunicorn will, so a busy port is reported in Chinese before starting."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)[0]
    except socket.gaierror as exc:
        raise CommandError(f"监听地址无效：{host}（{exc.strerror}）") from exc
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as gunicorn does
        try:
            probe.bind(address)
        except OSError as exc:
            raise CommandError(port_problem(host, port, exc)) from exc


def port_problem(host: str, port: int, exc: OSError) -> str:
    if exc.errno == errno.EADDRINUSE:
        return (f"端口 {port} 已被占用（{host}）：可能另一个 ducha serve 或别的程序正在使用它。"
                "先停止那个程序，或用 --port 换一个端口。")
    if exc.errno == errno.EACCES:
        return f"没有权限监听端口 {port}：1024 以下的端口需要管理员权限，请换用 1024 以上的端口（--port）。"
    if exc.errno == errno.EADDRNOTAVAIL:
        return f"监听地址 {host} 不是本机的地址，请检查 --host。"
    return f"无法监听 {host}:{port}：{exc.strerror or exc}"


def default_workers() -> int:
    return min(2 * (os.cpu_count() or 1) + 1, 8)
