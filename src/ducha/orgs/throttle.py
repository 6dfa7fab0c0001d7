"""Login throttling over the ``LoginFailure`` table (shared by every server worker).

After ``DUCHA_LOGIN_MAX_FAILURES`` failed logins for one username, or from one client address,
within ``DUCHA_LOGIN_LOCK_MINUTES``, further attempts are refused — even with the right password —
until the oldest of those failures leaves the window. A successful login clears the username's rows.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone

from ducha.orgs.models import LoginFailure


def normalise_username(username: str) -> str:
    return (username or "").strip().lower()[:150]


def client_ip(request: HttpRequest | None) -> str:
    """The client's address.

    ``X-Forwarded-For`` is easy to forge, so it is read only when the peer is one of
    ``DUCHA_TRUSTED_PROXIES`` (the nginx in front of ducha); then its last entry, the one that proxy
    added, is the client.
    """
    if request is None:
        return ""
    peer = str(request.META.get("REMOTE_ADDR", ""))
    forwarded = str(request.META.get("HTTP_X_FORWARDED_FOR", ""))
    if forwarded and peer in settings.DUCHA_TRUSTED_PROXIES:
        return forwarded.split(",")[-1].strip()[:64]
    return peer[:64]


def _window_start(now: datetime | None = None) -> datetime:
    return (now or timezone.now()) - timedelta(minutes=settings.DUCHA_LOGIN_LOCK_MINUTES)


def is_locked(*, username: str, ip: str, now: datetime | None = None) -> bool:
    recent = LoginFailure.objects.filter(at__gte=_window_start(now))
    limit = settings.DUCHA_LOGIN_MAX_FAILURES
    name = normalise_username(username)
    if name and recent.filter(username=name).count() >= limit:
        return True
    return bool(ip) and recent.filter(client_ip=ip).count() >= limit


def record_failure(*, username: str, ip: str) -> None:
    purge_expired()
    LoginFailure.objects.create(username=normalise_username(username), client_ip=ip)


def clear_failures(*, username: str) -> None:
    LoginFailure.objects.filter(username=normalise_username(username)).delete()


def purge_expired(now: datetime | None = None) -> int:
    """Delete failures older than the window (nothing reads them any more)."""
    deleted, _ = LoginFailure.objects.filter(~Q(at__gte=_window_start(now))).delete()
    return deleted
