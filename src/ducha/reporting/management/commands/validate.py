"""``ducha validate --period 2012Q1 [--unit CODE]``: list every validation-rule violation."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.http import Http404
from rich.console import Console
from rich.table import Table

from ducha.orgs.models import OrgUnit
from ducha.orgs.selectors import access_unit, command_actor, default_unit
from ducha.reporting.bulk_validation import validate_period
from ducha.reporting.models import Importance, ValidationRule
from ducha.reporting.periods import PeriodError, parse_period


class Command(BaseCommand):
    help = "对一个期间的全部月报批量执行校验规则，列出不满足的规则"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--period", required=True, help="期间：201201、2012Q1、2012、2012MCH")
        parser.add_argument("--unit", help="单位编码（默认：全县）")
        parser.add_argument("--user", help="以哪个用户的权限执行（默认第一个超级管理员）")

    def handle(self, *args: Any, **opts: Any) -> None:
        try:
            period = parse_period(opts["period"])
        except PeriodError as exc:
            raise CommandError(str(exc)) from exc
        try:
            actor = command_actor(opts["user"])
        except LookupError as exc:
            raise CommandError(str(exc)) from exc
        try:
            root = access_unit(actor, opts["unit"]) if opts["unit"] else default_unit(actor)
        except Http404 as exc:
            raise CommandError(f"单位编码“{opts['unit']}”不存在") from exc
        if root is None:
            raise CommandError("没有可查看的单位")
        found = validate_period(actor, period=period, root=root, rules=list(ValidationRule.objects.all()))
        grid = Table(title=f"{root.name} {period.label}：{len(found)} 条校验规则不满足")
        for header in ("单位", "期间", "规则", "重要性", "左边", "右边"):
            grid.add_column(header)
        names = dict(OrgUnit.objects.values_list("code", "name"))
        for v in found:
            grid.add_row(names.get(v.org_unit_code, v.org_unit_code), v.period, v.rule_name,
                         Importance(v.importance).label, f"{v.left_value:g}",
                         f"{v.right_value:g}")
        Console(width=140).print(grid)
