from django.apps import AppConfig


class OrgsConfig(AppConfig):
    name = "ducha.orgs"
    verbose_name = "组织机构与用户"

    def ready(self) -> None:
        from ducha.orgs import checks  # noqa: F401  (registers the deployment checks)
