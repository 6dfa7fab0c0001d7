"""Login page (Chinese) and its throttling: locked after repeated failures, even for the right password."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from ducha.conftest import PASSWORD, MiniCounty
from ducha.orgs.models import LoginFailure

LOCKED = "登录失败次数过多"
WRONG = "用户名或密码不正确"


@pytest.fixture(autouse=True)
def three_failures(settings: Any) -> None:
    settings.DUCHA_LOGIN_MAX_FAILURES = 3
    settings.DUCHA_LOGIN_LOCK_MINUTES = 15


def login(client: Client, username: str, password: str, ip: str = "10.0.0.1") -> Any:
    return client.post("/login/", {"username": username, "password": password}, REMOTE_ADDR=ip)


def logged_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def test_login_page_is_chinese(client: Client, mini_county: MiniCounty) -> None:
    response = client.get("/login/")
    html = response.content.decode()
    assert response.status_code == 200
    assert '<meta charset="utf-8">' in html
    assert "用户登录" in html and "用户名" in html and "密码" in html


def test_right_password_logs_in_and_goes_home(client: Client, mini_county: MiniCounty) -> None:
    response = login(client, "inspector1", PASSWORD)
    assert response.status_code == 302 and response["Location"] == "/"
    assert logged_in(client)
    assert client.get("/login/").status_code == 302  # already logged in: straight on


def test_wrong_password_is_refused_in_chinese_and_counted(client: Client, mini_county: MiniCounty) -> None:
    response = login(client, "inspector1", "wrong-password")
    assert response.status_code == 200
    assert WRONG in response.content.decode()
    assert not logged_in(client)
    assert list(LoginFailure.objects.values_list("username", "client_ip")) == [("inspector1", "10.0.0.1")]


def test_locked_after_max_failures_even_with_right_password(client: Client, mini_county: MiniCounty) -> None:
    for _ in range(3):
        login(client, "officer_a", "wrong-password")
    response = login(client, "officer_a", PASSWORD, ip="10.0.0.2")  # another address: the username is locked
    assert response.status_code == 200
    assert LOCKED in response.content.decode() and "15 分钟" in response.content.decode()
    assert not logged_in(client)
    assert LoginFailure.objects.filter(username="officer_a").count() == 3  # refused attempts do not extend it


def test_username_case_does_not_escape_the_lock(client: Client, mini_county: MiniCounty) -> None:
    for name in ("Officer_A", "OFFICER_A", "officer_a"):
        login(client, name, "wrong-password", ip=f"10.0.1.{len(name)}")
    response = login(client, "officer_a", PASSWORD, ip="10.0.2.1")
    assert LOCKED in response.content.decode()
    assert not logged_in(client)


def test_locked_client_address_refuses_every_username(client: Client, mini_county: MiniCounty) -> None:
    for name in ("nobody1", "nobody2", "nobody3"):
        login(client, name, "guess", ip="10.9.9.9")
    response = login(client, "inspector1", PASSWORD, ip="10.9.9.9")
    assert LOCKED in response.content.decode()
    assert not logged_in(client)
    assert logged_in_elsewhere(mini_county)


def logged_in_elsewhere(mini_county: MiniCounty) -> bool:
    other = Client()
    login(other, "inspector1", PASSWORD, ip="10.9.9.10")
    return logged_in(other)


def test_lock_ends_when_failures_leave_the_window(client: Client, mini_county: MiniCounty) -> None:
    for _ in range(3):
        login(client, "officer_b", "wrong-password")
    LoginFailure.objects.update(at=timezone.now() - timedelta(minutes=16))
    response = login(client, "officer_b", PASSWORD)
    assert response.status_code == 302
    assert logged_in(client)


def test_success_clears_that_usernames_failures(client: Client, mini_county: MiniCounty) -> None:
    login(client, "leader1", "wrong-1")
    login(client, "leader1", "wrong-2")
    login(client, "officer_b", "wrong-3", ip="10.0.0.9")
    assert login(client, "leader1", PASSWORD).status_code == 302
    assert not LoginFailure.objects.filter(username="leader1").exists()
    assert LoginFailure.objects.filter(username="officer_b").count() == 1


def test_empty_password_neither_counts_nor_clears(client: Client, mini_county: MiniCounty) -> None:
    login(client, "leader1", "wrong-1")
    login(client, "leader1", "wrong-2")
    response = login(client, "leader1", "")
    assert "请输入密码" in response.content.decode()
    assert LoginFailure.objects.filter(username="leader1").count() == 2
    login(client, "leader1", "wrong-3")
    assert LOCKED in login(client, "leader1", PASSWORD).content.decode()


def test_logout_needs_post(client: Client, mini_county: MiniCounty) -> None:
    client.force_login(mini_county.inspector)
    assert client.get("/logout/").status_code == 405
    assert logged_in(client)
    response = client.post("/logout/")
    assert response.status_code == 302 and response["Location"] == "/login/"
    assert not logged_in(client)


def test_pages_need_login(client: Client, mini_county: MiniCounty) -> None:
    response = client.get("/indicators/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=")


def test_forwarded_for_is_believed_only_from_trusted_proxies(settings: Any) -> None:
    from django.test import RequestFactory

    from ducha.orgs.throttle import client_ip

    request = RequestFactory().get("/", HTTP_X_FORWARDED_FOR="6.6.6.6, 10.1.2.3", REMOTE_ADDR="127.0.0.1")
    settings.DUCHA_TRUSTED_PROXIES = []
    assert client_ip(request) == "127.0.0.1"
    settings.DUCHA_TRUSTED_PROXIES = ["127.0.0.1"]
    assert client_ip(request) == "10.1.2.3"
