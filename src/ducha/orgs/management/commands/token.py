"""``ducha token USERNAME [--name NAME]``: issue an API token and print it once."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from ducha.orgs.actions import issue_api_token


class Command(BaseCommand):
    help = "为用户签发一个 API 令牌并打印（只显示这一次，库中只存摘要）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username", help="用户名")
        parser.add_argument("--name", default="命令行", help="令牌名称，便于日后辨认（默认“命令行”）")

    def handle(self, *args: Any, username: str, name: str, **options: Any) -> None:
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"用户“{username}”不存在")
        if not user.is_active:
            raise CommandError(f"用户“{username}”已停用，不能签发令牌")
        raw = issue_api_token(actor=None, user=user, name=name.strip() or "命令行")
        self.stdout.write(raw)
        self.stderr.write(f"已为 {username} 签发 API 令牌“{name}”。请妥善保存，它不会再次显示；"
                          f"使用方法：Authorization: Bearer {raw[:8]}…")
