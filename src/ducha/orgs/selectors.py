"""Reads of the org tree, always scoped to what the actor's memberships cover.

Access rules, one condition per line:
- a unit is *visible* when it lies in the subtree of any of the actor's memberships;
- a unit is *writable* when it lies in the subtree of a membership whose role may write
  (系统管理员, 督查员, 妇幼专干); 领导 only reads;
- a superuser sees and writes everything.
"""

from __future__ import annotations

from functools import reduce
from operator import or_
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.db.models import Q, QuerySet
from django.http import Http404

from ducha.core.actor import Actor, actor_user
from ducha.core.plain_reads import build_instance, column, fetch_instances, select_list, table
from ducha.orgs.models import Membership, OrgUnit, OrgUnitKind, Role

WRITING_ROLES = frozenset({Role.ADMIN, Role.INSPECTOR, Role.MCH_OFFICER})
COUNTY_ROLES = frozenset({Role.ADMIN, Role.INSPECTOR, Role.LEADER})
REPORTING_KINDS = (OrgUnitKind.TOWNSHIP_CENTRE, OrgUnitKind.COUNTY_FACILITY, OrgUnitKind.PRIVATE_HOSPITAL,
                   OrgUnitKind.MCH_HOSPITAL)


def memberships_of(actor: Actor) -> list[Membership]:
    if not getattr(actor, "is_authenticated", False):
        return []
    cache = getattr(actor, "_ducha_memberships", None)
    if cache is None:
        user = actor_user(actor)
        cache = _read_memberships(user.pk) if user is not None else []
        setattr(actor, "_ducha_memberships", cache)  # noqa: B010  (a cache on the request's user)
    return cache


def _read_memberships(user_pk: int) -> list[Membership]:
    """The user's memberships with their units, as ``select_related("org_unit")`` gives them, in one plain read
    (every API call asks: ``ducha.core.plain_reads``). Read afresh for each request, never kept: a membership
    removed by any means is gone at the next request."""
    member, unit = select_list(Membership, "m"), select_list(OrgUnit, "u")
    sql = (f"SELECT {member.sql}, {unit.sql} FROM {table(Membership)} m JOIN {table(OrgUnit)} u "  # noqa: S608
           f"ON u.{column(OrgUnit, 'id')} = m.{column(Membership, 'org_unit')} "
           f"WHERE m.{column(Membership, 'user')} = %s ORDER BY m.{column(Membership, 'id')}")
    with connection.cursor() as cursor:
        cursor.execute(sql, [user_pk])
        rows = cursor.fetchall()
    found = []
    for row in rows:
        membership = build_instance(member, row[:member.width])
        membership.org_unit = build_instance(unit, row[member.width:])
        found.append(membership)
    return found


def roles_of(actor: Actor) -> set[str]:
    return {m.role for m in memberships_of(actor)}


def _subtree_q(paths: list[str]) -> Q:
    if not paths:
        return Q(pk__in=[])
    return reduce(or_, (Q(path__startswith=p) for p in paths))


def _is_super(actor: Actor) -> bool:
    return bool(getattr(actor, "is_authenticated", False) and getattr(actor, "is_superuser", False))


def visible_units(actor: Actor) -> QuerySet[OrgUnit]:
    if _is_super(actor):
        return OrgUnit.objects.all()
    return OrgUnit.objects.filter(_subtree_q([m.org_unit.path for m in memberships_of(actor)]))


def writable_units(actor: Actor) -> QuerySet[OrgUnit]:
    if _is_super(actor):
        return OrgUnit.objects.all()
    paths = [m.org_unit.path for m in memberships_of(actor) if m.role in WRITING_ROLES]
    return OrgUnit.objects.filter(_subtree_q(paths))


def can_write(actor: Actor) -> bool:
    return _is_super(actor) or any(m.role in WRITING_ROLES for m in memberships_of(actor))


def has_county_role(actor: Actor) -> bool:
    return _is_super(actor) or any(m.role in COUNTY_ROLES for m in memberships_of(actor))


def access_unit(actor: Actor, code: str, *, write: bool = False) -> OrgUnit:
    """The unit ``code`` if the actor may see it (404 otherwise) and, with ``write``, change it (403)."""
    unit = visible_units(actor).filter(code=code).first()
    if unit is None:
        raise Http404(f"单位 {code} 不存在或无权查看")
    if write and not writable_units(actor).filter(pk=unit.pk).exists():
        raise PermissionDenied(f"无权修改单位“{unit.name}”的数据")
    return unit


def root_units(actor: Actor) -> list[OrgUnit]:
    """The top of each subtree the actor sees (the county for county roles, a township for its officer).

    The visible units are the subtrees of the memberships, so their tops are the membership units that lie in no
    other membership's subtree — known without reading the tree (every API call asks); a superuser's are the
    units without a parent."""
    if _is_super(actor):
        return _read_top_units()
    units = list({m.org_unit.pk: m.org_unit for m in memberships_of(actor)}.values())
    paths = [u.path for u in units]
    tops = [u for u in units if not any(u.path != p and u.path.startswith(p) for p in paths)]
    return sorted(tops, key=lambda u: (u.level, u.sort_order, u.code))


def _read_top_units() -> list[OrgUnit]:
    return fetch_instances(OrgUnit, f"{column(OrgUnit, 'parent')} IS NULL ORDER BY {column(OrgUnit, 'level')}, "
                                    f"{column(OrgUnit, 'sort_order')}, {column(OrgUnit, 'code')}", [])


def scope_signature(actor: Actor) -> tuple[str, ...]:
    """What decides which units the actor sees: everything for a superuser, else the memberships' subtrees (a
    key part for results kept per access scope)."""
    return ("*",) if _is_super(actor) else tuple(sorted({m.org_unit.path for m in memberships_of(actor)}))


def default_unit(actor: Actor) -> OrgUnit | None:
    roots = root_units(actor)
    return roots[0] if roots else None


def has_default_unit(actor: Actor) -> bool:
    """Whether ``default_unit`` finds a unit: the pages that open on it refuse (403) an actor without one.

    The same as ``default_unit(actor) is not None`` without loading the units; kept on the request's user.
    """
    cached = getattr(actor, "_ducha_has_units", None)
    if cached is None:
        cached = visible_units(actor).exists()
        setattr(actor, "_ducha_has_units", cached)  # noqa: B010  (a cache on the request's user)
    return bool(cached)


def sees_admin(actor: Actor) -> bool:
    """The 系统管理 menu rule: Django staff, or a 系统管理员 membership."""
    return bool(getattr(actor, "is_staff", False)) or Role.ADMIN in roles_of(actor)


def reporting_units(actor: Actor, root: OrgUnit | None = None) -> QuerySet[OrgUnit]:
    """Units that submit routine reports, within the actor's scope (and ``root``'s subtree)."""
    qs = visible_units(actor).filter(kind__in=REPORTING_KINDS)
    if root is not None:
        qs = qs.filter(path__startswith=root.path)
    return qs.order_by("sort_order", "code")


def in_subtree(unit: OrgUnit | None, root: OrgUnit) -> bool:
    """Whether ``unit`` is ``root`` or lies below it, following the parent links (not the path)."""
    seen: set[int] = set()
    while unit is not None and unit.pk not in seen:
        if unit.pk == root.pk:
            return True
        seen.add(unit.pk)
        unit = unit.parent
    return False


def subtree(unit: OrgUnit) -> QuerySet[OrgUnit]:
    return OrgUnit.objects.filter(path__startswith=unit.path)


def command_actor(username: str | None) -> Any:
    """The user a command acts as: ``--user`` or the first superuser (a CLI runs with admin rights)."""
    users = get_user_model().objects
    user = users.filter(username=username).first() if username else \
        users.filter(is_superuser=True).order_by("pk").first()
    if user is None:
        raise LookupError(f"用户“{username}”不存在" if username else "没有系统管理员账户：请先运行 ducha demo 或 createsuperuser")
    return user
