"""Writes to the org tree, memberships and tokens; each in one transaction with one audit row."""

from __future__ import annotations

import secrets
from datetime import date
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractUser
from django.db import transaction

from ducha.audit.actions import record_audit
from ducha.orgs.models import ApiToken, Membership, OrgUnit, hash_token


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


def _set_path(unit: OrgUnit) -> None:
    if unit.parent is None:
        unit.path, unit.level = f"/{unit.code}/", 1
    else:
        unit.path, unit.level = f"{unit.parent.path}{unit.code}/", unit.parent.level + 1


@transaction.atomic
def create_org_unit(
    *,
    actor: Any,
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
    unit = OrgUnit(
        code=code, name=name, short_name=short_name, kind=kind, parent=parent, population=population,
        opened_on=opened_on, closed_on=closed_on, sort_order=sort_order,
    )
    _set_path(unit)
    unit.full_clean()
    unit.save()
    record_audit(actor=actor, action="orgs.create_unit", object_type="OrgUnit", object_id=code,
                 summary=f"新建单位 {name}", after=_unit_snapshot(unit))
    return unit


@transaction.atomic
def update_org_unit(*, actor: Any, unit: OrgUnit, **changes: Any) -> OrgUnit:
    before = _unit_snapshot(unit)
    for field, value in changes.items():
        setattr(unit, field, value)
    old_path = unit.path
    _set_path(unit)
    unit.full_clean()
    unit.save()
    if unit.path != old_path:
        for child in OrgUnit.objects.filter(path__startswith=old_path).exclude(pk=unit.pk).order_by("level"):
            child.refresh_from_db()
            _set_path(child)
            child.save(update_fields=["path", "level"])
    record_audit(actor=actor, action="orgs.update_unit", object_type="OrgUnit", object_id=unit.code,
                 summary=f"修改单位 {unit.name}", before=before, after=_unit_snapshot(unit))
    return unit


@transaction.atomic
def create_user(
    *, actor: Any, username: str, password: str, full_name: str = "", memberships: list[tuple[OrgUnit, str]]
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
def issue_api_token(*, actor: Any, user: Any, name: str = "命令行") -> str:
    """Create a token for ``user`` and return the raw value (shown once, stored only as a digest)."""
    raw = "dch_" + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(user=user, name=name, digest=hash_token(raw), prefix=raw[:8])
    record_audit(actor=actor, action="orgs.issue_token", object_type="ApiToken", object_id=token.pk,
                 summary=f"为 {user.username} 签发 API 令牌", after={"user": user.username, "name": name})
    return raw
