"""Org-unit files and commands: odd populations are located problems; a bad output path is a Chinese error.

``ducha export-units /nonexistent/dir/x.xlsx`` printed a traceback; now it says which folder is missing
and exits non-zero. Populations go through the shared ``parse_count`` (``ducha.core.limits``).
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from ducha.core.excel_io import ImportFileError
from ducha.orgs.excel import read_units_workbook
from ducha.orgs.tests.test_units_excel import HEADER, _row, _state, _write


@pytest.mark.parametrize(("population", "code"), [
    ("1e30", "IMP020"), ("1_000", "IMP020"), ("٣", "IMP020"), ("²", "IMP020"), ("1e309", "IMP020"),
    (10 ** 30, "IMP028"), ("-0", "IMP021"),
])
def test_odd_population_is_refused_naming_row_and_column(mini_county: Any, tmp_path: Path, population: Any,
                                                         code: str) -> None:
    path = _write(tmp_path / "机构.xlsx", [HEADER, _row(population=population)])
    before = _state()
    with pytest.raises(ImportFileError) as caught:
        read_units_workbook(path, actor=mini_county.admin, file_label=path.name)
    assert _state() == before
    [found] = caught.value.problems
    assert (found.code, found.sheet, found.row, found.column, found.header) == (code, "组织机构", 2, "F", "服务人口")


def test_export_to_a_missing_folder_is_a_chinese_error(mini_county: Any, tmp_path: Path) -> None:
    with pytest.raises(CommandError) as caught:
        call_command("export_units", "/nonexistent/dir/x.xlsx", stdout=io.StringIO())
    assert "无法写入文件“/nonexistent/dir/x.xlsx”" in str(caught.value)
    assert "文件夹“/nonexistent/dir”不存在" in str(caught.value)
    folder = tmp_path / "已有.xlsx"
    folder.mkdir()
    with pytest.raises(CommandError, match="这是一个文件夹"):
        call_command("export_units", str(folder), stdout=io.StringIO())


def test_export_command_exits_non_zero_without_a_traceback(tmp_path: Path) -> None:
    env = {"DUCHA_HOME": str(tmp_path), "PATH": "/usr/bin:/bin",
           **{k: v for k, v in os.environ.items() if k == "PYTHONPATH"}}
    subprocess.run([sys.executable, "-m", "ducha.cli", "migrate", "-v", "0"], env=env, check=True,
                   capture_output=True, timeout=300)
    done = subprocess.run([sys.executable, "-m", "ducha.cli", "export-units", "/nonexistent/dir/x.xlsx"], env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode != 0
    assert "Traceback" not in done.stderr and "文件夹“/nonexistent/dir”不存在" in done.stderr
    assert "错误: 无法写入文件" in done.stderr and "CommandError" not in done.stderr  # no English class name
