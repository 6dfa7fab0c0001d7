"""Template context every page gets from the core: the main menu (``ducha.core.nav``)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from ducha.core.nav import menu
from ducha.core.results import request_stamp


def navigation(request: HttpRequest) -> dict[str, Any]:
    """``nav_items``: built only when a template shows the menu (htmx fragments never do)."""
    match = getattr(request, "resolver_match", None)
    view_name = match.view_name if match else ""
    return {"nav_items": SimpleLazyObject(lambda: menu(request.user, view_name, request_stamp(request)))}
