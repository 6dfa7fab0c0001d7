"""``{{ row|indicator_value }}`` and ``{{ row|indicator_target }}``: numbers as bulletins write them."""

from __future__ import annotations

from django import template

from ducha.indicators.formatting import format_number
from ducha.indicators.selectors import IndicatorValue

register = template.Library()


@register.filter
def indicator_value(row: IndicatorValue) -> str:
    return format_number(row.value, is_count=row.is_count)


@register.filter
def indicator_target(row: IndicatorValue) -> str:
    return format_number(row.target, is_count=row.is_count)
