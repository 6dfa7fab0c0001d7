"""``ducha demo`` rebuilds only an empty database or one holding exactly what the last ``ducha demo`` made.

Runs the real console script. One demo county is built per module (on SQLite a file, on PostgreSQL a
database of its own); each test works on a copy of it, so only the tests that rebuild build again.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from cli_support import ScratchDatabases, ducha_command, query

Run = Callable[..., subprocess.CompletedProcess[str]]

ADD_UNIT = ("from ducha.orgs.actions import create_org_unit; from ducha.orgs.models import OrgUnit; "
            "create_org_unit(actor=None, code='411326999', name='某新建卫生院', kind='township_centre', "
            "parent=OrgUnit.objects.get(code='411326'))")


@dataclass
class Golden:
    url: str
    output: str


@pytest.fixture(scope="module")
def golden(scratch_databases: ScratchDatabases, tmp_path_factory: pytest.TempPathFactory) -> Golden:
    """The demo county built once into a new database."""
    url = scratch_databases.new()
    env = {k: v for k, v in os.environ.items() if not k.startswith("DUCHA_")}
    env.update(DUCHA_HOME=str(tmp_path_factory.mktemp("home")), DUCHA_DATABASE_URL=url)
    result = subprocess.run([*ducha_command(), "demo"], env=env, cwd=tmp_path_factory.mktemp("cwd"),
                            capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stdout + result.stderr
    return Golden(url=url, output=result.stdout)


def contents(url: str) -> dict[str, object]:
    return {
        "users": [u for (u,) in query(url, "SELECT username FROM auth_user ORDER BY username")],
        "units": query(url, "SELECT count(*) FROM orgs_orgunit")[0][0],
        "audit": query(url, "SELECT count(*) FROM audit_auditentry")[0][0],
    }


def add_user(run: Run, url: str) -> None:
    added = run("createsuperuser", "--noinput", "--username", "boss", "--email", "boss@example.com",
                DUCHA_DATABASE_URL=url, DJANGO_SUPERUSER_PASSWORD="a-real-password-1")
    assert added.returncode == 0, added.stderr


def test_demo_builds_an_empty_database(golden: Golden) -> None:
    assert golden.output.startswith("数据库：")
    assert "数据库是空的，直接建立演示县。" in golden.output
    assert "先删除" not in golden.output
    assert "完成。" in golden.output


def test_demo_rebuilds_its_own_database_without_force(scratch_databases: ScratchDatabases, golden: Golden,
                                                      run_ducha: Run) -> None:
    url = scratch_databases.new(copy_of=golden.url)

    result = run_ducha("demo", DUCHA_DATABASE_URL=url)

    assert result.returncode == 0, result.stderr
    assert "先删除数据库里的全部数据（上次 ducha demo 建的演示库，无人改动）：" in result.stdout
    assert "  · 用户：4 条" in result.stdout
    assert "  · 组织机构：74 条" in result.stdout
    assert "完成。" in result.stdout
    after = contents(url)
    assert after["users"] == ["admin", "duchayuan", "lingdao", "xihuang"]
    assert after["units"] == 74


def test_demo_refuses_a_database_with_someone_elses_user(scratch_databases: ScratchDatabases, golden: Golden,
                                                         run_ducha: Run) -> None:
    url = scratch_databases.new(copy_of=golden.url)
    add_user(run_ducha, url)
    before = contents(url)

    result = run_ducha("demo", DUCHA_DATABASE_URL=url)

    assert result.returncode != 0
    assert "拒绝重建演示县" in result.stderr
    assert "  · 用户：上次 ducha demo 建库时 4 条，现在 5 条" in result.stderr
    assert "再运行 ducha demo --force" in result.stderr
    assert "Traceback" not in result.stderr
    assert contents(url) == before  # nothing deleted, nothing rebuilt


def test_demo_refuses_a_database_with_someone_elses_unit(scratch_databases: ScratchDatabases, golden: Golden,
                                                         run_ducha: Run) -> None:
    url = scratch_databases.new(copy_of=golden.url)
    added = run_ducha("shell", "-v", "0", "-c", ADD_UNIT, DUCHA_DATABASE_URL=url)
    assert added.returncode == 0, added.stderr
    before = contents(url)

    result = run_ducha("demo", DUCHA_DATABASE_URL=url)

    assert result.returncode != 0
    assert "  · 组织机构：上次 ducha demo 建库时 74 条，现在 75 条" in result.stderr
    assert "  · 审计记录：上次 ducha demo 建库时" in result.stderr  # the unit's creation was audited
    after = contents(url)
    assert after == before
    assert after["units"] == 75


def test_demo_force_says_what_it_deletes_and_rebuilds(scratch_databases: ScratchDatabases, golden: Golden,
                                                      run_ducha: Run) -> None:
    url = scratch_databases.new(copy_of=golden.url)
    add_user(run_ducha, url)

    result = run_ducha("demo", "--force", DUCHA_DATABASE_URL=url)

    assert result.returncode == 0, result.stderr
    deleting = result.stdout.index("先删除数据库里的全部数据（含不是 ducha demo 生成的数据，已用 --force 确认）：")
    assert result.stdout.index("  · 用户：5 条") > deleting
    assert result.stdout.index("  · 审计记录：") > deleting
    assert "完成。" in result.stdout
    assert contents(url)["users"] == ["admin", "duchayuan", "lingdao", "xihuang"]
