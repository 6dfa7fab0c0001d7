from django.apps import AppConfig

from ducha.core.nav import NavEntry


class ReportingConfig(AppConfig):
    name = "ducha.reporting"
    verbose_name = "常规报表"
    audit_actions = {"save_report": "保存月报", "set_unit_data_sets": "设置报送报表",
                     "approve_period": "审核通过（数据审核）", "unapprove_period": "取消审核（数据审核）"}
    audit_objects = {"Report": "月报"}

    def ready(self) -> None:
        from ducha.orgs.unit_columns import register_unit_column
        from ducha.reporting.unit_data_sets import data_sets_column

        register_unit_column(data_sets_column())  # 报送数据集 in ducha import-units / export-units

    def nav_entries(self) -> list[NavEntry]:
        from ducha.orgs.selectors import can_write, has_default_unit
        from ducha.reporting.selectors import has_entry_units

        return [NavEntry("数据填报", "reporting:entry", 20, has_entry_units),
                NavEntry("报送情况", "reporting:status", 30, has_default_unit),
                NavEntry("Excel 模板/导入", "reporting_excel:upload", 50, can_write, active=("reporting_excel:",)),
                NavEntry("报送单位", "reporting:unit_data_sets", 85, has_default_unit)]
