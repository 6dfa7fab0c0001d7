"""The period / unit / user arguments shared by commands that read a unit subtree over a period."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError, CommandParser
from django.http import Http404

from ducha.core.actor import Actor
from ducha.core.periods import Period, PeriodError, parse_period
from ducha.orgs.models import OrgUnit
from ducha.orgs.selectors import access_unit, command_actor, default_unit


def add_scope_arguments(parser: CommandParser) -> None:
    parser.add_argument("--period", required=True, help="期间：201201、2012Q1、2012、2012MCH")
    parser.add_argument("--unit", help="单位编码（默认：全县）")
    parser.add_argument("--user", help="以哪个用户的权限执行（默认第一个超级管理员）")


def command_period(text: str) -> Period:
    try:
        return parse_period(text)
    except PeriodError as exc:
        raise CommandError(str(exc)) from exc


def command_user(username: str | None) -> Any:
    try:
        return command_actor(username)
    except LookupError as exc:
        raise CommandError(str(exc)) from exc


def command_unit(actor: Actor, code: str | None) -> OrgUnit:
    """``code`` if the actor may see it, else the actor's default unit; Chinese CommandError otherwise."""
    try:
        root = access_unit(actor, code) if code else default_unit(actor)
    except Http404 as exc:
        raise CommandError(f"单位编码“{code}”不存在") from exc
    if root is None:
        raise CommandError("没有可查看的单位")
    return root
