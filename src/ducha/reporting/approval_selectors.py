"""Reads of data approvals, scoped to the units the actor may see."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import QuerySet

from ducha.core.actor import Actor
from ducha.core.periods import Period
from ducha.orgs.models import OrgUnit
from ducha.orgs.selectors import visible_units
from ducha.reporting.models import DataApproval, DataSet


def approvals(actor: Actor, *, data_set: DataSet | None = None, root: OrgUnit | None = None,
              periods: Iterable[str] | None = None, include_withdrawn: bool = False) -> QuerySet[DataApproval]:
    """Approvals of units the actor sees (under ``root``), live ones only unless ``include_withdrawn``."""
    units = visible_units(actor)
    if root is not None:
        units = units.filter(path__startswith=root.path)
    rows = DataApproval.objects.filter(org_unit__in=units).select_related(
        "data_set", "org_unit", "approved_by", "unapproved_by")
    if data_set is not None:
        rows = rows.filter(data_set=data_set)
    if periods is not None:
        rows = rows.filter(period__in=list(periods))
    if not include_withdrawn:
        rows = rows.filter(unapproved_at__isnull=True)
    return rows.order_by("org_unit__path", "period", "data_set__code", "-approved_at", "-id")


def live_approval(actor: Actor, *, data_set: DataSet, unit: OrgUnit, period: Period) -> DataApproval | None:
    return approvals(actor, data_set=data_set, root=unit, periods=[period.code]).filter(org_unit=unit).first()


def last_withdrawal(actor: Actor, *, data_set: DataSet, unit: OrgUnit, period: Period) -> DataApproval | None:
    """The most recently withdrawn approval (to show who withdrew it and why)."""
    return (approvals(actor, data_set=data_set, root=unit, periods=[period.code], include_withdrawn=True)
            .filter(org_unit=unit, unapproved_at__isnull=False).order_by("-unapproved_at", "-id").first())


def approval_map(actor: Actor, *, data_set: DataSet, units: Iterable[OrgUnit],
                 periods: Iterable[str]) -> dict[tuple[int, str], DataApproval]:
    """Live approvals by (unit id, period code), for the status grid."""
    rows = approvals(actor, data_set=data_set, periods=periods).filter(org_unit__in=[u.pk for u in units])
    return {(a.org_unit_id, a.period): a for a in rows}
