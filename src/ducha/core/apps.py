from django.apps import AppConfig


class CoreConfig(AppConfig):
    """The ground floor every app shares (imports no other ducha app)."""

    name = "ducha.core"
    label = "core"
    verbose_name = "公共基础"
