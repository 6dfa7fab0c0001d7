"""The unit picker's choices and the ``unit`` query parameter, both scoped to the actor.

Every filter form builds its unit ``<select>`` with ``unit_picker`` (rendered by ``core/_picker.html``),
so a unit the actor may not see is never offered; ``read_unit`` refuses one typed into the address.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest

from ducha.core.actor import Actor
from ducha.core.pickers import Choice, unit_choices
from ducha.orgs.models import OrgUnit, OrgUnitKind
from ducha.orgs.selectors import access_unit, default_unit, visible_units


def unit_picker(actor: Actor, units: QuerySet[OrgUnit] | list[OrgUnit] | None = None, *,
                villages: bool = False) -> list[Choice]:
    """Choices from ``units`` (a narrower list the page already scoped), or else all the actor's visible units.

    Without ``units`` the list is in tree order and leaves out village clinics unless ``villages``.
    """
    if units is None:
        units = visible_units(actor).order_by("path")
        if not villages:
            units = units.exclude(kind=OrgUnitKind.VILLAGE_CLINIC)
    return unit_choices(units)


def read_unit(request: HttpRequest) -> OrgUnit:
    """The ``unit`` query parameter (refused when outside the actor's units), or the actor's default unit."""
    code = request.GET.get("unit", "").strip()
    if code:
        return access_unit(request.user, code)
    unit = default_unit(request.user)  # None exactly when not has_default_unit (the menu rule)
    if unit is None:
        raise PermissionDenied("您的账户尚未分配任何单位，请联系系统管理员")
    return unit
