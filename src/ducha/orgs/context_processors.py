from typing import Any

from django.http import HttpRequest

from ducha.orgs.models import Role
from ducha.orgs.selectors import can_write, has_county_role, memberships_of


def actor_roles(request: HttpRequest) -> dict[str, Any]:
    user = request.user
    members = memberships_of(user)
    return {
        "actor_memberships": members,
        "actor_role_labels": sorted({Role(m.role).label for m in members}),
        "actor_can_write": can_write(user),
        "actor_is_county": has_county_role(user),
    }
