"""Writes of routine reports: one report from the form or API, many from an imported workbook."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from ducha.audit.actions import record_audit
from ducha.orgs.models import OrgUnit
from ducha.orgs.selectors import access_unit
from ducha.reporting.models import DataElement, DataSet, DataValue, Submission
from ducha.reporting.periods import Period, PeriodKind
from ducha.reporting.validation import Violation, check_values


class ReportError(ValueError):
    """A report that cannot be saved; ``problems`` lists every reason in Chinese."""

    def __init__(self, problems: list[str]):
        super().__init__("；".join(problems))
        self.problems = problems


@dataclass
class SaveResult:
    changed: dict[str, tuple[int | None, int | None]] = field(default_factory=dict)
    violations: list[Violation] = field(default_factory=list)
    submission: Submission | None = None


def check_report_period(data_set: DataSet, period: Period, *, today: Any = None) -> list[str]:
    problems = []
    if period.kind is not PeriodKind(data_set.period_type):
        problems.append(f"期间“{period.code}”不是{data_set.get_period_type_display()}的期间")
    today = today or timezone.localdate()
    if period.start > today:
        problems.append(f"期间“{period.label}”尚未开始，不能填报未来的数据")
    return problems


def _element_codes(data_set: DataSet) -> dict[str, DataElement]:
    return {se.data_element.code: se.data_element for se in data_set.set_elements.select_related("data_element")}


def _apply_values(
    *, actor: Any, data_set: DataSet, unit: OrgUnit, period: Period, values: Mapping[str, int | None], source: str
) -> dict[str, tuple[int | None, int | None]]:
    elements = _element_codes(data_set)
    unknown = sorted(set(values) - set(elements))
    if unknown:
        raise ReportError([f"报表“{data_set.name}”中没有数据元 {', '.join(unknown)}"])
    bad = [f"{elements[c].name}：“{v}”应为不小于 0 的整数" for c, v in values.items()
           if v is not None and (not isinstance(v, int) or isinstance(v, bool) or v < 0)]
    if bad:
        raise ReportError(bad)
    existing = {dv.data_element.code: dv for dv in DataValue.objects.filter(
        org_unit=unit, period=period.code, data_element__in=elements.values()).select_related("data_element")}
    user = actor if getattr(actor, "is_authenticated", False) else None
    changed: dict[str, tuple[int | None, int | None]] = {}
    for code, new in values.items():
        old_row = existing.get(code)
        old = old_row.value if old_row else None
        if old == new:
            continue
        changed[code] = (old, new)
        if new is None and old_row is not None:
            old_row.delete()
        elif old_row is not None and new is not None:
            old_row.value, old_row.updated_by, old_row.source = new, user, source
            old_row.save(update_fields=["value", "updated_by", "updated_at", "source"])
        elif new is not None:
            DataValue.objects.create(data_element=elements[code], org_unit=unit, period=period.code, value=new,
                                     created_by=user, updated_by=user, source=source)
    return changed


def _submit(*, actor: Any, data_set: DataSet, unit: OrgUnit, period: Period, at: datetime) -> Submission:
    user = actor if getattr(actor, "is_authenticated", False) else None
    submission, _ = Submission.objects.get_or_create(
        data_set=data_set, org_unit=unit, period=period.code,
        defaults={"submitted_at": at, "submitted_by": user},
    )
    return submission


@transaction.atomic
def save_report(
    *,
    actor: Any,
    data_set: DataSet,
    unit_code: str,
    period: Period,
    values: Mapping[str, int | None],
    submit: bool = True,
    source: str = "网页填报",
    submitted_at: datetime | None = None,
) -> SaveResult:
    """Enter or correct one unit's report; records the submission and returns rule violations."""
    unit = access_unit(actor, unit_code, write=True)
    problems = check_report_period(data_set, period)
    if not data_set.org_units.filter(pk=unit.pk).exists():
        problems.append(f"单位“{unit.name}”不需要报送“{data_set.name}”")
    if problems:
        raise ReportError(problems)
    changed = _apply_values(actor=actor, data_set=data_set, unit=unit, period=period, values=values, source=source)
    result = SaveResult(changed=changed)
    if submit:
        result.submission = _submit(actor=actor, data_set=data_set, unit=unit, period=period,
                                    at=submitted_at or timezone.now())
    current = dict(DataValue.objects.filter(org_unit=unit, period=period.code).values_list(
        "data_element__code", "value"))
    result.violations = check_values(data_set.validation_rules.all(), current, org_unit_code=unit.code,
                                     period=period.code)
    if changed:
        record_audit(
            actor=actor, action="reporting.save_report", object_type="Report",
            object_id=f"{data_set.code}/{unit.code}/{period.code}",
            summary=f"{unit.name} {period.label} {data_set.name}：修改 {len(changed)} 项（{source}）",
            before={c: o for c, (o, _) in changed.items()}, after={c: n for c, (_, n) in changed.items()},
        )
    return result


@dataclass(frozen=True)
class ReportInput:
    """One unit-period report read from a file, with where it came from (for audit and errors)."""

    unit_code: str
    period: Period
    values: dict[str, int | None]
    source: str


@transaction.atomic
def import_reports(*, actor: Any, data_set: DataSet, reports: Iterable[ReportInput]) -> list[SaveResult]:
    """Save many reports all-or-nothing; the caller has already validated the file's structure."""
    return [
        save_report(actor=actor, data_set=data_set, unit_code=r.unit_code, period=r.period, values=r.values,
                    source=r.source)
        for r in reports
    ]
