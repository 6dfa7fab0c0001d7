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
from contextlib import suppress
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.apps import apps
from django.urls import NoReverseMatch, reverse

from ducha.core.results import cached_result, data_stamp

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


def menu(actor: Actor, view_name: str = "", stamp: str | None = None) -> list[MenuItem]:
    """The entries ``actor`` may use, with the one of ``view_name`` (the current page) marked active.

    Which entries a user may use changes only with audited writes (roles, units, data sets), so the allowed
    list is kept under the data stamp (``ducha.core.results``); the per-user flags are part of the key."""
    if not actor.is_authenticated:
        return []
    entries = nav_entries()
    parts = (actor.pk, bool(actor.is_superuser), bool(actor.is_staff), tuple(e.url_name for e in entries))
    allowed = cached_result("menu", stamp=stamp or data_stamp(), parts=parts,
                            compute=lambda: _allowed_urls(actor, entries))
    return [MenuItem(e.label, url, e.is_active(view_name), e) for e, url in zip(entries, allowed, strict=True) if url]


def _allowed_urls(actor: Actor, entries: list[NavEntry]) -> list[str]:
    """Each entry's URL if ``actor`` may use it and its URLs are included in this site, else ``""``."""
    urls = []
    for entry in entries:
        url = ""
        if entry.allowed(actor):
            with suppress(NoReverseMatch):  # the app is installed but its URLs are not included in this site
                url = reverse(entry.url_name)
        urls.append(url)
    return urls
