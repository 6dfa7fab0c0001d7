"""Evidence texts split into the words for inspectors and the method (formulas, statistics) for a fold-out.

A check's ``explain`` may end its text with ``METHOD_MARK`` ("\\n方法说明：") followed by the formula and
test statistics; pages show the part before it and put the rest inside ``<details>`` (方法说明).
"""

from __future__ import annotations

from django import template

from ducha.quality.checks.base import METHOD_MARK

register = template.Library()


@register.filter
def plain(text: str) -> str:
    return str(text).split(METHOD_MARK, 1)[0]


@register.filter
def method(text: str) -> str:
    parts = str(text).split(METHOD_MARK, 1)
    return parts[1] if len(parts) == 2 else ""
