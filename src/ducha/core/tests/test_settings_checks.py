"""Start-up checks of the DUCHA_* settings: each wrong value stops `check` (and so `ducha serve`) in Chinese."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.test import override_settings


def check_fails(**overrides: Any) -> str:
    with override_settings(**overrides), pytest.raises(SystemCheckError) as raised:
        call_command("check")
    return str(raised.value)


def test_the_default_settings_pass_every_check(capsys: pytest.CaptureFixture[str]) -> None:
    call_command("check")
    assert "System check identified no issues" in capsys.readouterr().out


@pytest.mark.parametrize(("check_id", "overrides", "words"), [
    ("ducha.E001", {"DUCHA_LOGIN_MAX_FAILURES": 0}, ["DUCHA_LOGIN_MAX_FAILURES", "0", "不小于 1 的整数"]),
    ("ducha.E001", {"DUCHA_LOGIN_MAX_FAILURES": "5"}, ["DUCHA_LOGIN_MAX_FAILURES", "'5'"]),
    ("ducha.E002", {"DUCHA_LOGIN_IP_MAX_FAILURES": 3}, ["DUCHA_LOGIN_IP_MAX_FAILURES", "3", "不能低于每个账户的上限"]),
    ("ducha.E002", {"DUCHA_LOGIN_IP_MAX_FAILURES": -1}, ["DUCHA_LOGIN_IP_MAX_FAILURES", "-1"]),
    ("ducha.E003", {"DUCHA_LOGIN_LOCK_MINUTES": 0}, ["DUCHA_LOGIN_LOCK_MINUTES", "不小于 1 的整数"]),
    ("ducha.E004", {"DUCHA_IMPORT_MAX_MB": 0.0}, ["DUCHA_IMPORT_MAX_MB", "0.0", "大于 0"]),
    ("ducha.E005", {"DUCHA_TRUSTED_PROXIES": ["127.0.0.1", "10.0.0.0/8"]}, ["DUCHA_TRUSTED_PROXIES", "10.0.0.0/8",
                                                                            "不是 IP 地址"]),
    ("ducha.E006", {"ALLOWED_HOSTS": ["127.0.0.1", "http://ducha.wjw.local"]}, ["DUCHA_ALLOWED_HOSTS",
                                                                               "http://ducha.wjw.local"]),
    ("ducha.E007", {"CSRF_TRUSTED_ORIGINS": ["ducha.wjw.local"]}, ["DUCHA_CSRF_TRUSTED_ORIGINS", "ducha.wjw.local",
                                                                  "带协议"]),
    ("ducha.E008", {"DUCHA_HTTPS": "yes"}, ["DUCHA_HTTPS", "'yes'", "True 或 False"]),
    ("ducha.E009", {"SECURE_HSTS_SECONDS": -5}, ["DUCHA_HSTS_SECONDS", "-5"]),
    ("ducha.E010", {"DUCHA_ID_SALT": 1234}, ["DUCHA_ID_SALT", "1234", "字符串"]),
    ("ducha.E012", {"DUCHA_JOB_STALE_SECONDS": 0}, ["DUCHA_JOB_STALE_SECONDS", "不小于 1 的整数"]),
    ("ducha.E013", {"DUCHA_JOB_HEARTBEAT_SECONDS": 0}, ["DUCHA_JOB_HEARTBEAT_SECONDS", "大于 0"]),
    ("ducha.E013", {"DUCHA_JOB_HEARTBEAT_SECONDS": 90.0}, ["DUCHA_JOB_HEARTBEAT_SECONDS", "必须小于"]),
])
def test_a_wrong_setting_is_a_chinese_error(check_id: str, overrides: dict[str, Any], words: list[str]) -> None:
    output = check_fails(**overrides)
    assert f"({check_id})" in output
    line = next(li for li in output.splitlines() if check_id in li)
    for word in words:
        assert word in line, (word, line)
    assert "HINT:" in output and "docs/settings.md" in output


def test_the_data_folder_must_not_be_a_file(tmp_path: Path) -> None:
    a_file = tmp_path / "ducha-home"
    a_file.write_text("not a folder")
    output = check_fails(DATA_DIR=a_file)
    assert "(ducha.E011)" in output and str(a_file) in output and "不是文件夹" in output


def test_every_problem_is_listed_at_once() -> None:
    output = check_fails(DUCHA_LOGIN_MAX_FAILURES=0, DUCHA_LOGIN_LOCK_MINUTES=0, DUCHA_IMPORT_MAX_MB=-1)
    assert all(f"(ducha.E00{n})" in output for n in (1, 3, 4))


def run_ducha(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """`ducha …` in a fresh process (the settings read DUCHA_* when they are imported), on SQLite in ``tmp_path``."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith("DUCHA_")}
    environ.update(DUCHA_HOME=str(tmp_path), **env)
    return subprocess.run([sys.executable, "-m", "ducha.cli", *args], env=environ, capture_output=True, text=True,
                          timeout=300)


@pytest.mark.parametrize(("name", "value", "words"), [
    ("DUCHA_LOGIN_MAX_FAILURES", "abc", "不是整数"),
    ("DUCHA_IMPORT_MAX_MB", "20MB", "不是数字"),
    ("DUCHA_DEBUG", "true", "只能是 0（关）或 1（开）"),
    ("DUCHA_TIME_ZONE", "Beijing", "应为时区名称"),
    ("DUCHA_LOG_LEVEL", "LOUD", "应为 DEBUG、INFO、WARNING、ERROR、CRITICAL 之一"),
])
def test_an_unreadable_environment_value_stops_start_up_without_a_traceback(
        tmp_path: Path, name: str, value: str, words: str) -> None:
    result = run_ducha(tmp_path, "check", **{name: value})
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith(f"错误：环境变量 {name}=“{value}”")
    assert words in result.stderr


def test_a_range_error_from_the_environment_stops_ducha_serve(tmp_path: Path) -> None:
    result = run_ducha(tmp_path, "serve", "--migrate", "--port", "1", DUCHA_LOGIN_LOCK_MINUTES="0")
    assert result.returncode == 1
    assert "(ducha.E003) 设置 DUCHA_LOGIN_LOCK_MINUTES 的值 0 不正确" in result.stderr
    assert "正在启动" not in result.stdout  # stopped before gunicorn
