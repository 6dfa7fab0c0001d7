"""Headers a reverse proxy sets are believed only from the proxies named in ``DUCHA_TRUSTED_PROXIES``.

Django's ``SECURE_PROXY_SSL_HEADER`` trusts ``X-Forwarded-Proto`` from whoever sends it: a client that
reaches gunicorn directly could claim ``https`` and receive the secure cookies over plain HTTP. This
middleware (first in ``MIDDLEWARE``) drops the header unless the connection comes from a trusted proxy,
which in turn must set (overwrite) it: ``proxy_set_header X-Forwarded-Proto $scheme;`` in nginx.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

FORWARDED_PROTO = "HTTP_X_FORWARDED_PROTO"


def from_trusted_proxy(request: HttpRequest) -> bool:
    """The connection comes from one of ``DUCHA_TRUSTED_PROXIES`` (whose forwarding headers are believed)."""
    return request.META.get("REMOTE_ADDR", "") in settings.DUCHA_TRUSTED_PROXIES


class TrustedProxyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not from_trusted_proxy(request):
            request.META.pop(FORWARDED_PROTO, None)
        return self.get_response(request)
