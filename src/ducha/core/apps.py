from django.apps import AppConfig

from ducha.core.nav import NavEntry


class CoreConfig(AppConfig):
    """The ground floor every app shares (imports no other ducha app)."""

    name = "ducha.core"
    label = "core"
    verbose_name = "公共基础"

    def nav_entries(self) -> list[NavEntry]:
        return [NavEntry("后台任务", "core:jobs", 80, active=("core:",))]  # any logged-in user: their own jobs

    def ready(self) -> None:
        from ducha.core import checks  # noqa: F401  (registers the DUCHA_* settings checks)
