"""Validation rules of the routine report, on one report (entry) or in bulk (Ibis/DuckDB)."""

from __future__ import annotations

import operator as op
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ducha.core.expressions import codes_in, evaluate
from ducha.reporting.models import MissingValueStrategy, ValidationRule

COMPARE: dict[str, Callable[[Any, Any], Any]] = {
    "==": op.eq, "!=": op.ne, "<": op.lt, "<=": op.le, ">": op.gt, ">=": op.ge,
}


@dataclass(frozen=True)
class Violation:
    rule_code: str
    rule_name: str
    importance: str
    left_value: float
    operator: str
    right_value: float
    org_unit_code: str = ""
    period: str = ""

    @property
    def message(self) -> str:
        return f"{self.rule_name}：左边 {self.left_value:g}，右边 {self.right_value:g}，不满足“{self.operator}”"


def _side(expr: str, values: Mapping[str, int | None], strategy: str) -> float | None:
    codes = codes_in(expr)
    present = [c for c in codes if values.get(c) is not None]
    if strategy == MissingValueStrategy.SKIP_IF_ANY_MISSING and len(present) < len(codes):
        return None
    if strategy == MissingValueStrategy.SKIP_IF_ALL_MISSING and codes and not present:
        return None
    return float(evaluate(expr, lambda c: values.get(c) or 0))


def check_values(
    rules: Iterable[ValidationRule], values: Mapping[str, int | None], *, org_unit_code: str = "", period: str = ""
) -> list[Violation]:
    """Rules violated by one report's ``values`` (code → number or None when blank)."""
    found = []
    for rule in rules:
        left = _side(rule.left, values, rule.missing_strategy)
        right = _side(rule.right, values, rule.missing_strategy)
        if left is None or right is None:
            continue
        if not COMPARE[rule.operator](left, right):
            found.append(Violation(rule.code, rule.name, rule.importance, left, rule.operator, right,
                                   org_unit_code, period))
    return found
