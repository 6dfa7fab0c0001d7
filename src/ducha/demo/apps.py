from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "ducha.demo"
    verbose_name = "演示县"
