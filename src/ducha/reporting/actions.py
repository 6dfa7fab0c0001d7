"""Writes of routine reports: one report from the form or API, many from an imported workbook.

Every value carries the version it was based on (:attr:`DataValue.version`, the id of the audit row
that last wrote the cell; an empty cell has no version). A save locks the unit's row and the cells it
reads, so two writers of one report queue instead of racing; a value whose cell changed since its
base version is refused (:class:`ReportConflict`, nothing written) and shows both values.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from ducha.audit.actions import record_audit
from ducha.core.actor import Actor
from ducha.core.excel_io import ImportFileError, ImportProblem
from ducha.core.import_times import EARLIEST_MOMENT, moment_text
from ducha.core.limits import LimitError, check_count
from ducha.core.locking import retry_when_locked
from ducha.core.periods import Period, PeriodKind
from ducha.orgs.models import OrgUnit
from ducha.orgs.selectors import access_unit
from ducha.reporting.approval_lock import ReportApproved, approved_problem, refuse_if_approved
from ducha.reporting.errors import Conflict, ReportConflict, ReportError, conflict_problem, located_problem
from ducha.reporting.models import DataElement, DataSet, DataValue, Submission
from ducha.reporting.validation import Violation, check_values

__all__ = ["Conflict", "ReportConflict", "ReportError", "ReportInput", "SaveResult", "CellRef", "check_report_period",
           "import_reports", "save_report"]

VALUE_PROBLEM = "IMP028"
VALUE_EXPECTED = "不小于 0、不超过该数据元最大值的整数（最大值见管理后台“数据元”）"


@dataclass
class SaveResult:
    changed: dict[str, tuple[int | None, int | None]] = field(default_factory=dict)
    violations: list[Violation] = field(default_factory=list)
    submission: Submission | None = None
    version: int | None = None


def check_report_period(data_set: DataSet, period: Period, *, today: Any = None) -> list[str]:
    problems = []
    if period.kind is not PeriodKind(data_set.period_type):
        problems.append(f"期间“{period.code}”不是{data_set.get_period_type_display()}的期间")
    today = today or timezone.localdate()
    if period.start > today:
        problems.append(f"期间“{period.label}”尚未开始，不能填报未来的数据")
    return problems


def check_submitted_at(at: datetime, period: Period, *, now: datetime | None = None) -> tuple[datetime, list[str]]:
    """A given 报送时间 (API or file) as an aware time (naive = server's zone) and what is wrong with it:
    after now, before the period began, or before 2000-01-01 (as the import's IMP055/IMP056)."""
    if timezone.is_naive(at):
        at = timezone.make_aware(at)
    at = timezone.localtime(at)
    now = now or timezone.now()
    if at > now:
        return at, [f"报送时间 {moment_text(at)} 晚于现在（{moment_text(now)}）"]
    bound = max(period.start, EARLIEST_MOMENT)
    if at.date() < bound:
        what = f"报表期间开始（{bound.isoformat()}）" if bound == period.start else bound.isoformat()
        return at, [f"报送时间 {moment_text(at)} 早于{what}"]
    return at, []


def _element_codes(data_set: DataSet) -> dict[str, DataElement]:
    return {se.data_element.code: se.data_element for se in data_set.set_elements.select_related("data_element")}


def _checked_values(elements: dict[str, DataElement], data_set: DataSet,
                    values: Mapping[str, int | None]) -> dict[str, int | None]:
    """Every value through :func:`check_count` with its element's maximum; all problems at once."""
    unknown = sorted(set(values) - set(elements))
    if unknown:
        raise ReportError([f"报表“{data_set.name}”中没有数据元 {', '.join(unknown)}"])
    checked: dict[str, int | None] = {}
    bad: dict[str, str] = {}
    for code, value in values.items():
        element = elements[code]
        if value is None:
            checked[code] = None
            continue
        if not isinstance(value, int) or isinstance(value, bool):
            bad[code] = f"“{element.name}”应为不小于 0 的整数"
            continue
        try:
            checked[code] = check_count(value, label=element.name, maximum=element.max_value)
        except LimitError as err:
            bad[code] = str(err)
    if bad:
        raise ReportError(list(bad.values()), by_element=bad)
    return checked


def _lock_unit(unit: OrgUnit) -> None:
    """Writers of one unit's reports queue here (PostgreSQL row lock; SQLite has one writer anyway)."""
    no_key = connection.features.has_select_for_no_key_update
    list(OrgUnit.objects.select_for_update(no_key=no_key).filter(pk=unit.pk).values_list("pk", flat=True))


@dataclass
class _Plan:
    """What one save changes: the cells to write (``None`` = delete), their rows, and refused values."""

    changed: dict[str, tuple[int | None, int | None]] = field(default_factory=dict)
    rows: dict[str, DataValue] = field(default_factory=dict)
    conflicts: list[Conflict] = field(default_factory=list)


def _plan(elements: dict[str, DataElement], unit: OrgUnit, period: Period, values: dict[str, int | None],
          based_on: Mapping[str, int | None], overwrite: bool) -> _Plan:
    of = ("self",) if connection.features.has_select_for_update_of else ()  # lock the cells, not the elements
    rows = {dv.data_element.code: dv for dv in DataValue.objects.select_for_update(of=of).filter(
        org_unit=unit, period=period.code, data_element__in=[elements[c] for c in values])
        .select_related("data_element")}
    plan = _Plan(rows=rows)
    for code, new in values.items():
        row = rows.get(code)
        old = row.value if row else None
        if old == new:
            continue
        stored_version = row.version if row else None
        if not overwrite and based_on.get(code) != stored_version:
            plan.conflicts.append(Conflict(
                code=code, name=elements[code].name, base_version=based_on.get(code), current=old, wanted=new,
                current_version=stored_version, by=_user_name(row.updated_by) if row else "",
                at=row.updated_at if row else None))
            continue
        plan.changed[code] = (old, new)
    return plan


def _user_name(user: Any) -> str:
    if user is None:
        return ""
    return (user.get_full_name() or user.get_username()).strip()


def _write(plan: _Plan, *, elements: dict[str, DataElement], unit: OrgUnit, period: Period, user: Any, source: str,
           version: int) -> None:
    now = timezone.now()
    gone = [plan.rows[c].pk for c, (_, new) in plan.changed.items() if new is None]
    if gone:
        DataValue.objects.filter(pk__in=gone).delete()
    updated = []
    for code, (_, new) in plan.changed.items():
        row = plan.rows.get(code)
        if row is not None and new is not None:
            row.value, row.updated_by, row.updated_at, row.source, row.version = new, user, now, source, version
            updated.append(row)
    if updated:
        DataValue.objects.bulk_update(updated, ["value", "updated_by", "updated_at", "source", "version"])
    DataValue.objects.bulk_create([
        DataValue(data_element=elements[code], org_unit=unit, period=period.code, value=new, created_by=user,
                  updated_by=user, source=source, version=version)
        for code, (old, new) in plan.changed.items() if old is None and new is not None])


def _submit(*, actor: Actor, data_set: DataSet, unit: OrgUnit, period: Period, at: datetime,
            given: bool = False) -> Submission:
    """The first submission is kept; a ``given`` time (报送时间 from a file or the API) earlier than the
    stored one replaces it (e.g. a report first imported without its time, stamped with the import's)."""
    user = actor if getattr(actor, "is_authenticated", False) else None
    submission, created = Submission.objects.get_or_create(
        data_set=data_set, org_unit=unit, period=period.code,
        defaults={"submitted_at": at, "submitted_by": user},
    )
    if given and not created and at < submission.submitted_at:
        submission.submitted_at = at
        submission.save(update_fields=["submitted_at"])
    return submission


def save_report(
    *,
    actor: Actor,
    data_set: DataSet,
    unit_code: str,
    period: Period,
    values: Mapping[str, int | None],
    based_on: Mapping[str, int | None] | None = None,
    overwrite: bool = False,
    submit: bool = True,
    source: str = "网页填报",
    submitted_at: datetime | None = None,
) -> SaveResult:
    """Enter or correct one unit's report; records the submission and returns rule violations.

    ``values`` holds only what the caller means to write (``None`` clears a cell). ``based_on`` gives,
    per element, the version the new value was based on; a missing entry means "the cell was empty".
    A value whose cell now holds something else under another version is a conflict: the whole save is
    refused with :class:`ReportConflict`. ``overwrite=True`` (an explicit user choice) skips that check.
    Lost lock races are retried; after too many, :class:`ducha.core.locking.BusyError` (Chinese message).
    ``submitted_at`` (another system's 报送时间) must lie between the period's start and now; an existing
    submission keeps its time unless the given one is earlier.
    """
    return retry_when_locked(lambda: _save_report(
        actor=actor, data_set=data_set, unit_code=unit_code, period=period, values=values,
        based_on=based_on or {}, overwrite=overwrite, submit=submit, source=source, submitted_at=submitted_at))


@transaction.atomic
def _save_report(*, actor: Actor, data_set: DataSet, unit_code: str, period: Period, values: Mapping[str, int | None],
                 based_on: Mapping[str, int | None], overwrite: bool, submit: bool, source: str,
                 submitted_at: datetime | None) -> SaveResult:
    unit = access_unit(actor, unit_code, write=True)
    problems = check_report_period(data_set, period)
    if submitted_at is not None:
        submitted_at, wrong_time = check_submitted_at(submitted_at, period)
        problems += wrong_time
    if not data_set.org_units.filter(pk=unit.pk).exists():
        problems.append(f"单位“{unit.name}”不需要报送“{data_set.name}”")
    if problems:
        raise ReportError(problems)
    elements = _element_codes(data_set)
    checked = _checked_values(elements, data_set, values)
    _lock_unit(unit)
    plan = _plan(elements, unit, period, checked, based_on, overwrite)
    if plan.changed or plan.conflicts:  # an approved period is locked (ducha.reporting.approval_lock)
        refuse_if_approved(data_set=data_set, unit=unit, period=period,
                           codes=[*plan.changed, *(c.code for c in plan.conflicts)])
    if plan.conflicts:
        raise ReportConflict(plan.conflicts)
    result = SaveResult(changed=plan.changed)
    if plan.changed:
        entry = record_audit(
            actor=actor, action="reporting.save_report", object_type="Report",
            object_id=f"{data_set.code}/{unit.code}/{period.code}",
            summary=f"{unit.name} {period.label} {data_set.name}：修改 {len(plan.changed)} 项（{source}）",
            before={c: o for c, (o, _) in plan.changed.items()}, after={c: n for c, (_, n) in plan.changed.items()},
        )
        user = actor if getattr(actor, "is_authenticated", False) else None
        _write(plan, elements=elements, unit=unit, period=period, user=user, source=source, version=entry.pk)
        result.version = entry.pk
    if submit:
        result.submission = _submit(actor=actor, data_set=data_set, unit=unit, period=period,
                                    at=submitted_at or timezone.now(), given=submitted_at is not None)
    current = dict(DataValue.objects.filter(org_unit=unit, period=period.code).values_list(
        "data_element__code", "value"))
    result.violations = check_values(data_set.validation_rules.all(), current, org_unit_code=unit.code,
                                     period=period.code)
    return result


@dataclass(frozen=True)
class CellRef:
    """Where a value was read from: file, sheet, row and column (letter and header)."""

    file: str
    sheet: str
    row: int
    column: str
    header: str


@dataclass(frozen=True)
class ReportInput:
    """One unit-period report read from a file, with where it came from (for audit and errors).

    ``based_on`` holds the versions the downloaded template was filled from (``None``: the file has none,
    e.g. it comes from another system); ``shown`` the values it showed; ``cells`` where each value is.
    """

    unit_code: str
    period: Period
    values: dict[str, int | None]
    source: str
    based_on: dict[str, int | None] | None = None
    shown: dict[str, int | None] = field(default_factory=dict)
    cells: dict[str, CellRef] = field(default_factory=dict)
    submitted_at: datetime | None = None  # the file's 报送时间; None: the time of the import


def _import_one(report: ReportInput, *, actor: Actor, data_set: DataSet, overwrite: bool,
                problems: list[ImportProblem]) -> SaveResult | None:
    values = report.values
    if report.based_on is None:  # a file without versions: a blank cell never deletes a stored value
        values = {c: v for c, v in values.items() if v is not None}
    try:
        return save_report(actor=actor, data_set=data_set, unit_code=report.unit_code, period=report.period,
                           values=values, based_on=report.based_on or {}, overwrite=overwrite, source=report.source,
                           submitted_at=report.submitted_at)
    except ReportApproved as err:
        problems.append(approved_problem(report, err))
    except ReportConflict as err:
        problems += [conflict_problem(c, report, versioned=report.based_on is not None) for c in err.conflicts]
    except ReportError as err:
        if not err.by_element:
            raise
        problems += [located_problem(report, c, VALUE_PROBLEM, text, expected=VALUE_EXPECTED,
                                     value=report.values.get(c)) for c, text in err.by_element.items()]
    return None


def import_reports(*, actor: Actor, data_set: DataSet, reports: Iterable[ReportInput], overwrite: bool = False,
                   on_report: Callable[[], None] | None = None) -> list[SaveResult]:
    """Save many reports all-or-nothing; the caller has already validated the file's structure.

    A value changed in the system since the template was downloaded, or (``overwrite`` not given) a value
    of a file without versions that would replace a stored one, is refused: :class:`ImportFileError`
    lists each such cell with both values and nothing is written.
    """
    batch = list(reports)
    return retry_when_locked(lambda: _import_reports(actor=actor, data_set=data_set, reports=batch,
                                                     overwrite=overwrite, on_report=on_report))


@transaction.atomic
def _import_reports(*, actor: Actor, data_set: DataSet, reports: list[ReportInput], overwrite: bool,
                    on_report: Callable[[], None] | None) -> list[SaveResult]:
    codes = sorted({r.unit_code for r in reports})
    no_key = connection.features.has_select_for_no_key_update
    list(OrgUnit.objects.select_for_update(no_key=no_key).filter(code__in=codes).order_by("pk")
         .values_list("pk", flat=True))  # every unit up front, in one order: no deadlock with other imports
    problems: list[ImportProblem] = []
    results = []
    for report in reports:
        result = _import_one(report, actor=actor, data_set=data_set, overwrite=overwrite, problems=problems)
        if result is not None:
            results.append(result)
        if on_report is not None:
            on_report()
    if problems:
        raise ImportFileError(problems)
    return results
