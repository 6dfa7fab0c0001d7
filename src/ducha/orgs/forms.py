"""The login form: Django's authentication with Chinese messages.

Throttling is not here: django-axes (``ducha.orgs.throttle``) guards ``authenticate()`` itself, so this
form and the admin's login form are locked alike.
"""

from __future__ import annotations

from django import forms
from django.contrib.auth.forms import AuthenticationForm


class LoginForm(AuthenticationForm):
    username = forms.CharField(
        label="用户名", max_length=150,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username", "autocapitalize": "none"}),
        error_messages={"required": "请输入用户名"},
    )
    password = forms.CharField(
        label="密码", strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        error_messages={"required": "请输入密码"},
    )
    error_messages = {
        "invalid_login": "用户名或密码不正确（区分大小写），请重新输入。",
        "inactive": "该账户已停用，请联系系统管理员。",
    }

