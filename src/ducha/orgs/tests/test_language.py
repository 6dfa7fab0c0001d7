"""The product is Chinese whatever language the browser asks for (forms, errors, the admin)."""

from __future__ import annotations

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

ENGLISH = ["This field is required", "Please enter a correct", "Log in", "Enter a whole number", "Save"]
BROWSERS = ["en", "en-US,en;q=0.9", "fr-FR", "zh-TW"]


@pytest.mark.parametrize("accept", BROWSERS)
def test_admin_form_errors_are_chinese_for_any_browser_language(accept: str, mini_county) -> None:
    mini_county.admin.is_staff = mini_county.admin.is_superuser = True
    mini_county.admin.save()
    client = Client(HTTP_ACCEPT_LANGUAGE=accept)
    client.force_login(mini_county.admin)
    response = client.post("/admin/auth/user/add/", {"username": "", "password1": "", "password2": ""})
    page = response.content.decode()
    assert "这个字段是必填项" in page
    assert not [w for w in ENGLISH if w in page]
    assert response.headers.get("Content-Language", "zh-hans") == "zh-hans"


@pytest.mark.parametrize("accept", BROWSERS)
def test_admin_login_is_chinese_for_any_browser_language(accept: str) -> None:
    page = Client(HTTP_ACCEPT_LANGUAGE=accept).get("/admin/login/").content.decode()
    assert "登录" in page and not [w for w in ENGLISH if w in page]
