"""``ducha worker``: run the background jobs (quality scans and later bulletins, big imports) of this site.

``ducha serve`` starts one itself; run this on its own when the web server runs elsewhere or with
``--no-worker``. See docs/jobs.md.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor

from ducha.core.worker import run_worker


def positive(text: str) -> float:
    import argparse

    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"“{text}”不是数字") from None
    if not 0 < value <= 3600:
        raise argparse.ArgumentTypeError(f"“{text}”应在 0 到 3600 秒之间")
    return value


def unapplied_migrations() -> int:
    executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
    return len(executor.migration_plan(executor.loader.graph.leaf_nodes()))


class Command(BaseCommand):
    help = "运行后台任务进程：执行网页上发起的质量检查等耗时任务（ducha serve 会自动启动一个）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch", action="store_true", help="处理完队列中已有的任务后退出（默认一直运行）")
        parser.add_argument("--interval", type=positive, default=1.0,
                            help="队列为空时每隔多少秒查看一次新任务（默认 1）")

    def handle(self, *args: Any, **options: Any) -> None:
        if pending := unapplied_migrations():
            raise CommandError(f"数据库还有 {pending} 个迁移未执行，后台任务进程无法启动：请先运行 ducha migrate")
        if options["verbosity"] >= 1:  # say when each job starts and ends (ducha.core.job_runner logs it)
            logging.getLogger("ducha.core.job_runner").setLevel(logging.INFO)
        mode = "处理完队列中的任务后退出" if options["batch"] else "按 Ctrl+C 停止"
        self.say(f"后台任务进程已启动（队列 {settings.DUCHA_JOB_QUEUE}，{mode}）")
        run_worker(batch=options["batch"], interval=options["interval"], say=self.say, signals=True)
        self.say("后台任务进程已停止")

    def say(self, text: str) -> None:
        self.stdout.write(text)
        self.stdout.flush()
