"""``ducha import-registers``: problems as a table and a non-zero exit with nothing written; else a summary."""

from __future__ import annotations

from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from ducha.registers.models import ChildExam, ImportBatch
from ducha.registers.tests.test_import_good import (
    child_sheets,
    counts,
    pregnancy_sheets,
    write_csv,
    write_xlsx,
)

pytestmark = pytest.mark.django_db


def _call(*args: str) -> str:
    out = StringIO()
    call_command("import_registers", *args, stdout=out)
    return out.getvalue()


def test_import_prints_a_summary_per_unit(mini_county: Any, tmp_path: Path) -> None:
    write_xlsx(tmp_path / "孕.xlsx", pregnancy_sheets())
    write_xlsx(tmp_path / "儿.xlsx", child_sheets())
    out = _call(str(tmp_path), "--user", "officer_a")
    assert "导入完成（操作人 officer_a）：2 个文件" in out
    assert "甲镇卫生院（T01）" in out and "新增儿童体检" in out and "新增产前检查" in out
    assert ImportBatch.objects.count() == 2 and ChildExam.objects.count() == 3
    assert set(ChildExam.objects.values_list("created_by__username", flat=True)) == {"officer_a"}


def test_dry_run_checks_and_writes_nothing(mini_county: Any, tmp_path: Path) -> None:
    before = counts()
    out = _call(str(write_xlsx(tmp_path / "儿.xlsx", child_sheets())), "--user", "officer_a", "--dry-run")
    assert "检查通过（--dry-run，未写入）" in out and "新增儿童体检" in out
    assert counts() == before


def test_problems_are_printed_as_a_table_and_nothing_is_written(mini_county: Any, tmp_path: Path) -> None:
    sheets = child_sheets()
    sheets["儿童体检"][2][3] = "abc"
    bad = write_xlsx(tmp_path / "儿.xlsx", sheets)
    other = write_csv(tmp_path / "儿童手册.csv", [child_sheets()["儿童手册"][0], ["T99", "Z1", "甲", "男", "2011-01-01"]])
    before = counts()
    out = StringIO()
    with pytest.raises(CommandError, match="2 个文件中共发现 2 个问题，未写入任何数据"):
        call_command("import_registers", str(bad), str(other), "--user", "admin1", stdout=out)
    table = out.getvalue()
    assert "发现 2 个问题（未写入任何数据）" in table and "不是数字" in table and "单位编码不存在" in table
    assert "儿童体检" in table and "abc" in table
    assert counts() == before


def test_leader_and_unknown_users_are_refused(mini_county: Any, tmp_path: Path) -> None:
    path = str(write_xlsx(tmp_path / "儿.xlsx", child_sheets()))
    with pytest.raises(CommandError, match="没有录入权限"):
        _call(path, "--user", "leader1")
    with pytest.raises(CommandError, match="不存在"):
        _call(path, "--user", "nobody")
    with pytest.raises(CommandError, match="找不到文件"):
        _call(str(tmp_path / "missing.xlsx"), "--user", "admin1")
