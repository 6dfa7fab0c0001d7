from django.apps import AppConfig


class IndicatorsConfig(AppConfig):
    name = "ducha.indicators"
    verbose_name = "指标与任务"
