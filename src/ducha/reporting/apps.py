from django.apps import AppConfig


class ReportingConfig(AppConfig):
    name = "ducha.reporting"
    verbose_name = "常规报表"
