"""Rendered page bodies kept between requests, for the read-only pages every user opens first.

Caching the computed tables (``ducha.core.results``) left most of a dashboard request in building its
context and rendering the template (~20 ms of CPU). A page that shows only data can keep its rendered body
under the same kind of key: the page, its query string, who asks, the day, and the data generation stamp —
so a saved value still shows on the next load. The frame around the body (menu, user name, the logout
form with its CSRF token) is rendered on every request.

A cached body must never hold per-session content: a body with a CSRF token is refused (``CachedBodyError``).
What must be live (a form that posts, the state of a running job) goes in a *hole*: the body template writes
``<!--ducha-live:NAME-->`` where it belongs and the view passes ``live={"NAME": render}``; each request renders
the hole from the cached frame values and puts it in place.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Hashable, Mapping
from typing import Any

from django.http import HttpRequest
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

from ducha.core.results import cached_result, data_stamp, remember_stamp, request_stamp

CSRF_FIELD = 'name="csrfmiddlewaretoken"'


class CachedBodyError(RuntimeError):
    """A page body meant for the cache holds a CSRF token (per session): a programming error."""


def actor_parts(request: HttpRequest) -> tuple[Hashable, ...]:
    """Who asks, as far as a page can differ by it without an audited write: the user and its flags.

    Roles and unit memberships change only through audited writes, which move the stamp."""
    user = request.user
    return (user.pk, bool(getattr(user, "is_superuser", False)), bool(getattr(user, "is_staff", False)))


def request_parts(request: HttpRequest) -> tuple[Hashable, ...]:
    query = tuple(sorted((k, tuple(v)) for k, v in request.GET.lists()))
    return (request.path, query, request.headers.get("HX-Request", ""), dt.date.today().isoformat())


def cached_body(
    request: HttpRequest,
    template: str,
    *,
    build: Callable[[], tuple[dict[str, Any], int]],
    live: Mapping[str, Callable[[dict[str, Any]], str]] | None = None,
) -> tuple[SafeString, int, dict[str, Any]]:
    """``template`` rendered with the context ``build()`` returns, its status, and the context's plain
    ``frame`` values (``context["frame"]``: what the page around the body needs, e.g. title, unit) — computed
    once per (page, query, actor, day, stamp) and kept in the ``results`` cache."""

    def compute() -> tuple[str, int, dict[str, Any]]:
        context, status = build()
        body = render_to_string(template, context, request=request)
        if CSRF_FIELD in body:
            raise CachedBodyError(f"{template} 含 CSRF 令牌，不能缓存：把提交表单移到页面框架中")
        return body, status, dict(context.get("frame", {}))

    stamp = data_stamp()
    remember_stamp(request, stamp)
    body, status, frame = cached_result(
        "page-body", stamp=stamp, parts=(template, *request_parts(request), *actor_parts(request)),
        compute=compute,
    )
    for name, render_hole in (live or {}).items():
        body = body.replace(hole(name), render_hole(frame))
    return mark_safe(body), status, frame  # noqa: S308 - rendered by Django's escaping templates above


TOKEN_PLACEHOLDER = "ducha-csrf-token-placeholder"


def cached_form(request: HttpRequest, template: str, context: dict[str, Any], *, parts: tuple[Hashable, ...]) -> str:
    """A live part with a form that posts (a hole of ``cached_body``): ``template`` rendered once per stamp and
    ``parts`` (everything in ``context`` it shows must be decided by them) with a placeholder for the CSRF
    token, which is filled in for each request. The template must not use the request's context processors."""

    def compute() -> str:
        return render_to_string(template, {**context, "csrf_token": TOKEN_PLACEHOLDER})

    html = cached_result("live-form", stamp=request_stamp(request), parts=(template, *parts), compute=compute)
    return html.replace(TOKEN_PLACEHOLDER, get_token(request))


def hole(name: str) -> str:
    """The marker a cached body template writes where the live part ``name`` goes."""
    return f"<!--ducha-live:{name}-->"
