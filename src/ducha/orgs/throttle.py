"""One login throttle for every way in: the login page, the Django admin login and API bearer tokens.

Built on django-axes (``axes`` app, ``AccessAttempt`` table shared by every server worker). Two
counters, each over the failures of the last ``DUCHA_LOGIN_LOCK_MINUTES``:

* the **account**: ``DUCHA_LOGIN_MAX_FAILURES`` failed passwords for one username, from any address,
  lock that username — even the right password is refused — so guessing one account's password
  from many addresses gets nowhere;
* the **address**: ``DUCHA_LOGIN_IP_MAX_FAILURES`` (higher) failures from one client address, for any
  usernames or bearer tokens, lock that address. It is higher because a township health centre
  reaches ducha through one NAT address: one person's typing mistakes lock only their own account,
  the colleagues on the same address can still log in.

A lock ends ``DUCHA_LOGIN_LOCK_MINUTES`` after the failure that caused it; attempts refused while
locked are not counted, so they do not extend it. A successful login clears that username's
failures (and only those: logging in to one account must not clear guesses at other accounts from
the same address). The client address comes from ``client_ip`` (the trusted-proxy rule), never
from a forgeable ``X-Forwarded-For``.
"""

from __future__ import annotations

import ipaddress
from datetime import timedelta
from typing import Any

from axes.attempts import get_cool_off_threshold
from axes.backends import AxesStandaloneBackend
from axes.handlers.database import AxesDatabaseHandler
from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_client_username
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.signals import user_login_failed
from django.db.models import QuerySet, Sum
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from ducha.proxy import from_trusted_proxy

LOCKED = "登录失败次数过多，已暂时锁定，请 {minutes} 分钟后再试或联系系统管理员。"
TOKEN_CREDENTIALS: dict[str, Any] = {"username": None}


def normalise_username(request: HttpRequest | None, credentials: dict[str, Any] | None) -> str | None:
    """The username the account counter uses (``AXES_USERNAME_CALLABLE``): case and spaces do not escape it."""
    if credentials is not None:
        raw = credentials.get("username")
    else:
        raw = request.POST.get("username") if request is not None else None
    name = str(raw or "").strip().lower()[:150]
    return name or None


def client_ip(request: HttpRequest | None) -> str | None:
    """The client's address (``AXES_CLIENT_IP_CALLABLE``).

    ``X-Forwarded-For`` is easy to forge, so it is read only when the peer is one of
    ``DUCHA_TRUSTED_PROXIES`` (the nginx in front of ducha); then its last entry, the one that proxy
    added, is the client. Anything that is not an IP address is ignored.
    """
    if request is None:
        return None
    peer = ip_or_none(str(request.META.get("REMOTE_ADDR", "")))
    forwarded = str(request.META.get("HTTP_X_FORWARDED_FOR", ""))
    if forwarded and from_trusted_proxy(request):
        return ip_or_none(forwarded.split(",")[-1]) or peer
    return peer


def ip_or_none(text: str) -> str | None:
    """``text`` as a normalised IP address, or None when it is not one."""
    try:
        return str(ipaddress.ip_address(text.strip()))
    except ValueError:
        return None


def account_limit(request: HttpRequest | None = None, credentials: dict[str, Any] | None = None) -> int:
    """``AXES_FAILURE_LIMIT``: failures that lock one username."""
    return int(settings.DUCHA_LOGIN_MAX_FAILURES)


def address_limit() -> int:
    return max(int(settings.DUCHA_LOGIN_IP_MAX_FAILURES), account_limit())


def cool_off(request: HttpRequest | None = None) -> timedelta:
    """``AXES_COOLOFF_TIME``: how long a lock lasts (read at each request, so tests can change it)."""
    return timedelta(minutes=int(settings.DUCHA_LOGIN_LOCK_MINUTES))


def _failures(attempts: QuerySet[AccessAttempt]) -> int:
    return int(attempts.aggregate(n=Sum("failures_since_start"))["n"] or 0)


class DuchaAxesHandler(AxesDatabaseHandler):
    """axes' database handler with its own limit for each counter (axes has one limit for all)."""

    def counts(self, request: Any, credentials: dict[str, Any] | None = None) -> tuple[int, int]:
        recent = AccessAttempt.objects.filter(attempt_time__gte=get_cool_off_threshold(request))
        username = get_client_username(request, credentials)
        account = _failures(recent.filter(username=username)) if username else 0
        address = _failures(recent.filter(ip_address=request.axes_ip_address)) if request.axes_ip_address else 0
        return account, address

    def get_failures(self, request: Any, credentials: dict[str, Any] | None = None) -> int:
        return self.counts(request, credentials)[0]

    def is_locked(self, request: Any, credentials: dict[str, Any] | None = None) -> bool:
        account, address = self.counts(request, credentials)
        return account >= account_limit() or address >= address_limit()

    def user_login_failed(self, sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any) -> None:
        super().user_login_failed(sender, credentials, request, **kwargs)
        if request is not None and not request.axes_locked_out and self.is_locked(request, credentials):
            request.axes_locked_out = True  # the address reached its own limit
            request.axes_credentials = credentials

    def reset_user_attempts(self, request: Any, credentials: dict[str, Any] | None = None) -> int:
        username = get_client_username(request, credentials)
        deleted, _ = AccessAttempt.objects.filter(username=username).delete() if username else (0, None)
        return deleted


class ThrottleBackend(AxesStandaloneBackend):
    """First of ``AUTHENTICATION_BACKENDS``: refuses every login attempt while the account or address is locked.

    ``authenticate()`` without a request never comes from the network (Django's login views and the
    admin always pass it; the test client's ``login()`` and the shell do not), so there is no address
    to count and the call is left to the next backend instead of failing.
    """

    def authenticate(self, request: HttpRequest | None, username: str | None = None, password: str | None = None,
                     **kwargs: Any) -> None:
        if request is not None:
            super().authenticate(request, username, password, **kwargs)


def lockout_message() -> str:
    return LOCKED.format(minutes=settings.DUCHA_LOGIN_LOCK_MINUTES)


def lockout_response(request: HttpRequest, original_response: Any = None, credentials: Any = None) -> HttpResponse:
    """``AXES_LOCKOUT_CALLABLE``: the same Chinese answer whether or not the password was right."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": lockout_message()}, status=429, json_dumps_params={"ensure_ascii": False})
    return render(request, "registration/locked.html", {"title": "登录已锁定", "message": lockout_message()},
                  status=429)


def token_address_locked(request: HttpRequest) -> bool:
    """Is the client address locked (checked before a bearer token is looked up)?"""
    return bool(getattr(settings, "AXES_ENABLED", True)) and not AxesProxyHandler.is_allowed(request, TOKEN_CREDENTIALS)


def record_token_failure(request: HttpRequest) -> None:
    """Count a wrong bearer token against the client address (the response becomes 429 once locked)."""
    user_login_failed.send(sender=__name__, credentials=dict(TOKEN_CREDENTIALS), request=request)


def unlock(*, username: str | None = None, ip: str | None = None) -> int:
    """Forget the failures of one account and/or one address (``ducha unlock``); returns the failures removed."""
    attempts = AccessAttempt.objects.none()
    if name := normalise_username(None, {"username": username}):
        attempts = attempts | AccessAttempt.objects.filter(username=name)
    if ip:
        attempts = attempts | AccessAttempt.objects.filter(ip_address=ip_or_none(ip))
    removed = _failures(attempts)
    attempts.delete()
    return removed
