"""``ducha import-registers FILE_OR_FOLDER… [--user USERNAME] [--dry-run]``: import register files, all or nothing.

Every file is read and checked first; any problem in any file → every problem is printed as a table,
nothing is written and the command exits non-zero. Otherwise all files are saved in one transaction
and a summary per unit is printed.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

from ducha.core.actor import Actor
from ducha.core.excel_io import ImportFileError
from ducha.core.input_files import collect_files, file_labels
from ducha.orgs.excel import cli_console, resolve_cli_actor
from ducha.orgs.import_cli import print_problems
from ducha.orgs.models import OrgUnit
from ducha.orgs.selectors import can_write
from ducha.registers.actions import import_registers
from ducha.registers.import_write import COUNT_LABELS
from ducha.registers.importing import read_register_files


class _Bar:
    """One rich progress bar whose description follows the stage (读取 …, 核对 …, 写入 …)."""

    def __init__(self, progress: Progress):
        self.progress = progress
        self.task: TaskID = progress.add_task("准备", total=None)
        self.stage = ""

    def __call__(self, stage: str, done: int, total: int) -> None:
        if stage != self.stage:
            self.stage = stage
            self.progress.reset(self.task, total=total, description=stage)
        self.progress.update(self.task, completed=done, total=total)


def _progress(console: Console) -> Progress:
    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                    console=console, transient=False)


class Command(BaseCommand):
    help = "从 Excel/CSV 文件导入孕产妇和儿童保健手册；任何文件有问题则全部不导入并列出所有问题"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("paths", nargs="+", metavar="FILE_OR_FOLDER", help="登记文件，或包含登记文件的文件夹")
        parser.add_argument("--user", default=None, help="操作人用户名（默认第一个超级用户或系统管理员）")
        parser.add_argument("--dry-run", action="store_true", help="只检查文件，不写入")

    def handle(self, *args: Any, **options: Any) -> None:
        console = cli_console(self.stdout)
        try:
            actor = resolve_cli_actor(options["user"])
        except LookupError as err:
            raise CommandError(str(err)) from None
        if not can_write(actor):
            raise CommandError(f"用户“{actor.username}”没有录入权限（领导角色只能查看）")
        files = file_labels(collect_files(options["paths"]))
        try:
            with _progress(console) as progress:
                bar = _Bar(progress)
                if options["dry_run"]:
                    read = read_register_files(files, actor=actor, progress=bar)
                else:
                    result = import_registers(actor=actor, files=files, progress=bar)
        except ImportFileError as err:
            raise CommandError(print_problems(console, err)) from None
        if options["dry_run"]:
            self._dry_summary(console, files, read)
            return
        self._summary(console, actor, len(files), result.by_unit, result.totals)

    def _dry_summary(self, console: Console, files: list[tuple[str, Path]], read: Any) -> None:
        by_unit: dict[str, Counter[str]] = {}
        for kind, plans in read.plan.records.items():
            for plan in plans.values():
                key = f"{'pregnancy' if kind == 'pregnancy' else 'child'}_{'updated' if plan.existing else 'new'}"
                by_unit.setdefault(plan.key[0], Counter())[key] += 1
        prefix = {"产前检查": "antenatal", "产后访视": "postpartum", "儿童体检": "exam"}
        for name, events in read.plan.events.items():
            for event in events:
                key = f"{prefix[name]}_{'updated' if event.existing_id else 'new'}"
                by_unit.setdefault(event.record.key[0], Counter())[key] += 1
        totals: Counter[str] = Counter()
        for counts in by_unit.values():
            totals.update(counts)
        console.print(f"检查通过（--dry-run，未写入）：{len(files)} 个文件；“更新”指系统中已有的手册或检查，"
                      "导入时只改与文件不同的项")
        self._table(console, by_unit, totals)

    def _summary(self, console: Console, actor: Actor, files: int, by_unit: dict[str, Counter[str]],
                 totals: Counter[str]) -> None:
        console.print(f"导入完成（操作人 {actor.username}）：{files} 个文件，每个文件一个导入批次")
        self._table(console, by_unit, totals)

    def _table(self, console: Console, by_unit: dict[str, Counter[str]], totals: Counter[str]) -> None:
        keys = [k for k in COUNT_LABELS if totals[k]]
        names = dict(OrgUnit.objects.filter(code__in=by_unit).values_list("code", "name"))
        table = Table(title="各单位导入数量", title_justify="left")
        table.add_column("单位")
        for key in keys:
            table.add_column(COUNT_LABELS[key], justify="right")
        for code, counts in sorted(by_unit.items()):
            table.add_row(f"{names.get(code, code)}（{code}）", *(str(counts[k]) for k in keys))
        table.add_row("合计", *(str(totals[k]) for k in keys))
        console.print(table)
