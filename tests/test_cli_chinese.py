"""The console script speaks Chinese: ``ducha help``, ``--help``, argument errors, unknown commands."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest
from django.core.management import get_commands, load_command_class

from ducha import cli_chinese

CJK = re.compile(r"[\u4e00-\u9fff]")
ENGLISH_CHROME = ["usage:", "show this help message", "Verbosity level", "Show program's version",
                  "Display a full stack trace", "Skip system checks", "Unknown command", "CommandError"]


def ducha(*args: str, home: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "ducha.cli", *args], capture_output=True, text=True,
                          env={"DUCHA_HOME": home, "PATH": "/usr/bin:/bin"}, timeout=120)


@pytest.fixture
def home(tmp_path):
    return str(tmp_path)


def test_main_help_is_chinese_and_lists_every_ducha_command(home: str) -> None:
    result = ducha("help", home=home)
    assert result.returncode == 0
    assert "督查的命令" in result.stdout and "用法" in result.stdout
    for name in cli_chinese.ducha_commands():
        assert name.replace("_", "-") in result.stdout
    assert not [w for w in ENGLISH_CHROME if w in result.stdout]


def test_command_help_has_no_english_chrome(home: str) -> None:
    result = ducha("indicators", "--help", home=home)
    assert result.returncode == 0
    assert "用法：" in result.stdout and "显示本帮助并退出" in result.stdout
    assert not [w for w in ENGLISH_CHROME if w in result.stdout], result.stdout


def test_argument_error_and_unknown_command_are_chinese(home: str) -> None:
    bad = ducha("check", "--bogus", home=home)
    assert bad.returncode != 0 and "无法识别的参数：--bogus" in bad.stderr
    unknown = ducha("indicatorz", home=home)
    assert unknown.returncode != 0
    assert "没有“indicatorz”这个命令" in unknown.stderr and "ducha indicators" in unknown.stderr
    assert "Unknown command" not in unknown.stderr + unknown.stdout


@pytest.mark.parametrize("name", sorted(n for n, app in get_commands().items() if app.startswith("ducha.")))
def test_every_option_of_every_ducha_command_has_chinese_help(name: str) -> None:
    # Django's own options get their Chinese help from cli_chinese.install() (not called here: it patches
    # BaseCommand for the whole process); the command's own options must carry Chinese help themselves.
    command = load_command_class(get_commands()[name], name)
    assert CJK.search(str(command.help)), f"{name}：命令没有中文说明"
    parser = command.create_parser("ducha", name)
    missing = [a.option_strings or [a.dest] for a in parser._actions
               if a.dest not in cli_chinese.DJANGO_OPTION_HELP and not (a.help and CJK.search(str(a.help)))]
    assert not missing, f"{name}：这些选项没有中文说明：{missing}"


def test_system_check_frame_is_chinese(home: str) -> None:
    ok = ducha("check", home=home)
    assert ok.returncode == 0 and "系统检查未发现问题" in ok.stdout
    bad = subprocess.run([sys.executable, "-m", "ducha.cli", "check"], capture_output=True, text=True, timeout=120,
                         env={"DUCHA_HOME": home, "PATH": "/usr/bin:/bin", "DUCHA_IMPORT_MAX_MB": "-1"})
    assert bad.returncode != 0
    assert "系统检查发现问题，命令未执行" in bad.stderr and "ducha.E004" in bad.stderr and "处理办法" in bad.stderr
    assert not [w for w in ["SystemCheckError", "System check identified", "ERRORS:", "HINT:"] if w in bad.stderr]
