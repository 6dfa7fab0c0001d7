"""Template filters for what a person reads instead of a code: people by name, periods by their Chinese label.

``{% load ducha_labels %}`` then ``{{ user|person }}`` (full name, else username, else 系统:
``ducha.core.actor.actor_label``) and ``{{ "2012Q1"|period_label }}`` (2012年第一季度; a code that cannot be
read is shown as it is).
"""

from __future__ import annotations

from typing import Any

from django import template
from django.utils import timezone

from ducha.core.actor import actor_label
from ducha.core.periods import PeriodError, parse_period

register = template.Library()


@register.filter
def person(user: Any) -> str:
    return actor_label(user) if user is not None else "—"


@register.filter
def period_label(code: Any) -> str:
    try:
        return parse_period(str(code)).label
    except PeriodError:
        return str(code)


@register.filter
def entry_time(row: Any) -> str:
    """A row's 录入时间 as a person reads it: date and minute, or the date alone when the import gave only a date
    (``created_time_known`` False: stored as 0:00, which is not when it was entered)."""
    created = getattr(row, "created_at", None)
    if created is None:
        return "—"
    local = timezone.localtime(created) if timezone.is_aware(created) else created
    if getattr(row, "created_time_known", True):
        return local.strftime("%Y-%m-%d %H:%M")
    return local.strftime("%Y-%m-%d") + "（时刻不详）"
