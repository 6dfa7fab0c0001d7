"""Template filters for what a person reads instead of a code: people by name, periods by their Chinese label.

``{% load ducha_labels %}`` then ``{{ user|person }}`` (full name, else username, else 系统:
``ducha.core.actor.actor_label``) and ``{{ "2012Q1"|period_label }}`` (2012年第一季度; a code that cannot be
read is shown as it is).
"""

from __future__ import annotations

from typing import Any

from django import template

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
