"""``ducha demo``: (re)build the demo county into the configured database and say what was made."""

from __future__ import annotations

from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from ducha.core.database import describe_database
from ducha.core.periods import quarter
from ducha.demo import county as C
from ducha.demo.build import DemoSummary, build_demo
from ducha.demo.inventory import DemoCheck, check_database, empty_database
from ducha.indicators.formatting import format_number
from ducha.indicators.selectors import indicator_table
from ducha.orgs.models import OrgUnit, OrgUnitKind

SUMMARY_INDICATORS = ["REG_RATE", "MATERNAL_POP_RATIO", "FOLIC_COUNT", "TRIPLE_TEST_COUNT", "MAT_SYS_RATE",
                      "CHILD_SYS_RATE", "CHILD_EXAM_COUNT"]


def refusal(check: DemoCheck) -> str:
    lines = [f"拒绝重建演示县：数据库 {describe_database()} 里有不是 ducha demo 生成的数据，"
             "重建会把它们全部删除：", *(f"  · {change}" for change in check.changes)]
    if not check.built_by_demo:
        lines.append("（这个数据库没有 ducha demo 的建库记录；旧版 ducha demo 建的演示库也是这样。）")
    lines += ["确认这些数据都可以删除（例如只是试用演示时产生的），再运行 ducha demo --force。",
              "要把演示县建到别处，请把 DUCHA_HOME 或 DUCHA_DATABASE_URL 指向一个新的数据库。"]
    return "\n".join(lines)


def announce_deletion(console: Console, check: DemoCheck) -> None:
    if check.empty and not check.built_by_demo:
        console.print("数据库是空的，直接建立演示县。")
        return
    why = "含不是 ducha demo 生成的数据，已用 --force 确认" if check.changes else "上次 ducha demo 建的演示库，无人改动"
    console.print(f"[bold]先删除数据库里的全部数据[/]（{why}）：")
    for kind, rows in check.to_delete():
        console.print(f"  · {kind}：{rows} 条", markup=False)


class Command(BaseCommand):
    help = "重建演示县（淅川县 2012 年第一季度）：单位、用户、月报、任务；可重复运行"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seed", type=int, default=2012, help="随机种子（默认 2012）")
        parser.add_argument("--force", action="store_true",
                            help="数据库里有不是 ducha demo 生成的数据（用户、单位、报表、审计记录……）时也全部删除并重建")

    def handle(self, *args: Any, **opts: Any) -> None:
        console = Console(width=110)
        check = check_database()  # before migrate: a database that is refused is not touched at all
        if check.changes and not opts["force"]:
            raise CommandError(refusal(check))
        announce_deletion(console, check)
        call_command("migrate", verbosity=0, interactive=False)
        empty_database()
        columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
        with Progress(*columns, console=console, transient=True) as bar:
            task = bar.add_task("生成月报和个案登记",
                                total=(len(C.TOWNSHIPS) + len(C.FACILITIES)) * 3 + len(C.TOWNSHIPS))
            summary = build_demo(seed=opts["seed"], progress=lambda _what, n: bar.advance(task, n))
        self._print(console, summary)

    def _print(self, console: Console, summary: DemoSummary) -> None:
        kinds = Table(title=f"单位：共 {summary.units} 个")
        kinds.add_column("类型")
        kinds.add_column("数量", justify="right")
        for kind in OrgUnitKind:
            n = OrgUnit.objects.filter(kind=kind).count()
            if n:
                kinds.add_row(kind.label, str(n))
        console.print(kinds)
        users = Table(title="用户（演示密码，仅供试用）")
        for header in ("用户名", "密码", "角色", "单位"):
            users.add_column(header)
        for row in summary.users:
            users.add_row(*row)
        console.print(users)
        names = {u.code: u.label for u in OrgUnit.objects.all()}
        console.print(f"[bold]月报[/]：2012年1—3月 共 {summary.reports} 份；"
                      f"迟报 {len(summary.late)} 份（{self._list(summary.late, names)}）；"
                      f"漏报 {len(summary.missing)} 份（{self._list(summary.missing, names)}）")
        console.print(f"[bold]校验规则违反[/]：{len(summary.violations)} 条")
        for v in summary.violations:
            console.print(f"  · {names[v.org_unit_code]} {v.period}：{v.message}")
        console.print(f"[bold]年度任务[/]：{summary.targets} 条")
        r = summary.registers
        console.print(f"[bold]个案登记[/]：孕产妇保健手册 {r['pregnancies']} 份，儿童保健手册 {r['children']} 份，"
                      f"儿童体检 {r['exams']} 次；其中演示用的人为编造记录 {r['planted']} 份（乡镇："
                      f"{'、'.join(summary.planted_units)}，供数据质量检查发现）")
        self._print_indicators(console)
        console.print("\n[bold green]完成。[/] 打开网页：运行 [bold].venv/bin/ducha serve[/]，"
                      "浏览器访问 http://127.0.0.1:8000/ ，用上表中的用户登录。")

    @staticmethod
    def _list(items: list[tuple[str, str]], names: dict[str, str]) -> str:
        return "、".join(f"{names[u]} {p[:4]}年{int(p[4:])}月" for u, p in items) or "无"

    def _print_indicators(self, console: Console) -> None:
        from django.contrib.auth import get_user_model

        admin = get_user_model().objects.get(username="admin")
        period = quarter(C.YEAR, C.QUARTER)
        table = indicator_table(admin, period=period, codes=SUMMARY_INDICATORS)
        grid = Table(title=f"{table.root.name} {period.label} 主要指标（全县）")
        for header in ("指标", "分子", "分母", "值", "任务", "完成率"):
            grid.add_column(header, justify="left" if header == "指标" else "right")
        for code in SUMMARY_INDICATORS:
            r = table.total(code)
            unit = " 人" if r.is_count else r.factor_label
            value = format_number(r.value, is_count=r.is_count, unit=unit)
            target = "" if r.target is None else format_number(r.target, is_count=r.is_count, unit=unit)
            grid.add_row(r.indicator_name, f"{r.numerator:.0f}", "" if r.denominator is None else f"{r.denominator:.0f}",
                         value, target, "" if r.attainment is None else f"{r.attainment:.1f}%")
        console.print(grid)
