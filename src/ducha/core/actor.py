"""The typed ``Actor``: who performs a read or a write.

Every selector takes the actor and returns only what the actor's org units may see; every action
takes it keyword-only and records it in the audit row. A signed-in user is a Django ``User``; a page
seen before signing in has Django's ``AnonymousUser`` (selectors give it nothing). Work the system does
on its own (the demo build, a migration, a background job started by nobody) passes ``None`` where an
action allows it (``SystemActor``).
"""

from __future__ import annotations

from typing import TypeAlias

from django.contrib.auth.models import AnonymousUser, User

Actor: TypeAlias = User | AnonymousUser
SystemActor: TypeAlias = User | AnonymousUser | None


def actor_user(actor: SystemActor) -> User | None:
    """The user to store in a ``created_by``/audit column: the signed-in user, or ``None``."""
    return actor if isinstance(actor, User) else None


def actor_label(actor: SystemActor) -> str:
    """The name to show for an actor: full name, else username, else 系统."""
    if actor is None or not actor.is_authenticated:
        return "系统"
    assert isinstance(actor, User)
    return actor.get_full_name() or actor.get_username()
