from django.apps import AppConfig


class QualityConfig(AppConfig):
    name = "ducha.quality"
    verbose_name = "数据质量"
