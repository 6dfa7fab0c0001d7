"""One login throttle (django-axes) for the login page and the admin login: per account and per address."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import get_user_model
from django.db.models import Sum
from django.test import Client
from django.utils import timezone

from ducha.conftest import PASSWORD, MiniCounty

LOCKED = "登录失败次数过多，已暂时锁定，请 15 分钟后再试"
WRONG = "用户名或密码不正确"


@pytest.fixture(autouse=True)
def small_limits(settings: Any) -> None:
    settings.DUCHA_LOGIN_MAX_FAILURES = 3
    settings.DUCHA_LOGIN_IP_MAX_FAILURES = 6
    settings.DUCHA_LOGIN_LOCK_MINUTES = 15


@pytest.fixture
def root(db: Any) -> Any:
    return get_user_model().objects.create_superuser("root", password=PASSWORD)


def login(client: Client, username: str, password: str, ip: str = "10.0.0.1", url: str = "/login/") -> Any:
    return client.post(url, {"username": username, "password": password}, REMOTE_ADDR=ip)


def admin_login(client: Client, username: str, password: str, ip: str = "10.0.0.1") -> Any:
    return login(client, username, password, ip, url="/admin/login/?next=/admin/")


def logged_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def counted(**filters: Any) -> int:
    return int(AccessAttempt.objects.filter(**filters).aggregate(n=Sum("failures_since_start"))["n"] or 0)


def is_locked_page(response: Any) -> bool:
    return response.status_code == 429 and LOCKED in response.content.decode()


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
    assert list(AccessAttempt.objects.values_list("username", "ip_address", "failures_since_start")) == [
        ("inspector1", "10.0.0.1", 1)]


def test_locked_after_max_failures_even_with_right_password(client: Client, mini_county: MiniCounty) -> None:
    login(client, "officer_a", "wrong-1")
    login(client, "officer_a", "wrong-2")
    assert is_locked_page(login(client, "officer_a", "wrong-3"))  # the failure that locks already says so
    right = login(client, "officer_a", PASSWORD, ip="10.0.0.2")  # another address: the account is locked
    wrong = login(Client(), "officer_a", "wrong-4", ip="10.0.0.3")
    assert is_locked_page(right) and is_locked_page(wrong)
    assert right.content == wrong.content  # the answer does not tell whether the password was right
    assert not logged_in(client)
    assert counted(username="officer_a") == 3  # refused attempts do not extend the lock


def test_username_case_and_spaces_do_not_escape_the_lock(client: Client, mini_county: MiniCounty) -> None:
    for n, name in enumerate(("Officer_A", "OFFICER_A ", "officer_a")):
        login(client, name, "wrong-password", ip=f"10.0.1.{n}")
    assert is_locked_page(login(client, "officer_a", PASSWORD, ip="10.0.2.1"))
    assert not logged_in(client)


def test_lock_via_login_page_refuses_the_admin_login(client: Client, mini_county: MiniCounty, root: Any) -> None:
    for n in range(3):
        login(client, "root", f"guess-{n}")
    response = admin_login(client, "root", PASSWORD, ip="10.0.0.7")
    assert is_locked_page(response)
    assert not logged_in(client)
    assert client.get("/admin/").status_code == 302


def test_lock_via_admin_login_refuses_the_login_page(client: Client, mini_county: MiniCounty, root: Any) -> None:
    for n in range(3):
        response = admin_login(client, "root", f"guess-{n}")
    assert is_locked_page(response)
    assert is_locked_page(login(client, "root", PASSWORD, ip="10.0.0.8"))
    assert is_locked_page(admin_login(client, "root", PASSWORD, ip="10.0.0.8"))
    assert not logged_in(client)


def test_admin_login_works_when_not_locked(client: Client, mini_county: MiniCounty, root: Any) -> None:
    admin_login(client, "root", "guess")
    response = admin_login(client, "root", PASSWORD)
    assert response.status_code == 302 and response["Location"] == "/admin/"
    assert logged_in(client)
    assert counted(username="root") == 0  # success clears the account's failures


def test_one_users_mistakes_on_a_shared_address_do_not_lock_colleagues(
        client: Client, mini_county: MiniCounty) -> None:
    nat = "10.9.9.9"  # a township health centre behind one address
    for n in range(3):
        login(client, "officer_a", f"typo-{n}", ip=nat)
    assert is_locked_page(login(client, "officer_a", PASSWORD, ip=nat))
    colleague = Client()
    assert login(colleague, "inspector1", PASSWORD, ip=nat).status_code == 302
    assert logged_in(colleague)


def test_address_is_locked_at_its_own_higher_limit(client: Client, mini_county: MiniCounty) -> None:
    nat = "10.9.9.9"
    for name in ("nobody1", "nobody2", "nobody3", "nobody4", "nobody5"):
        assert login(client, name, "guess", ip=nat).status_code == 200  # 5 < 6: every account still answers
    assert is_locked_page(login(client, "nobody6", "guess", ip=nat))
    assert is_locked_page(login(client, "inspector1", PASSWORD, ip=nat))
    assert is_locked_page(admin_login(client, "inspector1", PASSWORD, ip=nat))
    assert not logged_in(client)
    elsewhere = Client()
    assert login(elsewhere, "inspector1", PASSWORD, ip="10.9.9.10").status_code == 302


def test_forged_forwarded_for_does_not_dodge_the_address_lock(client: Client, mini_county: MiniCounty) -> None:
    for n in range(6):
        client.post("/login/", {"username": f"nobody{n}", "password": "guess"}, REMOTE_ADDR="10.5.5.5",
                    HTTP_X_FORWARDED_FOR=f"192.0.2.{n}")
    response = client.post("/login/", {"username": "inspector1", "password": PASSWORD}, REMOTE_ADDR="10.5.5.5",
                           HTTP_X_FORWARDED_FOR="192.0.2.200")
    assert is_locked_page(response)
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"10.5.5.5"}


def test_lock_ends_when_the_window_has_passed(client: Client, mini_county: MiniCounty) -> None:
    for n in range(3):
        login(client, "officer_b", f"wrong-{n}")
    assert is_locked_page(login(client, "officer_b", PASSWORD))
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=14))
    assert is_locked_page(login(client, "officer_b", PASSWORD))  # still inside the window
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=16))
    response = login(client, "officer_b", PASSWORD)
    assert response.status_code == 302
    assert logged_in(client)


def test_success_clears_only_that_usernames_failures(client: Client, mini_county: MiniCounty) -> None:
    login(client, "leader1", "wrong-1")
    login(client, "leader1", "wrong-2")
    login(client, "officer_b", "wrong-3")  # same address, another account
    assert login(client, "leader1", PASSWORD).status_code == 302
    assert counted(username="leader1") == 0
    assert counted(username="officer_b") == 1
    assert counted(ip_address="10.0.0.1") == 1


def test_empty_password_neither_counts_nor_clears(client: Client, mini_county: MiniCounty) -> None:
    login(client, "leader1", "wrong-1")
    login(client, "leader1", "wrong-2")
    response = login(client, "leader1", "")
    assert "请输入密码" in response.content.decode()
    assert counted(username="leader1") == 2
    login(client, "leader1", "wrong-3")
    assert is_locked_page(login(client, "leader1", PASSWORD))


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
    garbage = RequestFactory().get("/", HTTP_X_FORWARDED_FOR="not-an-address", REMOTE_ADDR="127.0.0.1")
    assert client_ip(garbage) == "127.0.0.1"  # never stored as an address (PostgreSQL would refuse it)


def test_unlock_command_lifts_an_account_lock_in_chinese(client: Client, mini_county: MiniCounty) -> None:
    from io import StringIO

    from django.core.management import CommandError, call_command

    for n in range(3):
        login(client, "officer_a", f"typo-{n}")
    login(client, "officer_b", "typo")
    out = StringIO()
    call_command("unlock", "Officer_A", stdout=out)
    assert out.getvalue().strip() == "已解锁用户 Officer_A：清除 3 次登录失败记录"
    assert login(client, "officer_a", PASSWORD).status_code == 302
    assert counted(username="officer_b") == 1  # other accounts keep their failures
    with pytest.raises(CommandError, match="不是有效的 IP 地址"):
        call_command("unlock", ip="10.0.0.999")
    with pytest.raises(CommandError, match="请给出要解锁的用户名"):
        call_command("unlock")
