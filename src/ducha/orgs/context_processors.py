from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from ducha.orgs.models import Role
from ducha.orgs.selectors import can_write, has_county_role, memberships_of


def actor_roles(request: HttpRequest) -> dict[str, Any]:
    """The actor's memberships and role facts, read only when a template uses them (a kept page frame does not)."""
    user = request.user
    return {
        "actor_memberships": SimpleLazyObject(lambda: memberships_of(user)),
        "actor_role_labels": SimpleLazyObject(lambda: sorted({Role(m.role).label for m in memberships_of(user)})),
        "actor_can_write": SimpleLazyObject(lambda: can_write(user)),
        "actor_is_county": SimpleLazyObject(lambda: has_county_role(user)),
    }
