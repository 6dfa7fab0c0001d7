from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "ducha.audit"
    verbose_name = "审计日志"

    def ready(self) -> None:
        from ducha.audit.generation import STAMP_SQL, data_generation
        from ducha.core.results import set_stamp_provider

        set_stamp_provider(data_generation, sql=STAMP_SQL)
