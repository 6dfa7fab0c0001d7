"""Expressions over data-element codes and validation rules on one report."""

from __future__ import annotations

import pytest

from ducha.core.expressions import ExpressionError, codes_in, evaluate
from ducha.reporting.models import MissingValueStrategy, ValidationRule
from ducha.reporting.validation import check_values


def test_evaluate_numbers_and_codes():
    assert evaluate("A + B * 2 - (C / 4)", {"A": 1, "B": 3, "C": 8}.__getitem__) == 5
    assert codes_in("PREG_TOTAL + PARTURIENTS") == {"PREG_TOTAL", "PARTURIENTS"}


@pytest.mark.parametrize("bad", ["__import__('os')", "A ** 2", "a + 1", "A +", "'x'", "A if B else C"])
def test_unsafe_or_broken_expressions_are_refused(bad):
    with pytest.raises(ExpressionError) as exc:
        codes_in(bad)
    assert "表达式" in str(exc.value)


def rule(left, op, right, strategy=MissingValueStrategy.SKIP_IF_ANY_MISSING):
    return ValidationRule(code="R1", name="测试规则", left=left, operator=op, right=right, missing_strategy=strategy)


def test_violation_lists_both_sides():
    found = check_values([rule("CAESAREAN", "<=", "HOSP_DELIVERIES")], {"CAESAREAN": 12, "HOSP_DELIVERIES": 10})
    assert len(found) == 1
    assert "左边 12" in found[0].message and "右边 10" in found[0].message


def test_rule_sides_sum_expressions():
    rules = [rule("HOSP_DELIVERIES", "<=", "LIVE_BIRTHS + STILLBIRTHS")]
    assert check_values(rules, {"HOSP_DELIVERIES": 11, "LIVE_BIRTHS": 10, "STILLBIRTHS": 1}) == []
    assert check_values(rules, {"HOSP_DELIVERIES": 12, "LIVE_BIRTHS": 10, "STILLBIRTHS": 1})


def test_missing_value_strategies():
    values = {"CAESAREAN": 3}
    assert check_values([rule("CAESAREAN", "<=", "HOSP_DELIVERIES")], values) == []
    never = rule("CAESAREAN", "<=", "HOSP_DELIVERIES", MissingValueStrategy.NEVER_SKIP)
    assert check_values([never], values)[0].right_value == 0
