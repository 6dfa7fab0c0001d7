"""``ducha check-audit``: verify the audit log's hash chain; exit status 0 only if it is unbroken."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ducha.audit.verify import MAX_LISTED, verify_chain


class Command(BaseCommand):
    help = "校验审计日志的哈希链：发现被删除、修改、插入或调换顺序的记录"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--anchor", action="append", default=[], metavar="HASH",
                            help="此前另行保存的链头哈希（可多次给出）；它必须仍在链中，否则说明末尾记录被删除或链被改写")

    def handle(self, *args: Any, **options: Any) -> None:
        report = verify_chain(options["anchor"])
        last = f"，最后一条为{report.last_row}" if report.last_row else ""
        self.stdout.write(f"审计记录：共 {report.rows} 条{last}")
        self.stdout.write(f"链头哈希：{report.head_hash or '（空链）'}")
        if report.anchor_found:
            self.stdout.write("保存的哈希均在链中：此前的记录完好")
        if report.ok:
            self.stdout.write(self.style.SUCCESS("审计链校验通过"))
            self.stdout.write("请把链头哈希和条数另行保存（打印存档或抄录），日后用 "
                              "ducha check-audit --anchor 哈希 核对，可发现末尾记录被删除或整条链被改写")
            return
        for problem in report.problems:
            self.stdout.write(f"  {problem}")
        if report.problem_count > MAX_LISTED:
            self.stdout.write(f"  ……另有 {report.problem_count - MAX_LISTED} 处问题未列出")
        raise CommandError(f"审计链校验失败：发现 {report.problem_count} 处问题")
