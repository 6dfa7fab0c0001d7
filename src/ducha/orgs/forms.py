"""The login form: Django's authentication with Chinese messages and throttling (``throttle``)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError

from ducha.orgs import throttle


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
        "locked": "登录失败次数过多，已暂时锁定，请 %(minutes)s 分钟后再试或联系系统管理员。",
    }

    def clean(self) -> dict[str, Any]:
        username = self.cleaned_data.get("username") or ""
        ip = throttle.client_ip(self.request)
        if throttle.is_locked(username=username, ip=ip):
            raise ValidationError(self.error_messages["locked"], code="locked",
                                  params={"minutes": settings.DUCHA_LOGIN_LOCK_MINUTES})
        try:
            cleaned = super().clean()
        except ValidationError:
            if username:
                throttle.record_failure(username=username, ip=ip)
            raise
        if self.user_cache is not None:
            throttle.clear_failures(username=username)
        return cleaned
