"""``ducha indicators --period 2012Q1 [--unit CODE] [--level children|all] [--format table|csv|xlsx]``."""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from rich.console import Console
from rich.table import Table

from ducha.indicators.export import HEADERS, ordered_rows, row_cells, table_to_csv, table_to_xlsx
from ducha.indicators.selectors import indicator_table
from ducha.reporting.command_scope import add_scope_arguments, command_period, command_unit, command_user
from ducha.reporting.selectors import data_values


class Command(BaseCommand):
    help = "计算并输出指标表（单位、分子、分母、率、任务、完成率、位次）"

    def add_arguments(self, parser: CommandParser) -> None:
        add_scope_arguments(parser)
        parser.add_argument("--indicator", action="append", dest="codes", help="指标编码，可重复；默认全部")
        parser.add_argument("--level", choices=["children", "all"], default="children",
                            help="children：只列直接下级（默认）；all：列出全部下级")
        parser.add_argument("--format", choices=["table", "csv", "xlsx"], default="table",
                            help="输出格式：table 屏幕表格（默认）、csv、xlsx")
        parser.add_argument("--out", help="输出文件（xlsx 必须指定）")

    def handle(self, *args: Any, **opts: Any) -> None:
        period = command_period(opts["period"])
        actor = command_user(opts["user"])
        root = command_unit(actor, opts["unit"])
        try:
            table = indicator_table(actor, period=period, root=root, codes=opts["codes"], level=opts["level"])
        except LookupError as exc:
            raise CommandError(str(exc)) from exc
        if not data_values(actor, root=table.root, months=period.month_codes()).exists():
            # An all-zero table would rank every unit 1st: say there is nothing to compute instead.
            raise CommandError(f"{table.root.name}{table.period.label}没有任何月报数据，不输出指标表。"
                               "请确认期间是否正确（例如 --period 2012Q1）")
        fmt, out = opts["format"], opts["out"]
        if fmt == "xlsx":
            if not out:
                raise CommandError("--format xlsx 需要 --out 文件名")
            with open(out, "wb") as fh:
                fh.write(table_to_xlsx(table))
            self.stdout.write(f"已写入 {out}")
        elif fmt == "csv":
            text = table_to_csv(table)
            if out:
                with open(out, "w", encoding="utf-8-sig") as fh:
                    fh.write(text)
                self.stdout.write(f"已写入 {out}")
            else:
                self.stdout.write(text, ending="")
        else:
            self._print(table)

    def _print(self, table: Any) -> None:
        grid = Table(title=f"{table.root.name} {table.period.label} 指标")
        for header in HEADERS:
            grid.add_column(header, justify="left" if header in ("指标", "单位", "单位编码") else "right")
        for row in ordered_rows(table):
            grid.add_row(*row_cells(row), style="bold" if row.is_root else None)
        Console(file=sys.stdout, width=160).print(grid)
