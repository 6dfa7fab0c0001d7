"""Validation rules over every report of a period at once, as one Ibis expression on DuckDB."""

from __future__ import annotations

from functools import reduce
from operator import and_, or_
from typing import Any

import ibis
import ibis.expr.types as ir
import pyarrow as pa

from ducha.core.actor import Actor
from ducha.core.expressions import codes_in, evaluate
from ducha.core.periods import Period
from ducha.orgs.models import OrgUnit
from ducha.orgs.selectors import visible_units
from ducha.reporting.models import DataValue, MissingValueStrategy, ValidationRule
from ducha.reporting.validation import COMPARE, Violation


def _values(units: list[OrgUnit], months: list[str], codes: set[str]) -> pa.Table:
    rows = list(DataValue.objects.filter(org_unit__in=units, period__in=months, data_element__code__in=codes)
                .values_list("org_unit__code", "period", "data_element__code", "value"))
    return pa.table(
        {"unit": [r[0] for r in rows], "period": [r[1] for r in rows], "code": [r[2] for r in rows],
         "value": [float(r[3]) for r in rows]},
        schema=pa.schema([("unit", pa.string()), ("period", pa.string()), ("code", pa.string()),
                          ("value", pa.float64())]),
    )


def _rule_violations(wide: ir.Table, rule: ValidationRule) -> ir.Table:
    left_codes, right_codes = sorted(codes_in(rule.left)), sorted(codes_in(rule.right))

    def side(expr: str) -> Any:
        return evaluate(expr, lambda c: wide[c].fill_null(0.0))

    def skipped(codes: list[str]) -> Any:
        if rule.missing_strategy == MissingValueStrategy.SKIP_IF_ANY_MISSING:
            return reduce(or_, [wide[c].isnull() for c in codes])
        if rule.missing_strategy == MissingValueStrategy.SKIP_IF_ALL_MISSING:
            return reduce(and_, [wide[c].isnull() for c in codes])
        return ibis.literal(False)

    left, right = side(rule.left), side(rule.right)
    judged = ~skipped(left_codes) & ~skipped(right_codes)
    broken = judged & ~COMPARE[rule.operator](left, right)
    return wide.filter(broken).select(
        unit=wide.unit, period=wide.period, rule=ibis.literal(rule.code),
        left=left.cast("float64"), right=right.cast("float64"),
    )


def validate_period(actor: Actor, *, period: Period, root: OrgUnit, rules: list[ValidationRule]) -> list[Violation]:
    """Every violation of ``rules`` in every monthly report of ``root``'s subtree during ``period``."""
    if not rules:
        return []
    codes = sorted(set().union(*(codes_in(r.left) | codes_in(r.right) for r in rules)))
    units = list(visible_units(actor).filter(path__startswith=root.path))
    values = ibis.memtable(_values(units, period.month_codes(), set(codes)))
    wide = values.group_by(["unit", "period"]).agg(
        **{c: ibis.cases((values.code == c, values.value), else_=ibis.null()).max() for c in codes}
    )
    found = ibis.union(*[_rule_violations(wide, r) for r in rules]).order_by(["unit", "period", "rule"])
    frame = ibis.duckdb.connect().execute(found)
    by_code = {r.code: r for r in rules}
    return [
        Violation(rule_code=rec["rule"], rule_name=by_code[rec["rule"]].name,
                  importance=by_code[rec["rule"]].importance, left_value=rec["left"],
                  operator=by_code[rec["rule"]].operator, right_value=rec["right"],
                  org_unit_code=rec["unit"], period=rec["period"])
        for rec in frame.to_dict("records")
    ]
