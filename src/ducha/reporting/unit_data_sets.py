"""Which data sets a unit reports (报送数据集): read, parse from a file cell, and set (audited, versioned).

The assignment's version is the id of the audit row of its last change (0 before the first): a write
names the version it was based on and is refused when someone changed the assignment since. Only county
inspectors and administrators (over the unit) may change it; an import of the unit list may too.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db import transaction

from ducha.audit.actions import record_audit
from ducha.audit.models import AuditEntry
from ducha.core.actor import Actor
from ducha.core.excel_io import CellError, code_text, is_blank
from ducha.orgs.models import OrgUnit, Role
from ducha.orgs.selectors import access_unit, memberships_of
from ducha.orgs.unit_columns import UnitColumn
from ducha.reporting.models import DataSet

ACTION = "reporting.set_unit_data_sets"
HEADER = "报送数据集"
SEPARATORS = re.compile(r"[、，,;；\n]+")
MANAGING_ROLES = frozenset({Role.ADMIN, Role.INSPECTOR})


class DataSetAssignmentError(ValueError):
    """A Chinese reason the assignment was not changed (``conflict`` when it changed since ``based_on``)."""

    def __init__(self, message: str, *, conflict: bool = False):
        super().__init__(message)
        self.conflict = conflict


@dataclass(frozen=True)
class UnitDataSets:
    unit: OrgUnit
    data_sets: list[DataSet]
    version: int

    @property
    def codes(self) -> list[str]:
        return [d.code for d in self.data_sets]


def assignment_version(unit: OrgUnit) -> int:
    last = AuditEntry.objects.filter(action=ACTION, object_type="OrgUnit", object_id=unit.code).order_by("-id")
    return int(last.values_list("id", flat=True).first() or 0)


def unit_data_sets(actor: Actor, unit_code: str) -> UnitDataSets:
    """The data sets ``unit_code`` reports (404 outside the actor's scope) and the assignment's version."""
    unit = access_unit(actor, unit_code)
    return UnitDataSets(unit, list(unit.data_sets.order_by("code")), assignment_version(unit))


def codes_by_unit(units: Iterable[OrgUnit]) -> dict[int, list[str]]:
    """``{unit pk: [data set codes]}`` in one query (units that report nothing are left out)."""
    out: dict[int, list[str]] = {}
    rows = DataSet.org_units.through.objects.filter(orgunit__in=[u.pk for u in units])
    for unit_id, code in rows.order_by("dataset__code").values_list("orgunit_id", "dataset__code"):
        out.setdefault(unit_id, []).append(code)
    return out


def can_assign(actor: Actor, unit: OrgUnit) -> bool:
    if getattr(actor, "is_superuser", False):
        return True
    return any(m.role in MANAGING_ROLES and unit.path.startswith(m.org_unit.path) for m in memberships_of(actor))


def parse_data_sets(value: object) -> list[DataSet]:
    """A cell like ``MCH_MONTHLY、助产机构分娩月报`` (codes or names, separated by 、，,；): blank = none."""
    if is_blank(value):
        return []
    known = list(DataSet.objects.order_by("code"))
    by_key = {d.code.lower(): d for d in known} | {d.name: d for d in known}
    found, unknown = [], []
    for part in (p.strip() for p in SEPARATORS.split(code_text(value))):
        if not part:
            continue
        data_set = by_key.get(part) or by_key.get(part.lower())
        if data_set is None:
            unknown.append(part)
        elif data_set not in found:
            found.append(data_set)
    if unknown:
        names = "、".join(f"{d.code}（{d.name}）" for d in known) or "（系统中还没有报表）"
        raise CellError("IMP027", f"没有这个报表：{'、'.join(unknown)}", f"报表编码或名称，用“、”分隔：{names}")
    return found


@transaction.atomic
def set_unit_data_sets(*, actor: Actor, unit_code: str, codes: list[str], based_on: int | None) -> UnitDataSets:
    """Make ``unit_code`` report exactly ``codes``; ``based_on`` is the version the caller saw (None: an import,
    which states the whole list). One audit row; unchanged lists write nothing."""
    unit = access_unit(actor, unit_code, write=True)
    if not can_assign(actor, unit):
        raise PermissionDenied("只有县级督查员和系统管理员可以设置单位报送的报表")
    OrgUnit.objects.select_for_update().filter(pk=unit.pk).first()  # one change of this unit at a time
    known = {d.code: d for d in DataSet.objects.filter(code__in=codes)}
    if unknown := [c for c in codes if c not in known]:
        raise DataSetAssignmentError(f"没有这个报表：{'、'.join(unknown)}")
    current = unit_data_sets(actor, unit_code)
    if based_on is not None and based_on != current.version:
        raise DataSetAssignmentError(
            f"单位“{unit.name}”报送的报表已被他人修改（现为 {'、'.join(current.codes) or '无'}），请刷新后再改",
            conflict=True)
    wanted = sorted(set(codes))
    if wanted == current.codes:
        return current
    unit.data_sets.set([known[c] for c in wanted])
    names = "、".join(known[c].name for c in wanted) or "无"
    entry = record_audit(actor=actor, action=ACTION, object_type="OrgUnit", object_id=unit.code,
                         summary=f"设置单位 {unit.name} 报送的报表：{names}",
                         before={"data_sets": current.codes}, after={"data_sets": wanted})
    return UnitDataSets(unit, [known[c] for c in wanted], int(entry.id))


def _import_cell(actor: Actor, unit: OrgUnit, data_sets: list[DataSet]) -> bool:
    before = sorted(unit.data_sets.values_list("code", flat=True))
    after = set_unit_data_sets(actor=actor, unit_code=unit.code, codes=[d.code for d in data_sets], based_on=None)
    return after.codes != before


def data_sets_column() -> UnitColumn:
    """The 报送数据集 column of the unit list (registered by ``ReportingConfig.ready``)."""
    return UnitColumn(
        key="data_sets", header=HEADER, parse=parse_data_sets, apply=_import_cell,
        export=lambda units: {pk: "、".join(codes) for pk, codes in codes_by_unit(units).items()},
        api_values=codes_by_unit,
    )
