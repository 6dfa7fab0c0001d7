"""The page frame's top bar (menu, user name and roles, logout), kept between requests.

Rendering the frame was most of what a page with a kept body still cost (``ducha.core.page_cache``). What it
shows changes only with the user, the page and audited writes (roles, units, menu rules), so it is kept
under the same data stamp; the logout form's CSRF token differs per session and is put in on every request.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.template.backends.utils import csrf_input
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

from ducha.core.page_cache import actor_parts, hole
from ducha.core.results import cached_result, request_stamp

register = template.Library()
TEMPLATE = "core/_topbar.html"


@register.simple_tag(takes_context=True)
def topbar(context: template.Context) -> SafeString:
    request = context.get("request")
    user = context.get("user")
    values = {"user": user, "nav_items": context.get("nav_items", []),
              "actor_memberships": context.get("actor_memberships", [])}
    if request is None or user is None or not user.is_authenticated:
        return mark_safe(render_to_string(TEMPLATE, values))  # noqa: S308 - Django-escaped template
    match = getattr(request, "resolver_match", None)
    parts: tuple[Any, ...] = (*actor_parts(request), user.get_full_name(), user.get_username(),
                              match.view_name if match else "")
    html = cached_result("topbar", stamp=request_stamp(request), parts=parts,
                         compute=lambda: render_to_string(TEMPLATE, values))
    return mark_safe(html.replace(hole("csrf"), csrf_input(request)))  # noqa: S308 - see above
