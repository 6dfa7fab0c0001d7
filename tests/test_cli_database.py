"""Every command uses one configured database, whatever the current folder, and refuses one not set up.

The real console script runs from an unrelated folder: it creates no file there nor an empty SQLite
file anywhere, and a database without tables gives a Chinese message saying what to run, exit status 1,
no traceback.
"""

from __future__ import annotations

import sqlite3
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from cli_support import ON_POSTGRESQL, ScratchDatabases

Run = Callable[..., subprocess.CompletedProcess[str]]

SETUP_HINT = "试用演示县：运行 ducha demo"
MIGRATE_HINT = "建立空数据库：运行 ducha migrate"


def assert_refused(result: subprocess.CompletedProcess[str], *messages: str) -> None:
    assert result.returncode == 1, result.stdout + result.stderr
    for message in messages:
        assert message in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


@pytest.mark.parametrize("command", [
    ["indicators", "--period", "2012Q1"],
    ["validate", "--period", "2012Q1"],
    ["token", "admin"],
    ["createsuperuser", "--noinput", "--username", "x"],
    ["serve", "--port", "1"],
    ["shell", "-c", "print(1)"],
])
def test_missing_sqlite_file_is_refused_and_not_created(tmp_path: Path, run_ducha: Run, command: list[str]) -> None:
    home = tmp_path / "home"

    result = run_ducha(*command)

    assert_refused(result, f"数据库还没有建立：{home / 'ducha.sqlite3'} 不存在", SETUP_HINT, MIGRATE_HINT,
                   f"数据目录是 {home}（由环境变量 DUCHA_HOME 指定）")
    assert not (home / "ducha.sqlite3").exists()
    assert list((tmp_path / "elsewhere").iterdir()) == []  # nothing in the current folder either


def test_a_command_without_database_creates_no_file(tmp_path: Path, run_ducha: Run) -> None:
    result = run_ducha("check")

    assert result.returncode == 0, result.stderr
    assert not (tmp_path / "home" / "ducha.sqlite3").exists()
    assert list((tmp_path / "elsewhere").iterdir()) == []


def test_help_of_a_command_needs_no_database(tmp_path: Path, run_ducha: Run) -> None:
    result = run_ducha("import-reports", "--help")

    assert result.returncode == 0, result.stderr
    assert not (tmp_path / "home" / "ducha.sqlite3").exists()


def test_empty_sqlite_file_is_refused(tmp_path: Path, run_ducha: Run) -> None:
    home = tmp_path / "home"
    home.mkdir()
    sqlite3.connect(home / "ducha.sqlite3").close()  # what older versions left behind: an empty file

    result = run_ducha("indicators", "--period", "2012Q1")

    assert_refused(result, f"数据库 SQLite {home / 'ducha.sqlite3'} 还没有建表", SETUP_HINT, MIGRATE_HINT)


def test_bad_database_url_is_explained_without_traceback(run_ducha: Run) -> None:
    result = run_ducha("validate", DUCHA_DATABASE_URL="mysql-ish://nowhere")

    assert_refused(result, "DUCHA_DATABASE_URL“mysql-ish://nowhere”无法识别")


def test_unreachable_postgresql_is_explained_without_traceback(run_ducha: Run) -> None:
    result = run_ducha("validate", DUCHA_DATABASE_URL="postgresql://nobody@127.0.0.1:1/nothing")

    assert_refused(result, "无法连接数据库 PostgreSQL nobody@127.0.0.1:1/nothing")


def test_database_without_tables_is_refused(scratch_databases: ScratchDatabases, run_ducha: Run) -> None:
    url = scratch_databases.new()
    if not ON_POSTGRESQL:
        sqlite3.connect(url.removeprefix("sqlite:///")).close()

    result = run_ducha("import-units", "units.xlsx", DUCHA_DATABASE_URL=url)

    assert_refused(result, "还没有建表", SETUP_HINT, MIGRATE_HINT)
    assert result.stdout.startswith("数据库：")  # the import says which database it would have used


def test_unapplied_migrations_are_refused(scratch_databases: ScratchDatabases, run_ducha: Run) -> None:
    url = scratch_databases.new()
    migrated = run_ducha("migrate", "demo", "0001", DUCHA_DATABASE_URL=url)
    assert migrated.returncode == 0, migrated.stderr

    result = run_ducha("validate", "--period", "2012Q1", DUCHA_DATABASE_URL=url)

    assert_refused(result, "个迁移未执行", "请先运行 ducha migrate")


def test_migrate_creates_the_database_in_the_data_folder(tmp_path: Path, run_ducha: Run) -> None:
    home = tmp_path / "home"

    result = run_ducha("migrate", "demo")  # one small app: the file and its folder are made

    assert result.returncode == 0, result.stderr
    assert f"数据库：SQLite {home / 'ducha.sqlite3'}" in result.stdout
    assert (home / "ducha.sqlite3").is_file()
    assert list((tmp_path / "elsewhere").iterdir()) == []
