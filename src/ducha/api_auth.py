"""Authentication of the REST API: a logged-in session (with CSRF on writes) or a bearer token.

Both are accepted on every endpoint. The bearer token is tried first so that a script that sends
``Authorization: Bearer <令牌>`` never meets the session's CSRF check; a request that sends a
bearer token which does not match any ``ApiToken`` is refused with 401 even if it also carries a
session cookie, so a revoked token never silently falls back to a browser login.

Wrong tokens count against the client address in the login throttle (``ducha.orgs.throttle``): once
the address is locked every token from it, right or wrong, gets 429 until the lock ends.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone
from ninja.errors import AuthenticationError, HttpError
from ninja.security import APIKeyCookie, HttpBearer
from ninja.utils import check_csrf

from ducha.orgs import throttle
from ducha.orgs.models import ApiToken, hash_token

NOT_AUTHENTICATED = "未登录或令牌无效：请先登录，或在请求头中携带 Authorization: Bearer <令牌>"
BAD_TOKEN = "API 令牌无效或已被吊销，请用 ducha token 用户名 重新签发"
CSRF_FAILED = "CSRF 校验失败：通过浏览器会话修改数据时须在 X-CSRFToken 请求头中携带 csrftoken"


class BearerTokenAuth(HttpBearer):
    """``Authorization: Bearer dch_…`` checked against the SHA-256 digests in ``ApiToken``."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        if throttle.token_address_locked(request):
            raise HttpError(429, throttle.lockout_message())
        token = token.strip()
        row = ApiToken.objects.select_related("user").filter(digest=hash_token(token)).first() if token else None
        if row is None or not row.user.is_active:
            throttle.record_token_failure(request)
            raise AuthenticationError(401, BAD_TOKEN)
        ApiToken.objects.filter(pk=row.pk).update(last_used_at=timezone.now())
        return row.user


class SessionAuth(APIKeyCookie):
    """The Django login session; a write through it must carry the CSRF token.

    Unlike ninja's own ``SessionAuth`` the CSRF check runs only once a session user is found, so
    an anonymous POST gets 401 (not logged in) rather than 403 (CSRF).
    """

    param_name = settings.SESSION_COOKIE_NAME

    def _get_key(self, request: HttpRequest) -> str | None:
        return request.COOKIES.get(self.param_name)

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        if self.csrf and not getattr(request, "_ninja_csrf_exempt", False) and check_csrf(request):
            raise HttpError(403, CSRF_FAILED)
        return user


API_AUTH = [BearerTokenAuth(), SessionAuth(csrf=True)]


def actor_of(request: HttpRequest) -> Any:
    """The user an authenticated API request acts as (set by whichever auth accepted it)."""
    return request.auth  # type: ignore[attr-defined]
