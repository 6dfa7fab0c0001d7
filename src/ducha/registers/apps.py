from django.apps import AppConfig


class RegistersConfig(AppConfig):
    name = "ducha.registers"
    verbose_name = "个案登记"
