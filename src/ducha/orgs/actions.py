"""Writes to the org tree, memberships and tokens; each in one transaction with one audit row."""

from __future__ import annotations

import secrets
from datetime import date
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import transaction

from ducha.audit.actions import record_audit
from ducha.core.actor import Actor, SystemActor
from ducha.core.limits import POPULATION_MAX, LimitError, check_count, check_text, check_unit_code
from ducha.orgs.models import ApiToken, Membership, OrgUnit, hash_token, tree_path
from ducha.orgs.selectors import in_subtree

UNIT_TEXT_FIELDS = {"name": ("名称", 100), "short_name": ("简称", 20)}


def _unit_snapshot(unit: OrgUnit) -> dict[str, Any]:
    return {
        "code": unit.code,
        "name": unit.name,
        "kind": unit.kind,
        "parent": unit.parent.code if unit.parent else None,
        "population": unit.population,
        "opened_on": unit.opened_on.isoformat() if unit.opened_on else None,
        "closed_on": unit.closed_on.isoformat() if unit.closed_on else None,
    }


def checked_unit_fields(fields: dict[str, Any]) -> dict[str, Any]:
    """``fields`` of a unit with code, names and population checked against ``core.limits``.

    Raises ValidationError (Chinese, per field); codes and names come back stripped.
    """
    out, errors = dict(fields), {}
    for key, value in fields.items():
        try:
            if key == "code":
                out[key] = check_unit_code(value)
            elif key in UNIT_TEXT_FIELDS:
                label, length = UNIT_TEXT_FIELDS[key]
                out[key] = check_text(value or "", label=label, max_length=length)
            elif key == "population":
                out[key] = check_count(value, label="服务人口", maximum=POPULATION_MAX)
        except LimitError as exc:
            errors[key] = [str(exc)]
    if errors:
        raise ValidationError(errors)
    return out


def set_tree_path(unit: OrgUnit) -> None:
    """The unit's path and level from its parent's path and its own code (see ``models.tree_path``)."""
    if unit.parent is None:
        unit.path, unit.level = tree_path(None, unit.code), 1
    else:
        unit.path, unit.level = tree_path(unit.parent.path, unit.code), unit.parent.level + 1



@transaction.atomic
def create_org_unit(
    *,
    actor: SystemActor,
    code: str,
    name: str,
    kind: str,
    parent: OrgUnit | None = None,
    short_name: str = "",
    population: int = 0,
    opened_on: date | None = None,
    closed_on: date | None = None,
    sort_order: int = 0,
) -> OrgUnit:
    checked = checked_unit_fields({"code": code, "name": name, "short_name": short_name, "population": population})
    unit = OrgUnit(kind=kind, parent=parent, opened_on=opened_on, closed_on=closed_on, sort_order=sort_order,
                   **checked)
    set_tree_path(unit)
    unit.full_clean()
    unit.save()
    record_audit(actor=actor, action="orgs.create_unit", object_type="OrgUnit", object_id=unit.code,
                 summary=f"新建单位 {unit.name}", after=_unit_snapshot(unit))
    return unit


@transaction.atomic
def update_org_unit(*, actor: Actor, unit: OrgUnit, **changes: Any) -> OrgUnit:
    before = _unit_snapshot(unit)
    changes = checked_unit_fields(changes)
    if "parent" in changes and in_subtree(changes["parent"], unit):
        raise ValidationError({"parent": ["上级单位不能是本单位自己或它的下级单位"]})
    for field, value in changes.items():
        setattr(unit, field, value)
    old_path = unit.path
    set_tree_path(unit)
    unit.full_clean()
    unit.save()
    if unit.path != old_path:
        _repath_descendants(unit)
    record_audit(actor=actor, action="orgs.update_unit", object_type="OrgUnit", object_id=unit.code,
                 summary=f"修改单位 {unit.name}", before=before, after=_unit_snapshot(unit))
    return unit


def _repath_descendants(unit: OrgUnit) -> None:
    """Recompute the paths below ``unit`` by following the parent links (not the old path prefix)."""
    parents = [unit]
    while parents:
        children = list(OrgUnit.objects.filter(parent__in=parents))
        by_pk = {p.pk: p for p in parents}
        for child in children:
            child.parent = by_pk[child.parent_id or 0]
            set_tree_path(child)
        OrgUnit.objects.bulk_update(children, ["path", "level"])
        parents = children


@transaction.atomic
def create_user(
    *, actor: SystemActor, username: str, password: str, full_name: str = "", memberships: list[tuple[OrgUnit, str]]
) -> AbstractUser:
    user_model = get_user_model()
    user = user_model.objects.create_user(username=username, password=password, first_name=full_name)
    for unit, role in memberships:
        Membership.objects.create(user=user, org_unit=unit, role=role)
    record_audit(actor=actor, action="orgs.create_user", object_type="User", object_id=username,
                 summary=f"新建用户 {username}",
                 after={"username": username, "memberships": [[u.code, r] for u, r in memberships]})
    return user  # type: ignore[return-value]


@transaction.atomic
def issue_api_token(*, actor: SystemActor, user: Any, name: str = "命令行") -> str:
    """Create a token for ``user`` and return the raw value (shown once, stored only as a digest)."""
    raw = "dch_" + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(user=user, name=name, digest=hash_token(raw), prefix=raw[:8])
    record_audit(actor=actor, action="orgs.issue_token", object_type="ApiToken", object_id=token.pk,
                 summary=f"为 {user.username} 签发 API 令牌", after={"user": user.username, "name": name})
    return raw
