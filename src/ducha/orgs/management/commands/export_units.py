"""``ducha export-units FILE``: write the org-unit list to .xlsx (the format ``import-units`` reads)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ducha.orgs.excel import build_units_workbook
from ducha.orgs.models import OrgUnit


class Command(BaseCommand):
    help = "把组织机构导出为 Excel 文件（可修改后用 import-units 导入）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="输出文件（.xlsx）")
        parser.add_argument("--root", default=None, help="只导出该编码单位及其下级")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        if path.suffix.lower() != ".xlsx":
            raise CommandError("输出文件的扩展名应为 .xlsx")
        units = OrgUnit.objects.select_related("parent").order_by("path")
        if options["root"]:
            root = OrgUnit.objects.filter(code=options["root"]).first()
            if root is None:
                raise CommandError(f"没有编码为“{options['root']}”的单位")
            units = units.filter(path__startswith=root.path)
        path.write_bytes(build_units_workbook(units))
        self.stdout.write(f"已导出 {units.count()} 个单位到 {path}")
