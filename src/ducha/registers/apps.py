from django.apps import AppConfig

from ducha.core.nav import NavEntry


class RegistersConfig(AppConfig):
    name = "ducha.registers"
    verbose_name = "个案登记"
    audit_actions = {"create_record": "新建手册", "update_record": "修改手册", "create_event": "新增检查/访视",
                     "update_event": "修改检查/访视", "import": "导入个案登记", "update_by_import": "导入更新个案登记"}

    def nav_entries(self) -> list[NavEntry]:
        return [NavEntry("个案登记", "registers:list", 60, active=("registers:",))]  # any logged-in user
