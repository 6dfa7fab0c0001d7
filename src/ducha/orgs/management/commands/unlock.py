"""``ducha unlock [用户名] [--ip 地址]``: lift a login lock before its window has passed."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ducha.orgs import throttle


class Command(BaseCommand):
    help = "解除登录锁定：清除某个用户名和/或某个客户端地址的登录失败记录"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username", nargs="?", help="用户名（不区分大小写）")
        parser.add_argument("--ip", help="客户端地址，如 10.1.2.3（同一地址失败过多时使用）")

    def handle(self, *args: Any, username: str | None, ip: str | None, **options: Any) -> None:
        if not username and not ip:
            raise CommandError("请给出要解锁的用户名，或用 --ip 给出客户端地址")
        if ip and throttle.ip_or_none(ip) is None:
            raise CommandError(f"“{ip}”不是有效的 IP 地址")
        removed = throttle.unlock(username=username, ip=ip)
        what = "、".join(part for part in (f"用户 {username}" if username else "", f"地址 {ip}" if ip else "") if part)
        self.stdout.write(f"已解锁{what}：清除 {removed} 次登录失败记录")
