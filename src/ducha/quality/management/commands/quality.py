"""``ducha quality scan --period 2012Q1 [--unit CODE] [--out FILE.xlsx|.json] [--user NAME]``."""

from __future__ import annotations

from pathlib import Path
from typing import IO, Any, cast

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError, CommandParser
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from ducha.core.actor import Actor
from ducha.quality.actions import run_quality_scan
from ducha.quality.catalogue_docs import DOC_PATH, CatalogueDocError, render_catalogue, write_catalogue
from ducha.quality.checks.base import Check, catalogue
from ducha.quality.export import run_to_json, run_to_xlsx
from ducha.quality.models import QualityRun
from ducha.quality.selectors import suspect_records, unit_scores
from ducha.reporting.command_scope import command_period, command_unit, command_user

OUT_SUFFIXES = (".xlsx", ".json")
TOP_SUSPECTS = 20


class Command(BaseCommand):
    help = "数据质量检查：运行检查目录中的全部检查并保存结果"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="scan|docs",
                                    help="scan：运行数据质量检查；docs：由检查注册表生成检查目录文档")
        scan = sub.add_parser("scan", help="运行质量检查", description="运行数据质量检查并保存结果")
        scan.add_argument("--period", required=True, help="期间：201201、2012Q1、2012、2012MCH")
        scan.add_argument("--unit", help="单位编码（默认：全县）")
        scan.add_argument("--out", help="输出文件：.xlsx（单位得分、检查结果、可疑记录）或 .json")
        scan.add_argument("--user", help="以哪个用户的权限运行（默认第一个超级管理员）")
        docs = sub.add_parser("docs", help="生成检查目录文档", description="由检查注册表生成 docs/quality-checks.md 的检查目录")
        docs.add_argument("--write", action="store_true", help="写入 docs/quality-checks.md（不加时只显示）")

    def handle(self, *args: Any, **opts: Any) -> None:
        if opts["action"] == "docs":
            return self._docs(write=opts["write"])
        period, out = command_period(opts["period"]), self._out(opts.get("out"))
        actor = command_user(opts.get("user"))
        root = command_unit(actor, opts.get("unit"))
        console = Console(file=cast(IO[str], self.stdout), width=150)
        try:
            run = self._scan(console, actor, period, root)
        except PermissionDenied as exc:
            raise CommandError(str(exc)) from exc
        self._print(console, actor, run, root)
        if out is not None:
            data = run_to_xlsx(actor, run, root) if out.suffix.lower() == ".xlsx" else \
                run_to_json(actor, run, root).encode("utf-8")
            out.write_bytes(data)
            console.print(f"已写入 {out}")

    def _docs(self, *, write: bool) -> None:
        if not write:
            self.stdout.write(render_catalogue())
            return
        try:
            changed = write_catalogue()
        except CatalogueDocError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"已更新 {DOC_PATH}" if changed else f"{DOC_PATH} 已是最新，未改动")

    def _out(self, text: str | None) -> Path | None:
        if not text:
            return None
        path = Path(text)
        if path.suffix.lower() not in OUT_SUFFIXES:
            raise CommandError(f"输出文件“{text}”的扩展名应为 .xlsx 或 .json")
        if not path.parent.exists():
            raise CommandError(f"输出文件“{text}”所在的文件夹不存在")
        return path

    def _scan(self, console: Console, actor: Actor, period: Any, root: Any) -> QualityRun:
        checks = catalogue()
        columns = [TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn()]
        with Progress(*columns, console=console, transient=True) as progress:
            task = progress.add_task(f"{root.name} {period.label} 质量检查", total=len(checks))

            def advance(check: Check) -> None:
                progress.update(task, advance=1, description=f"{check.id} {check.title}")

            return run_quality_scan(actor=actor, period=period, root=root, progress=advance)

    def _print(self, console: Console, actor: Actor, run: QualityRun, root: Any) -> None:
        scores = Table(title=f"{root.name} {run.period} 数据质量得分")
        for header in ("单位", "得分", "等级", "可疑项", "无法判断", "可疑手册"):
            scores.add_column(header, justify="left" if header == "单位" else "right")
        for s in unit_scores(actor, run, root):
            scores.add_row(s.unit.label, "—" if s.score is None else f"{s.score:.1f}", s.grade or "无法判断",
                           str(s.fired), str(s.undecided), f"{s.suspect_records}/{s.records}")
        console.print(scores)
        top = Table(title=f"风险最高的可疑手册（前 {TOP_SUSPECTS} 份）")
        for header in ("位次", "单位", "手册", "风险", "原因"):
            top.add_column(header, justify="right" if header in ("位次", "风险") else "left")
        for i, rec in enumerate(suspect_records(actor, run, root, limit=TOP_SUSPECTS), start=1):
            top.add_row(str(i), rec.unit.label, f"{rec.record_no} {rec.name}", str(rec.risk_weight),
                        "；".join(f"{r['check_id']} {r['title']}" for r in rec.reasons))
        console.print(top)
        console.print(f"共 {run.summary.get('fired', 0)} 项可疑、{run.summary.get('undecided', 0)} 项无法判断、"
                      f"可疑手册 {run.summary.get('suspects', 0)} 份")
