"""Start-up checks of the ``DUCHA_*`` settings (``ducha.E001``–``ducha.E013``).

Registered by ``CoreConfig.ready``; Django runs them before every management command (``ducha serve``,
``ducha check``, imports…), so a wrong type or an out-of-range value stops the command with a Chinese
message naming the setting instead of being ignored or failing later. Values that cannot even be parsed
from the environment (``DUCHA_LOGIN_MAX_FAILURES=abc``) are refused earlier, when ``settings.py`` is
imported. The data-quality thresholds (``DUCHA_QUALITY``) are checked by the quality app
(``ducha.quality.settings_checks``); every id is listed in docs/settings.md.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, register

TAG = "ducha"
DOCS = "见 docs/settings.md"
FLAGS = {"DEBUG": "DUCHA_DEBUG（DEBUG）", "DUCHA_HTTPS": "DUCHA_HTTPS",
         "DUCHA_SYSTEMATIC_MANAGEMENT_REQUIRES_42D": "DUCHA_SYSTEMATIC_MANAGEMENT_REQUIRES_42D",
         "DUCHA_RESULT_CACHE": "DUCHA_RESULT_CACHE"}


def is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and value == value


def setting_error(id_: str, name: str, value: Any, expected: str, hint: str) -> Error:
    return Error(f"设置 {name} 的值 {value!r} 不正确：{expected}", hint=f"{hint}（{DOCS}）", id=id_)


def _positive_int(id_: str, name: str, example: int) -> Callable[[], list[CheckMessage]]:
    def check() -> list[CheckMessage]:
        value = getattr(settings, name, example)
        if is_int(value) and value >= 1:
            return []
        return [setting_error(id_, name, value, "应为不小于 1 的整数",
                              f"把环境变量 {name} 设为正整数，如 {name}={example}")]

    return check


check_login_failures = _positive_int("ducha.E001", "DUCHA_LOGIN_MAX_FAILURES", 5)
check_lock_minutes = _positive_int("ducha.E003", "DUCHA_LOGIN_LOCK_MINUTES", 15)


def check_ip_failures() -> list[CheckMessage]:
    name, value = "DUCHA_LOGIN_IP_MAX_FAILURES", getattr(settings, "DUCHA_LOGIN_IP_MAX_FAILURES", 30)
    account = getattr(settings, "DUCHA_LOGIN_MAX_FAILURES", 5)
    hint = f"把环境变量 {name} 设为不小于 DUCHA_LOGIN_MAX_FAILURES 的整数，如 {name}=30"
    if not is_int(value) or value < 1:
        return [setting_error("ducha.E002", name, value, "应为不小于 1 的整数", hint)]
    if is_int(account) and value < account:
        return [setting_error("ducha.E002", name, value,
                              f"每个地址的上限不能低于每个账户的上限 DUCHA_LOGIN_MAX_FAILURES（{account}）", hint)]
    return []


def check_import_max_mb() -> list[CheckMessage]:
    name, value = "DUCHA_IMPORT_MAX_MB", getattr(settings, "DUCHA_IMPORT_MAX_MB", 20)
    if is_number(value) and 0 < value <= 10_000:
        return []
    return [setting_error("ducha.E004", name, value, "应为大于 0、不超过 10000 的数（单位 MB）",
                          f"把环境变量 {name} 设为文件大小上限的 MB 数，如 {name}=20")]


def check_trusted_proxies() -> list[CheckMessage]:
    name, value = "DUCHA_TRUSTED_PROXIES", getattr(settings, "DUCHA_TRUSTED_PROXIES", [])
    hint = f"{name} 只写反向代理的 IP 地址（逗号分隔，如 127.0.0.1,10.1.2.3），不写主机名或网段"
    if not isinstance(value, list | tuple):
        return [setting_error("ducha.E005", name, value, "应为 IP 地址的列表", hint)]
    bad = [p for p in value if not _is_ip(p)]
    if bad:
        return [Error(f"设置 {name} 中的“{'”“'.join(map(str, bad))}”不是 IP 地址：这样的项永远匹配不到请求",
                      hint=f"{hint}（{DOCS}）", id="ducha.E005")]
    return []


def _is_ip(value: Any) -> bool:
    try:
        ipaddress.ip_address(str(value))
    except ValueError:
        return False
    return True


def check_allowed_hosts() -> list[CheckMessage]:
    bad = [h for h in settings.ALLOWED_HOSTS if not isinstance(h, str) or not h or any(c in h for c in "/ \\@")]
    if not bad:
        return []
    return [Error(f"设置 DUCHA_ALLOWED_HOSTS（ALLOWED_HOSTS）中的“{'”“'.join(map(str, bad))}”不是主机名或地址",
                  hint="只写浏览器地址栏中的主机名或 IP 地址，不带 http:// 和路径，如 "
                       f"DUCHA_ALLOWED_HOSTS=ducha.wjw.local,10.1.2.3（{DOCS}）", id="ducha.E006")]


def check_csrf_origins() -> list[CheckMessage]:
    bad = [o for o in settings.CSRF_TRUSTED_ORIGINS
           if not isinstance(o, str) or not o.startswith(("http://", "https://")) or "/" in o.split("://", 1)[1]]
    if not bad:
        return []
    return [Error(f"设置 DUCHA_CSRF_TRUSTED_ORIGINS（CSRF_TRUSTED_ORIGINS）中的“{'”“'.join(map(str, bad))}”"
                  "不是带协议的来源",
                  hint=f"每项写成 协议://主机名[:端口]，不带路径，如 https://ducha.wjw.local（{DOCS}）",
                  id="ducha.E007")]


def check_flags() -> list[CheckMessage]:
    return [setting_error("ducha.E008", shown, getattr(settings, name), "应为 True 或 False",
                          f"{shown} 只能是布尔值；用环境变量设置时写 0 或 1")
            for name, shown in FLAGS.items() if not isinstance(getattr(settings, name, False), bool)]


def check_hsts_seconds() -> list[CheckMessage]:
    value = getattr(settings, "SECURE_HSTS_SECONDS", 0)
    if is_int(value) and value >= 0:
        return []
    return [setting_error("ducha.E009", "DUCHA_HSTS_SECONDS（SECURE_HSTS_SECONDS）", value,
                          "应为不小于 0 的整数（秒）", "把环境变量 DUCHA_HSTS_SECONDS 设为秒数，如 3600 或 31536000")]


def check_id_salt() -> list[CheckMessage]:
    value = getattr(settings, "DUCHA_ID_SALT", "")
    if isinstance(value, str):
        return []
    return [setting_error("ducha.E010", "DUCHA_ID_SALT", value, "应为字符串",
                          "DUCHA_ID_SALT 是身份证号散列的盐，写成一串文字；不设时由密钥派生")]


def check_data_dir() -> list[CheckMessage]:
    path = Path(settings.DATA_DIR)
    if not path.exists() or path.is_dir():
        return []
    return [Error(f"DUCHA_HOME 指向的“{path}”是一个文件，不是文件夹：数据库、密钥和静态文件无处存放",
                  hint=f"把 DUCHA_HOME 设为一个文件夹（不存在时 ducha migrate 会建立它）（{DOCS}）", id="ducha.E011")]


check_job_stale_seconds = _positive_int("ducha.E012", "DUCHA_JOB_STALE_SECONDS", 60)


def check_job_heartbeat() -> list[CheckMessage]:
    name, value = "DUCHA_JOB_HEARTBEAT_SECONDS", getattr(settings, "DUCHA_JOB_HEARTBEAT_SECONDS", 5)
    stale = getattr(settings, "DUCHA_JOB_STALE_SECONDS", 60)
    hint = f"把环境变量 {name} 设为小于 DUCHA_JOB_STALE_SECONDS 的正数，如 {name}=5"
    if not is_number(value) or value <= 0:
        return [setting_error("ducha.E013", name, value, "应为大于 0 的秒数", hint)]
    if is_number(stale) and value >= stale:
        return [setting_error("ducha.E013", name, value,
                              f"心跳间隔必须小于判定任务中断的时间 DUCHA_JOB_STALE_SECONDS（{stale}）", hint)]
    return []


CHECKS: list[Callable[[], list[CheckMessage]]] = [
    check_login_failures, check_ip_failures, check_lock_minutes, check_import_max_mb, check_trusted_proxies,
    check_allowed_hosts, check_csrf_origins, check_flags, check_hsts_seconds, check_id_salt, check_data_dir,
    check_job_stale_seconds, check_job_heartbeat,
]


@register(TAG)
def check_ducha_settings(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """Every ``DUCHA_*`` setting other than ``DUCHA_QUALITY``: one list of errors, all at once."""
    return [message for check in CHECKS for message in check()]
