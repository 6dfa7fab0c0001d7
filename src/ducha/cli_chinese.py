"""Chinese throughout the ``ducha`` console script: help, usage, argument errors, unknown commands.

argparse and Django's ``BaseCommand`` write their own words in English (``usage:``, ``show this help
message and exit``, ``Verbosity level…``). ``install()`` gives argparse a Chinese catalogue (argparse looks
its words up through the module-level ``_``/``ngettext``) and rewrites the help of the options Django adds
to every command; ``main_help()`` is the Chinese answer to ``ducha help``.
"""

from __future__ import annotations

import argparse
import difflib
import re
from typing import Any

ARGPARSE_WORDS = {
    "usage: ": "用法：",
    "options": "选项",
    "positional arguments": "位置参数",
    "show this help message and exit": "显示本帮助并退出",
    "%(prog)s: error: %(message)s\n": "%(prog)s：错误：%(message)s\n",
    "the following arguments are required: %s": "缺少必需的参数：%s",
    "unrecognized arguments: %s": "无法识别的参数：%s",
    "invalid choice: %(value)r (choose from %(choices)s)": "无效的选项值 %(value)r（可选：%(choices)s）",
    "argument %(argument_name)s: %(message)s": "参数 %(argument_name)s：%(message)s",
    "expected one argument": "需要一个值",
    "expected at least one argument": "至少需要一个值",
    "expected at most one argument": "至多一个值",
    "invalid %(type)s value: %(value)r": "无效的 %(type)s 值：%(value)r",
    "ambiguous option: %(option)s could match %(matches)s": "选项 %(option)s 不明确，可能是 %(matches)s",
    "not allowed with argument %s": "不能与参数 %s 同时使用",
    "one of the arguments %s is required": "参数 %s 必须给出其中之一",
    "ignored explicit argument %r": "忽略了多余的值 %r",
}
PLURAL_WORDS = {"expected %s argument": "需要 %s 个值"}

# The options Django's BaseCommand adds to every command.
DJANGO_OPTION_HELP = {
    "version": "显示版本号并退出",
    "verbosity": "输出详细程度：0 最少，1 正常，2 详细，3 非常详细",
    "settings": "设置模块的 Python 路径（默认读取环境变量 DJANGO_SETTINGS_MODULE，通常无需指定）",
    "pythonpath": "加入 Python 路径的目录（通常无需指定）",
    "traceback": "出错时显示完整的调用栈（供开发人员排查）",
    "no_color": "输出不使用颜色",
    "force_color": "强制输出使用颜色",
    "skip_checks": "跳过系统检查",
    "help": "显示本帮助并退出",
}

# Django's own commands that a ducha administrator uses, with what they do.
DJANGO_COMMANDS = {
    "migrate": "创建或升级数据库表（新安装或升级后运行）",
    "createsuperuser": "创建系统管理员账户",
    "changepassword": "修改用户密码",
    "check": "检查设置和部署配置",
    "showmigrations": "列出数据库迁移及其是否已执行",
    "dbshell": "打开数据库命令行",
    "shell": "打开 Python 交互环境（开发人员）",
    "collectstatic": "收集静态文件（部署时）",
    "dumpdata": "导出数据为 JSON（开发人员）",
    "loaddata": "从 JSON 载入数据（开发人员）",
}


# Django's frame around system-check messages (the messages themselves are ducha's Chinese ones).
CHECK_WORDS = [
    ("SystemCheckError: System check identified some issues:", "系统检查发现问题，命令未执行："),
    ("System check identified some issues:", "系统检查发现问题："),
    ("System check identified no issues", "系统检查未发现问题"),
    ("CRITICALS:", "严重错误："), ("ERRORS:", "错误："), ("WARNINGS:", "警告："), ("INFOS:", "提示："),
    ("HINT:", "处理办法："),
]
CHECK_COUNT = re.compile(r"System check identified (\d+) issues? \((\d+) silenced\)\.")
NO_ISSUES = re.compile(r"系统检查未发现问题 \((\d+) silenced\)\.")


def translate_check_output(text: str) -> str:
    for english, chinese in CHECK_WORDS:
        text = text.replace(english, chinese)
    text = CHECK_COUNT.sub(lambda m: f"系统检查发现 {m[1]} 个问题（{m[2]} 个已忽略）。", text)
    return NO_ISSUES.sub(lambda m: f"系统检查未发现问题（{m[1]} 个已忽略）。", text)


class _TranslatingWriter:
    def __init__(self, wrapped: Any) -> None:
        self._wrapped = wrapped

    def write(self, msg: str = "", style_func: Any = None, ending: str | None = None) -> None:
        self._wrapped.write(translate_check_output(msg), style_func, ending)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._wrapped, name)


def _install_check_words() -> None:
    from django.core.management.base import BaseCommand, SystemCheckError

    check = BaseCommand.check

    def chinese_check(self: BaseCommand, *args: Any, **kwargs: Any) -> None:
        out, err = self.stdout, self.stderr
        self.stdout, self.stderr = _TranslatingWriter(out), _TranslatingWriter(err)  # type: ignore[assignment]
        try:
            check(self, *args, **kwargs)
        except SystemCheckError as exc:
            raise SystemCheckError(translate_check_output(str(exc))) from exc
        finally:
            self.stdout, self.stderr = out, err

    BaseCommand.check = chinese_check  # type: ignore[method-assign]


def _gettext(message: str) -> str:
    return ARGPARSE_WORDS.get(message, message)


def _ngettext(singular: str, plural: str, n: int) -> str:
    return PLURAL_WORDS.get(singular, singular if n == 1 else plural)


def install() -> None:
    """Chinese argparse words and Chinese help for Django's common options, for this process."""
    argparse._ = _gettext  # type: ignore[attr-defined]
    argparse.ngettext = _ngettext  # type: ignore[attr-defined]
    from django.core.management.base import BaseCommand

    if getattr(BaseCommand.create_parser, "_ducha_chinese", False):
        return
    create_parser = BaseCommand.create_parser

    def create_chinese_parser(self: BaseCommand, prog_name: str, subcommand: str, **kwargs: Any) -> Any:
        parser = create_parser(self, prog_name, subcommand, **kwargs)
        for action in parser._actions:
            if action.dest in DJANGO_OPTION_HELP:
                action.help = DJANGO_OPTION_HELP[action.dest]
        return parser

    create_chinese_parser._ducha_chinese = True  # type: ignore[attr-defined]
    BaseCommand.create_parser = create_chinese_parser  # type: ignore[method-assign]
    _install_check_words()


def ducha_commands() -> dict[str, str]:
    """The commands of ducha's own apps → the first line of their help."""
    from django.core.management import get_commands, load_command_class

    found: dict[str, str] = {}
    for name, app in sorted(get_commands().items()):
        if app.startswith("ducha."):
            help_text = str(load_command_class(app, name).help or "").strip()
            found[name] = help_text.splitlines()[0] if help_text else ""
    return found


def main_help() -> str:
    """What ``ducha help`` (and ``ducha`` alone) prints."""
    lines = ["用法：ducha <命令> [选项]", "查看某个命令的说明：ducha help <命令> 或 ducha <命令> --help", "",
             "督查的命令："]
    lines += [f"  {name.replace('_', '-'):<20} {text}" for name, text in ducha_commands().items()]
    lines += ["", "常用的 Django 命令："]
    lines += [f"  {name:<20} {text}" for name, text in DJANGO_COMMANDS.items()]
    lines += ["", "命令名中的 - 和 _ 通用（import-units 即 import_units）。"]
    return "\n".join(lines) + "\n"


def unknown_command(name: str) -> str | None:
    """A Chinese message for a command that does not exist, or None when it exists."""
    from django.core.management import get_commands

    commands = get_commands()
    if name in commands:
        return None
    close = difflib.get_close_matches(name, list(commands), n=1)
    hint = f"您是不是要运行 ducha {close[0].replace('_', '-')}？" if close else "运行 ducha help 查看全部命令。"
    return f"没有“{name.replace('_', '-')}”这个命令。{hint}"
