"""A report import answers “no such unit” and “not your unit” alike, so it cannot probe which codes exist.

T99 does not exist; T02 exists in officer_a's county but is officer_b's; X00 is another county. All
three get the same problem id and text (IMP040 单位编码不存在或不在您可填报的范围内), only the value differs,
as the API answers 404 for both.
"""

from __future__ import annotations

import io
from typing import Any

import pytest

from ducha.core.excel_io import ImportFileError, ImportProblem
from ducha.reporting.excel_read import read_reports_workbook
from ducha.reporting.tests.test_excel_template import counts, header_row, report_row, write_xlsx


def _problem(mini_county: Any, tmp_path: Any, code: str) -> ImportProblem:
    ds = mini_county.data_set
    path = write_xlsx(tmp_path / f"{code}.xlsx", [header_row(ds), report_row(ds, code, "201201", PREG_TOTAL=3)])
    before = counts()
    with pytest.raises(ImportFileError) as caught:
        read_reports_workbook(io.BytesIO(path.read_bytes()), data_set=ds, actor=mini_county.officer_a,
                              file_label="上报.xlsx")
    assert counts() == before
    [problem] = caught.value.problems
    return problem


def test_unknown_and_out_of_scope_unit_codes_get_the_same_problem(mini_county: Any, tmp_path: Any) -> None:
    unknown, other_town, other_county = (_problem(mini_county, tmp_path, c) for c in ("T99", "T02", "X00"))
    assert unknown.code == other_town.code == other_county.code == "IMP040"
    assert unknown.value == "T99" and other_town.value == "T02" and other_county.value == "X00"
    same = [p.message.replace(p.value, "<code>") for p in (unknown, other_town, other_county)]
    assert same[0] == same[1] == same[2]
    assert "A 列（单位编码）：单位编码不存在或不在您可填报的范围内" in unknown.message
