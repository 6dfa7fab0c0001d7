"""``ducha import-units FILE``: create or update org units from an .xlsx/.csv list, all or nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from ducha.core.excel_io import ImportFileError
from ducha.orgs.excel import cli_console, import_units, read_units_workbook, resolve_cli_actor
from ducha.orgs.import_cli import print_problems


class Command(BaseCommand):
    help = "从 Excel/CSV 导入组织机构（编码、名称、简称、类型、上级编码、服务人口、启用日期、撤销日期）；有问题则全部不导入"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="组织机构文件（.xlsx 或 .csv）")
        parser.add_argument("--user", default=None, help="操作人用户名（默认第一个超级用户或系统管理员）")

    def handle(self, *args: Any, **options: Any) -> None:
        console = cli_console(self.stdout)
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"找不到文件“{path}”")
        try:
            actor = resolve_cli_actor(options["user"])
            rows = read_units_workbook(path, actor=actor, file_label=path.name)
            result = import_units(actor=actor, rows=rows)
        except LookupError as err:
            raise CommandError(str(err)) from None
        except ImportFileError as err:
            raise CommandError(print_problems(console, err)) from None
        except ValidationError as err:
            raise CommandError(f"导入失败，已全部撤销：{'；'.join(err.messages)}") from None
        console.print(f"导入完成（操作人 {actor.username}）：新建 {len(result.created)} 个，修改 {len(result.updated)} 个，"
                      f"未变 {len(result.unchanged)} 个单位")
