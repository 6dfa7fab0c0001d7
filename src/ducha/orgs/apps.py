from django.apps import AppConfig

from ducha.core.nav import NavEntry


class OrgsConfig(AppConfig):
    name = "ducha.orgs"
    verbose_name = "组织机构与用户"
    audit_actions = {"create_unit": "新建单位", "update_unit": "修改单位", "create_user": "新建用户",
                     "issue_token": "签发 API 令牌"}

    def nav_entries(self) -> list[NavEntry]:
        from ducha.orgs.selectors import sees_admin

        return [NavEntry("系统管理", "admin:index", 90, sees_admin, active=("admin:",))]

    def ready(self) -> None:
        from ducha.orgs import checks  # noqa: F401  (registers the deployment checks)
