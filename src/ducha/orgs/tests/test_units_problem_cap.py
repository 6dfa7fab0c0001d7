"""``ducha import-units`` lists the first 20 problems of each id, with the total per id."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from ducha.orgs.tests.test_units_excel import HEADER, _row, _state, _write


def test_command_caps_problems_per_id(mini_county: Any, tmp_path: Path) -> None:
    rows = [HEADER] + [_row(code=f"T{50 + n}", population="很多") for n in range(30)]
    path = _write(tmp_path / "机构.xlsx", rows)
    before = _state()
    out = io.StringIO()
    with pytest.raises(CommandError, match="共发现 30 个问题，未写入任何数据"):
        call_command("import_units", str(path), user=mini_county.admin.username, stdout=out)
    assert "IMP020 数值不是数字：共 30 处，以下仅列出前 20 处" in out.getvalue()
    assert out.getvalue().count("IMP020") == 21
    assert _state() == before
