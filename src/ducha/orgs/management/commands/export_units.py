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
        data = build_units_workbook(units)
        try:
            path.write_bytes(data)
        except OSError as err:  # no such folder, no permission, disk full …
            raise CommandError(f"无法写入文件“{path}”：{_reason(err)}") from None
        self.stdout.write(f"已导出 {units.count()} 个单位到 {path}")


def _reason(err: OSError) -> str:
    if isinstance(err, FileNotFoundError):
        return f"文件夹“{Path(err.filename or '').parent}”不存在，请先创建该文件夹或换一个位置"
    if isinstance(err, PermissionError):
        return "没有写入该位置的权限"
    if isinstance(err, IsADirectoryError):
        return "这是一个文件夹，请给出文件名（如 单位.xlsx）"
    return err.strerror or "写入失败"
