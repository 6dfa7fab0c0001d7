from django.apps import AppConfig

from ducha.core.nav import NavEntry


class QualityConfig(AppConfig):
    name = "ducha.quality"
    verbose_name = "数据质量"
    audit_actions = {"scan": "运行数据质量检查"}

    def nav_entries(self) -> list[NavEntry]:
        from ducha.orgs.selectors import has_default_unit

        return [NavEntry("数据质量", "quality:home", 70, has_default_unit, active=("quality:",))]

    def ready(self) -> None:
        from ducha.quality import (
            jobs,
            settings_checks,  # noqa: F401  (registers the DUCHA_QUALITY checks)
        )

        jobs.register()  # the "quality.scan" background job (ducha.core.jobs)
