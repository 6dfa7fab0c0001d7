"""Deployment checks (``ducha check --deploy``) for the settings only ducha has.

Registered by ``OrgsConfig.ready``. Django's own ``--deploy`` checks cover cookies, HSTS and the redirect;
these say, in Chinese, what Django cannot know: the proxy and host settings an intranet install needs.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Tags, register
from django.core.checks import Warning as CheckWarning

WILDCARD_HOSTS = {"0.0.0.0", "::", "[::]"}
LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "[::1]"}
ALLOWED_HOSTS_HINT = (
    "未设置 DUCHA_ALLOWED_HOSTS：只有通过 127.0.0.1 或 localhost 访问的请求会被接受，其他地址或主机名一律返回 400。"
    "在内网直接提供服务时请设置，如 DUCHA_ALLOWED_HOSTS=10.1.2.3,ducha.wjw.local（见 docs/settings.md）。"
)


def only_loopback_allowed() -> bool:
    return set(settings.ALLOWED_HOSTS) <= LOOPBACK_HOSTS


def allowed_hosts_hint(host: str) -> str | None:
    """What ``ducha serve --host`` should tell the administrator before listening on every address."""
    return ALLOWED_HOSTS_HINT if host in WILDCARD_HOSTS and only_loopback_allowed() else None


@register(Tags.security, deploy=True)
def check_https_proxy(app_configs: Any = None, **kwargs: Any) -> list[CheckWarning]:
    if settings.DUCHA_HTTPS and not settings.DUCHA_TRUSTED_PROXIES:
        return [CheckWarning(
            "DUCHA_HTTPS=1 但未设置 DUCHA_TRUSTED_PROXIES：ducha 不会采信 nginx 传来的 X-Forwarded-Proto，"
            "会把每个请求都当作 HTTP 重定向到 HTTPS（死循环）。请设置 DUCHA_TRUSTED_PROXIES=127.0.0.1（nginx 的地址）。",
            id="ducha.W001")]
    return []


@register(Tags.security, deploy=True)
def check_allowed_hosts(app_configs: Any = None, **kwargs: Any) -> list[CheckWarning]:
    if only_loopback_allowed():
        return [CheckWarning(ALLOWED_HOSTS_HINT, id="ducha.W002")]
    return []
