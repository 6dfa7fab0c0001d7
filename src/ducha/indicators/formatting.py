"""How indicator values are written for people: counts whole, small rates with two decimals."""

from __future__ import annotations


def format_number(value: float | None, *, is_count: bool = False, unit: str = "") -> str:
    if value is None:
        return "—"
    if is_count:
        return f"{value:.0f}{unit}"
    digits = 2 if abs(value) < 10 else 1
    return f"{value:.{digits}f}{unit}"
