"""Reads of routine reports, scoped to the actor's org units."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils import timezone

from ducha.core.actor import Actor
from ducha.core.periods import Period, parse_period, quarter
from ducha.core.reporting_rates import completeness, timeliness
from ducha.orgs.models import OrgUnit
from ducha.orgs.selectors import access_unit, reporting_units, visible_units, writable_units
from ducha.reporting.models import DataSet, DataValue, Submission

MCH_MONTHLY = "MCH_MONTHLY"


def data_sets(actor: Actor) -> QuerySet[DataSet]:
    return DataSet.objects.filter(org_units__in=visible_units(actor)).distinct().order_by("code")


def get_data_set(code: str = MCH_MONTHLY) -> DataSet:
    return DataSet.objects.prefetch_related("set_elements__data_element", "validation_rules").get(code=code)


def report_values(actor: Actor, *, data_set: DataSet, unit_code: str, period: Period) -> dict[str, int]:
    return {code: cell.value for code, cell in report_cells(actor, data_set=data_set, unit_code=unit_code,
                                                             period=period).items()}


@dataclass(frozen=True)
class StoredCell:
    """A stored value and its version (what a later write must be based on)."""

    value: int
    version: int


def report_cells(actor: Actor, *, data_set: DataSet, unit_code: str, period: Period) -> dict[str, StoredCell]:
    unit = access_unit(actor, unit_code)
    rows = DataValue.objects.filter(org_unit=unit, period=period.code, data_element__in=data_set.elements.all())
    return {code: StoredCell(value, version)
            for code, value, version in rows.values_list("data_element__code", "value", "version")}


def data_values(actor: Actor, *, root: OrgUnit, months: list[str]) -> QuerySet[DataValue]:
    units = visible_units(actor).filter(path__startswith=root.path)
    return DataValue.objects.filter(org_unit__in=units, period__in=months).select_related("data_element", "org_unit")


@dataclass
class UnitReporting:
    unit: OrgUnit
    expected: int
    received: int
    timely: int
    missing_periods: list[str]
    late_periods: list[str]
    cells_expected: int
    cells_filled: int

    @property
    def completeness(self) -> float | None:
        return completeness(self.received, self.expected)

    @property
    def timeliness(self) -> float | None:
        return timeliness(self.timely, self.expected)

    @property
    def value_completeness(self) -> float | None:
        return None if not self.cells_expected else 100.0 * self.cells_filled / self.cells_expected


def reporting_status(actor: Actor, *, data_set: DataSet, period: Period, root: OrgUnit) -> list[UnitReporting]:
    """Completeness and timeliness per unit assigned ``data_set`` in ``root``'s subtree, over ``period``."""
    months = [m for m in period.months() if m.start <= timezone.localdate()]
    units = list(
        data_set.org_units.filter(pk__in=visible_units(actor).filter(path__startswith=root.path))
        .order_by("sort_order", "code")
    )
    subs = {(s.org_unit_id, s.period): s for s in Submission.objects.filter(
        data_set=data_set, org_unit__in=units, period__in=[m.code for m in months])}
    required = list(data_set.set_elements.filter(required=True).values_list("data_element_id", flat=True))
    filled: dict[tuple[int, str], int] = {}
    for unit_id, per in DataValue.objects.filter(
        org_unit__in=units, period__in=[m.code for m in months], data_element_id__in=required
    ).values_list("org_unit_id", "period"):
        filled[(unit_id, per)] = filled.get((unit_id, per), 0) + 1
    out = []
    for unit in units:
        active = [m for m in months if (unit.opened_on is None or unit.opened_on <= m.end)
                  and (unit.closed_on is None or unit.closed_on >= m.start)]
        received = [m for m in active if (unit.pk, m.code) in subs]
        late = [m for m in received
                if timezone.localdate(subs[(unit.pk, m.code)].submitted_at) > m.deadline(data_set.deadline_days)]
        out.append(UnitReporting(
            unit=unit, expected=len(active), received=len(received), timely=len(received) - len(late),
            missing_periods=[m.code for m in active if m not in received], late_periods=[m.code for m in late],
            cells_expected=len(active) * len(required),
            cells_filled=sum(filled.get((unit.pk, m.code), 0) for m in active),
        ))
    return out


def latest_month_with_data(actor: Actor, data_set: DataSet) -> Period | None:
    """The latest month for which any of the actor's units reported ``data_set`` (None when none did).

    Entry and the Excel template open there, not on the calendar's month: a county whose data ends in
    2012 is looked at in 2012.
    """
    last = (DataValue.objects.filter(org_unit__in=visible_units(actor), data_element__in=data_set.elements.all())
            .order_by("-period").values_list("period", flat=True).first())
    return parse_period(last) if last else None


def latest_quarter_with_data() -> Period:
    """The latest calendar quarter for which any value was reported (the dashboard's default)."""
    last = DataValue.objects.order_by("-period").values_list("period", flat=True).first()
    if last is None:
        today = timezone.localdate()
        return quarter(today.year, (today.month - 1) // 3 + 1)
    month = parse_period(last)
    return quarter(month.start.year, (month.start.month - 1) // 3 + 1)


def template_values(*, actor: Actor, data_set: DataSet, units: Iterable[OrgUnit], period: Period) -> dict[
        tuple[str, str], dict[str, int]]:
    """Values already stored for ``units`` (limited to the actor's writable scope) in ``period``'s months."""
    return {key: {code: cell.value for code, cell in cells.items()}
            for key, cells in template_cells(actor=actor, data_set=data_set, units=units, period=period).items()}


def template_cells(*, actor: Actor, data_set: DataSet, units: Iterable[OrgUnit], period: Period) -> dict[
        tuple[str, str], dict[str, StoredCell]]:
    """Values and versions stored for ``units`` (the actor's writable scope only) in ``period``'s months."""
    rows = DataValue.objects.filter(
        org_unit__in=writable_units(actor).filter(pk__in=[u.pk for u in units]),
        period__in=period.month_codes(), data_element__in=data_set.elements.all(),
    ).values_list("org_unit__code", "period", "data_element__code", "value", "version")
    out: dict[tuple[str, str], dict[str, StoredCell]] = {}
    for unit_code, month_code, element_code, value, version in rows:
        out.setdefault((unit_code, month_code), {})[element_code] = StoredCell(value, version)
    return out


def has_entry_units(actor: Actor) -> bool:
    """Whether the actor has a unit that reports a data set: the entry page refuses (403) an actor without."""
    return DataSet.objects.filter(org_units__in=reporting_units(actor)).exists()
