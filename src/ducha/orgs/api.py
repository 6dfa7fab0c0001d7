"""REST API over the org-unit tree: only the units the caller's memberships cover."""

from __future__ import annotations

from datetime import date

from django.http import Http404, HttpRequest
from ninja import Path, Query, Router, Schema
from pydantic import Field

from ducha.api_auth import actor_of
from ducha.api_contract import UNIT_CODE, contract
from ducha.core.actor import Actor
from ducha.core.limits import UNIT_CODE_MAX_LENGTH
from ducha.orgs.models import OrgUnit
from ducha.orgs.selectors import access_unit, default_unit, visible_units
from ducha.orgs.unit_columns import unit_column

router = Router(tags=["组织机构"])


class OrgUnitOut(Schema):
    code: str
    name: str
    short_name: str
    label: str
    kind: str
    kind_label: str
    parent: str | None
    level: int
    population: int
    opened_on: date | None
    closed_on: date | None
    data_sets: list[str] = Field(default_factory=list, description="该单位报送的报表编码（设置见 "
                                 "PUT /api/org-units/{code}/data-sets）")


class OrgUnitDetailOut(OrgUnitOut):
    children: list[str]


def unit_out(unit: OrgUnit, parent_code: str | None, data_sets: dict[int, list[str]] | None = None) -> OrgUnitOut:
    return OrgUnitOut(
        code=unit.code, name=unit.name, short_name=unit.short_name, label=unit.label, kind=unit.kind,
        kind_label=unit.get_kind_display(), parent=parent_code, level=unit.level, population=unit.population,
        opened_on=unit.opened_on, closed_on=unit.closed_on,
        data_sets=(data_sets if data_sets is not None else units_data_sets([unit])).get(unit.pk, []),
    )


def units_data_sets(units: list[OrgUnit]) -> dict[int, list[str]]:
    """The data sets each unit reports, from the app that keeps them (reporting registers the column)."""
    column = unit_column("data_sets")
    return column.api_values(units) if column is not None else {}


def scoped_root(actor: Actor, code: str | None) -> OrgUnit:
    """The unit named by ``code`` (404 outside the caller's scope), or the caller's own top unit."""
    if code:
        return access_unit(actor, code)
    unit = default_unit(actor)
    if unit is None:
        raise Http404("当前用户没有任何单位的查看权限")
    return unit


def _parent_code(unit: OrgUnit, visible_pks: set[int]) -> str | None:
    """The parent's code, but only when the caller may see the parent (an officer's top unit has none)."""
    return unit.parent.code if unit.parent and unit.parent_id in visible_pks else None


@router.get("/org-units", **contract(list[OrgUnitOut]), summary="可见的组织机构列表")
def list_org_units(
    request: HttpRequest,
    root: str | None = Query(None, pattern=UNIT_CODE, max_length=UNIT_CODE_MAX_LENGTH,
                             description="只列该编码的单位及其下级", example="T01"),
) -> list[OrgUnitOut]:
    """调用者有权查看的全部单位（按树的顺序）；给出 ``root`` 时只列该单位及其下级。"""
    actor = actor_of(request)
    visible = visible_units(actor).select_related("parent")
    seen = {u.pk for u in visible}
    units = list((visible.filter(path__startswith=access_unit(actor, root).path) if root else visible)
                 .order_by("path"))
    data_sets = units_data_sets(units)
    return [unit_out(u, _parent_code(u, seen), data_sets) for u in units]


@router.get("/org-units/{code}", **contract(OrgUnitDetailOut), summary="单位详情")
def get_org_unit(
    request: HttpRequest,
    code: str = Path(..., pattern=UNIT_CODE, max_length=UNIT_CODE_MAX_LENGTH, description="单位编码",
                      example="T01"),
) -> OrgUnitDetailOut:
    """一个单位及其直接下级的编码；不在调用者权限范围内的单位返回 404。"""
    actor = actor_of(request)
    unit = access_unit(actor, code)
    children = visible_units(actor).filter(parent=unit).order_by("sort_order", "code")
    parent = visible_units(actor).filter(pk=unit.parent_id) if unit.parent_id is not None else None
    seen = set(parent.values_list("pk", flat=True)) if parent is not None else set()
    base = unit_out(unit, _parent_code(unit, seen))
    return OrgUnitDetailOut(**base.model_dump(), children=[c.code for c in children])
