"""``ducha import-reports FILE_OR_FOLDER…``: import filled report templates, all or nothing.

Every file is read first; if any file has any problem, every problem is listed in a table and
nothing is written. Otherwise all reports are saved in one transaction.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.http import Http404
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from ducha.core.actor import Actor
from ducha.core.input_files import collect_files, file_labels
from ducha.core.locking import BusyError
from ducha.orgs.excel import cli_console, resolve_cli_actor
from ducha.orgs.import_cli import print_problems
from ducha.orgs.selectors import can_write
from ducha.reporting.actions import ReportError, ReportInput, SaveResult, import_reports
from ducha.reporting.excel import ImportFileError, read_reports_files
from ducha.reporting.models import DataSet


class Command(BaseCommand):
    help = "从 Excel/CSV 文件（或文件夹）导入月报表；任何文件有问题则全部不导入并列出所有问题"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("paths", nargs="+", metavar="FILE_OR_FOLDER", help="报表文件或包含报表文件的文件夹")
        parser.add_argument("--data-set", default="MCH_MONTHLY", help="报表编码（默认 MCH_MONTHLY）")
        parser.add_argument("--user", default=None, help="操作人用户名（默认第一个超级用户或系统管理员）")
        parser.add_argument("--dry-run", action="store_true", help="只检查文件，不写入")
        parser.add_argument("--overwrite", action="store_true",
                            help="没有版本信息的文件（如其他系统导出的 CSV）也覆盖系统中不同的数值（默认只填写空白的数据）")

    def handle(self, *args: Any, **options: Any) -> None:
        console = cli_console(self.stdout)
        data_set = DataSet.objects.filter(code=options["data_set"]).first()
        if data_set is None:
            raise CommandError(f"没有编码为“{options['data_set']}”的报表")
        try:
            actor = resolve_cli_actor(options["user"])
        except LookupError as err:
            raise CommandError(str(err)) from None
        if not can_write(actor):
            raise CommandError(f"用户“{actor.username}”没有填报权限（领导角色只能查看）")
        files = collect_files(options["paths"])
        reports = self._read(console, files, data_set, actor)
        if options["dry_run"]:
            console.print(f"检查通过：{len(files)} 个文件，{len(reports)} 份报表（--dry-run，未写入）")
            return
        results = self._save(console, reports, data_set, actor, overwrite=options["overwrite"])
        self._summary(console, files, reports, results, actor)

    def _read(self, console: Console, files: list[Path], data_set: DataSet, actor: Actor) -> list[ReportInput]:
        with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                      console=console) as progress:
            file_task = progress.add_task("读取文件", total=len(files))
            row_task = progress.add_task("读取数据行", total=None)
            started: list[str] = []

            def on_file(label: str) -> None:
                if started:
                    progress.advance(file_task)
                started.append(label)
                progress.update(file_task, description=f"读取文件 {label}")
                progress.reset(row_task, total=None, description="读取数据行")

            def on_row(done: int, total: int) -> None:
                progress.update(row_task, completed=done, total=total)

            try:
                return read_reports_files(file_labels(files), data_set=data_set, actor=actor,
                                          on_file=on_file, on_row=on_row)
            except ImportFileError as err:
                failed = err
            finally:
                progress.update(file_task, completed=len(files), description="读取文件")
        raise CommandError(print_problems(console, failed))

    def _save(self, console: Console, reports: list[ReportInput], data_set: DataSet, actor: Actor, *,
              overwrite: bool = False) -> list[SaveResult]:
        with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                      console=console) as progress:
            task = progress.add_task("保存报表", total=len(reports))
            try:
                return import_reports(actor=actor, data_set=data_set, reports=reports, overwrite=overwrite,
                                      on_report=lambda: progress.advance(task))
            except ImportFileError as err:  # values changed since the download, or stored values to keep
                failed = err
            except (ReportError, PermissionDenied, Http404, BusyError) as err:
                raise CommandError(f"保存失败，已全部撤销，未写入任何数据：{err}") from None
        raise CommandError(print_problems(console, failed))

    def _summary(self, console: Console, files: list[Path], reports: list[ReportInput], results: list[SaveResult],
                 actor: Actor) -> None:
        values = sum(1 for r in reports for v in r.values.values() if v is not None)
        changed = sum(len(r.changed) for r in results)
        violations = [v for r in results for v in r.violations]
        console.print(f"导入完成（操作人 {actor.username}）：{len(files)} 个文件，{len(reports)} 份报表，"
                      f"{values} 个数据值（新增或修改 {changed} 个），校验规则不符 {len(violations)} 条")
        if violations:
            table = Table(title="校验规则不符（已导入，请核实）", title_justify="left")
            for name in ("单位", "期间", "规则", "重要性", "说明"):
                table.add_column(name, overflow="fold")
            for v in violations:
                table.add_row(v.org_unit_code, v.period, v.rule_code, {"high": "高", "medium": "中"}.get(
                    v.importance, "低"), v.message)
            console.print(table)
