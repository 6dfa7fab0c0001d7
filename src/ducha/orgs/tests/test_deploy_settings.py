"""Deployment settings: `check --deploy` clean over HTTPS, the CSP header, the trusted proxy, ALLOWED_HOSTS."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from ducha.orgs import checks

DEPLOY_WARNINGS = ["security.W004", "security.W008", "security.W012", "security.W016"]
CSP = {
    "default-src": "'self'", "script-src": "'self'", "style-src": "'self'", "img-src": "'self' data:",
    "object-src": "'none'", "frame-ancestors": "'none'", "base-uri": "'self'", "form-action": "'self'",
}


def check_deploy(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """`check --deploy` in a fresh process: the settings read DUCHA_* when they are imported."""
    environ = {k: v for k, v in os.environ.items()
               if (not k.startswith("DUCHA_") or k == "DUCHA_DATABASE_URL")
               and k != "DJANGO_ALLOW_ASYNC_UNSAFE"}  # set by the browser tests; never in a deployment
    environ.update(DJANGO_SETTINGS_MODULE="ducha.settings", DUCHA_HOME=str(tmp_path), **env)
    return subprocess.run([sys.executable, "-m", "django", "check", "--deploy", "--fail-level", "WARNING"],
                          env=environ, capture_output=True, text=True, timeout=120)


def test_check_deploy_reports_nothing_with_the_https_settings(tmp_path: Path) -> None:
    result = check_deploy(tmp_path, DUCHA_HTTPS="1", DUCHA_DEBUG="0", DUCHA_SECRET_KEY=secrets.token_urlsafe(64),
                          DUCHA_ALLOWED_HOSTS="ducha.wjw.local", DUCHA_TRUSTED_PROXIES="127.0.0.1")
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "System check identified no issues" in output
    assert "security." not in output and "ducha.W" not in output


def test_check_deploy_without_https_names_what_is_missing(tmp_path: Path) -> None:
    result = check_deploy(tmp_path, DUCHA_SECRET_KEY=secrets.token_urlsafe(64))
    output = result.stdout + result.stderr
    assert result.returncode != 0
    for warning in [*DEPLOY_WARNINGS, "ducha.W002"]:
        assert warning in output
    assert "未设置 DUCHA_ALLOWED_HOSTS" in output


def test_https_without_trusted_proxy_is_a_chinese_warning(settings: Any) -> None:
    settings.DUCHA_HTTPS = True
    settings.DUCHA_TRUSTED_PROXIES = []
    [warning] = checks.check_https_proxy()
    assert warning.id == "ducha.W001" and "DUCHA_TRUSTED_PROXIES" in warning.msg and "死循环" in warning.msg
    settings.DUCHA_TRUSTED_PROXIES = ["127.0.0.1"]
    assert checks.check_https_proxy() == []


def test_every_page_carries_the_content_security_policy(client: Client, db: Any) -> None:
    for url in ("/login/", "/api/docs", "/admin/login/"):
        header = client.get(url)["Content-Security-Policy"]
        directives = dict(part.strip().split(" ", 1) for part in header.split(";"))
        for name, value in CSP.items():
            assert directives[name] == value, (url, name)
        assert "unsafe" not in header


@pytest.fixture
def https_behind_proxy(settings: Any) -> None:
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    settings.SECURE_HSTS_SECONDS = 3600
    settings.DUCHA_TRUSTED_PROXIES = ["127.0.0.1"]


def test_forwarded_proto_is_believed_only_from_the_trusted_proxy(https_behind_proxy: None, db: Any) -> None:
    forged = Client().get("/login/", REMOTE_ADDR="10.7.7.7", HTTP_X_FORWARDED_PROTO="https")
    assert forged.status_code == 301 and forged["Location"] == "https://testserver/login/"
    proxied = Client().get("/login/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_PROTO="https")
    assert proxied.status_code == 200
    assert proxied["Strict-Transport-Security"] == "max-age=3600"


def test_health_check_answers_over_plain_http(https_behind_proxy: None) -> None:
    response = Client().get("/healthz", REMOTE_ADDR="127.0.0.1")
    assert response.status_code == 200 and response.content == b"ok"


def test_unknown_host_names_are_refused_by_default(client: Client, settings: Any) -> None:
    assert "*" not in settings.ALLOWED_HOSTS
    assert {"127.0.0.1", "localhost"} <= set(settings.ALLOWED_HOSTS)
    assert client.get("/healthz", HTTP_HOST="ducha.evil.example").status_code == 400
    assert client.get("/healthz", HTTP_HOST="localhost").status_code == 200


def test_serve_on_every_address_tells_to_set_allowed_hosts(settings: Any) -> None:
    settings.ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]"]
    hint = checks.allowed_hosts_hint("0.0.0.0")
    assert hint is not None and "DUCHA_ALLOWED_HOSTS" in hint
    assert checks.allowed_hosts_hint("127.0.0.1") is None
    settings.ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]", "10.1.2.3"]
    assert checks.allowed_hosts_hint("0.0.0.0") is None
