from django.apps import AppConfig

from ducha.core.nav import NavEntry


class IndicatorsConfig(AppConfig):
    name = "ducha.indicators"
    verbose_name = "指标与任务"

    def nav_entries(self) -> list[NavEntry]:
        from ducha.orgs.selectors import has_default_unit  # the pages open on the actor's default unit

        return [NavEntry("首页", "home", 10, has_default_unit),
                NavEntry("指标", "indicator_list", 40, has_default_unit)]
