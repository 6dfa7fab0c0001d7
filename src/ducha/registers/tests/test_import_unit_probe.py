"""A register import answers “no such unit” and “not your unit” alike (IMP040), like the API's 404."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ducha.core.excel_io import ImportFileError, ImportProblem
from ducha.registers.actions import import_registers
from ducha.registers.tests.test_import_good import CHILD_HEAD, counts, write_csv


def _problem(officer: Any, tmp_path: Path, code: str) -> ImportProblem:
    path = write_csv(tmp_path / "儿童手册.csv", [CHILD_HEAD, [code, "E1", "王小宝", "男", "2011-03-01", "3300", "", ""]])
    before = counts()
    with pytest.raises(ImportFileError) as caught:
        import_registers(actor=officer, files=[(path.name, path)])
    assert counts() == before
    [problem] = caught.value.problems
    return problem


def test_unknown_and_out_of_scope_unit_codes_get_the_same_problem(mini_county: Any, tmp_path: Path) -> None:
    found = [_problem(mini_county.officer_a, tmp_path, code) for code in ("T99", "T02", "X00")]
    assert [p.code for p in found] == ["IMP040"] * 3
    assert [p.value for p in found] == ["T99", "T02", "X00"]
    assert len({p.message.replace(p.value, "<code>") for p in found}) == 1
    assert "单位编码不存在或不在您可填报的范围内" in found[0].message and "第 2 行 A 列（单位编码）" in found[0].message
