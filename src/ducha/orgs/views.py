"""Login and logout (Django's views with the Chinese, throttled login form)."""

from __future__ import annotations

from django.contrib.auth import views as auth_views

from ducha.orgs.forms import LoginForm


class LoginView(auth_views.LoginView):
    form_class = LoginForm
    template_name = "registration/login.html"
    redirect_authenticated_user = True
    extra_context = {"title": "登录"}


class LogoutView(auth_views.LogoutView):
    """POST only (Django 5); the page sends a small form from the navigation bar."""
