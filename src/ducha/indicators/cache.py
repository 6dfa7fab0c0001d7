"""Indicator tables kept between requests (``ducha.core.results``), never stale.

The engine's answer depends on the period, the root, the indicators asked for, the level, the units the
actor may see under the root — and on the data (values, registers, definitions, targets, units), all of
which change only through audited writes. The key is made of exactly those: two users with different
scopes get different keys; a saved value moves the data generation stamp, so the next read computes afresh.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal, TypeVar

from ducha.core.actor import Actor
from ducha.core.periods import Period
from ducha.core.results import cached_result, data_stamp
from ducha.indicators.selectors import IndicatorTable
from ducha.orgs.models import OrgUnit
from ducha.orgs.selectors import scope_signature, visible_units

T = TypeVar("T")


def scope_ids(actor: Actor, root: OrgUnit) -> tuple[int, ...]:
    """Ids of the units under (and including) ``root`` that the actor may see: what the engine reads. Kept for the
    data stamp (units move only through audited writes) and the actor's scope, as the tables are."""
    def read() -> tuple[int, ...]:
        ids = visible_units(actor).filter(path__startswith=root.path).order_by("pk").values_list("pk", flat=True)
        return tuple(ids)

    return cached_result("scope-ids", stamp=data_stamp(), parts=(root.path, scope_signature(actor)), compute=read)


def cached_for_table(
    namespace: str,
    actor: Actor,
    *,
    period: Period,
    root: OrgUnit,
    codes: list[str] | None,
    level: Literal["children", "all"],
    compute: Callable[[], T],
) -> T:
    """``compute()`` — anything made from one indicator table alone — kept under the table's key."""
    parts = (period.code, root.pk, tuple(codes) if codes is not None else None, level, scope_ids(actor, root))
    return cached_result(namespace, stamp=data_stamp(), parts=parts, compute=compute)


def cached_indicator_table(
    actor: Actor,
    *,
    period: Period,
    root: OrgUnit,
    codes: list[str] | None,
    level: Literal["children", "all"],
) -> IndicatorTable:
    from ducha.indicators.engine import compute_indicator_table

    return cached_for_table(
        "indicator-table", actor, period=period, root=root, codes=codes, level=level,
        compute=lambda: compute_indicator_table(actor, period=period, root=root, codes=codes, level=level),
    )
