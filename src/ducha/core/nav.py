"""The main menu, assembled from the installed apps.

An app lists its entries in its ``AppConfig.nav_entries()`` (label, URL name, order, who may use it);
``menu(actor, view_name)`` collects them from every installed app, keeps those the actor may use and
marks the one the current page belongs to. ``ducha.core.context_processors.navigation`` hands the result
to ``base.html``. A new app adds its entry in its own ``apps.py``; no other file changes.

The ``allowed`` predicate must be the access rule the entry's view enforces (the same function), so a
role never sees a link that answers 403.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.apps import apps
from django.urls import NoReverseMatch, reverse

if TYPE_CHECKING:  # apps.py imports this module before the models are loaded
    from ducha.core.actor import Actor


def logged_in(actor: Actor) -> bool:
    """Any logged-in user (the rule of a view that only has ``login_required``)."""
    return bool(actor.is_authenticated)


@dataclass(frozen=True)
class NavEntry:
    """One menu entry. ``active``: view names (``ns:name``) or namespaces (``ns:``) the entry is lit for."""

    label: str
    url_name: str
    order: int
    allowed: Callable[[Actor], bool] = logged_in
    active: tuple[str, ...] = ()

    def is_active(self, view_name: str) -> bool:
        patterns = self.active or (self.url_name,)
        return any(view_name.startswith(p) if p.endswith(":") else view_name == p for p in patterns)


@dataclass(frozen=True)
class MenuItem:
    """An entry as the template shows it."""

    label: str
    url: str
    active: bool = False
    entry: NavEntry | None = field(default=None, compare=False, repr=False)


def nav_entries() -> list[NavEntry]:
    """Every installed app's entries, in menu order (then by label, so the order is stable)."""
    entries: list[NavEntry] = []
    for config in apps.get_app_configs():
        declare: Callable[[], Iterable[NavEntry]] | None = getattr(config, "nav_entries", None)
        if callable(declare):
            entries.extend(declare())
    return sorted(entries, key=lambda e: (e.order, e.label))


def menu(actor: Actor, view_name: str = "") -> list[MenuItem]:
    """The entries ``actor`` may use, with the one of ``view_name`` (the current page) marked active."""
    if not actor.is_authenticated:
        return []
    items = []
    for entry in nav_entries():
        if not entry.allowed(actor):
            continue
        try:
            url = reverse(entry.url_name)
        except NoReverseMatch:  # the app is installed but its URLs are not included in this site
            continue
        items.append(MenuItem(entry.label, url, entry.is_active(view_name), entry))
    return items
