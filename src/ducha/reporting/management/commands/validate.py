"""``ducha validate --period 2012Q1 [--unit CODE]``: list every validation-rule violation."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from rich.console import Console
from rich.table import Table

from ducha.orgs.models import OrgUnit
from ducha.reporting.bulk_validation import validate_period
from ducha.reporting.command_scope import add_scope_arguments, command_period, command_unit, command_user
from ducha.reporting.models import Importance, ValidationRule


class Command(BaseCommand):
    help = "对一个期间的全部月报批量执行校验规则，列出不满足的规则"

    def add_arguments(self, parser: CommandParser) -> None:
        add_scope_arguments(parser)

    def handle(self, *args: Any, **opts: Any) -> None:
        period = command_period(opts["period"])
        actor = command_user(opts["user"])
        root = command_unit(actor, opts["unit"])
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
