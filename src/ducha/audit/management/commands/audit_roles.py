"""``ducha audit-roles --print-sql``: the SQL that keeps the application's role from owning the audit log."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ducha.audit.roles import create_roles_sql, grants_sql


class Command(BaseCommand):
    help = "打印 PostgreSQL 角色与权限的 SQL：应用角色对审计日志只能查询和追加（见 docs/deployment-postgresql.md）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--print-sql", action="store_true", help="把 SQL 打印到标准输出（交给 psql 执行）")
        parser.add_argument("--owner", default="ducha_owner", help="属主角色：拥有数据库和表，执行迁移（默认 ducha_owner）")
        parser.add_argument("--app", default="ducha_app", help="应用角色：DUCHA_DATABASE_URL 使用的角色（默认 ducha_app）")
        parser.add_argument("--database", default="ducha", help="数据库名（默认 ducha）")
        part = parser.add_mutually_exclusive_group()
        part.add_argument("--roles-only", action="store_true", help="只打印第 1 部分（超级用户执行一次：角色和数据库）")
        part.add_argument("--grants-only", action="store_true", help="只打印第 2 部分（每次 migrate 之后由属主执行）")

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["print_sql"]:
            raise CommandError("请加 --print-sql：本命令只打印 SQL，不连接数据库执行。"
                               "用法见 docs/deployment-postgresql.md")
        try:
            parts = []
            if not options["grants_only"]:
                parts.append(create_roles_sql(owner=options["owner"], app=options["app"], database=options["database"]))
            if not options["roles_only"]:
                parts.append(grants_sql(owner=options["owner"], app=options["app"]))
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write("\n".join(parts), ending="")
