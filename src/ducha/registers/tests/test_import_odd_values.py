"""Odd values in a register file: a located Chinese problem, never a traceback or a database error.

``1e309`` as text once reached ``Decimal.quantize`` (InvalidOperation → 500); ``1e300`` in a number
cell likewise; ``1_000``, ``٣`` and ``²`` were read as numbers; names could hold terminal escapes and
right-to-left overrides.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest

from ducha.core.excel_io import ImportFileError, ImportProblem
from ducha.core.tests.fuzz_corpus import package, sheet_xml
from ducha.registers.actions import import_registers
from ducha.registers.models import ChildExam
from ducha.registers.tests.test_import_good import CHILD_HEAD, EXAM_HEAD, counts, write_csv

EXAM = ["T01", "E001", "2011-12-01", "8.0", "70.0", "卧位", "", "母乳", "李医生"]
CHILD = ["T01", "E001", "王小宝", "男", "2011-03-01", "3300", "", "甲村"]
WEIGHT_CASES = {
    "1e309": "IMP020", "1e3": "IMP020", "1_000": "IMP020", "٣": "IMP020", "²": "IMP020", "NaN": "IMP020",
    "inf": "IMP020", "-0": "IMP021", "-1": "IMP021", str(2 ** 63): "REG030", "9" * 40: "IMP020",
}


def _problems(files: list[tuple[str, Any]], officer: Any) -> list[ImportProblem]:
    before = counts()
    with pytest.raises(ImportFileError) as caught:
        import_registers(actor=officer, files=files)
    assert counts() == before
    return caught.value.problems


@pytest.mark.parametrize("text", list(WEIGHT_CASES))
def test_odd_decimal_text_is_refused_naming_row_and_column(mini_county: Any, tmp_path: Path, text: str) -> None:
    child = write_csv(tmp_path / "儿童手册.csv", [CHILD_HEAD, CHILD])
    exam = write_csv(tmp_path / "儿童体检.csv", [EXAM_HEAD, EXAM[:3] + [text] + EXAM[4:]])
    [found] = _problems([(child.name, child), (exam.name, exam)], mini_county.officer_a)
    assert (found.code, found.file, found.row, found.column, found.header) == (
        WEIGHT_CASES[text], "儿童体检.csv", 2, "D", "体重（kg）")


@pytest.mark.parametrize(("raw", "code"), [("1e300", "REG030"), ("1e309", "IMP020"), ("nan", "IMP020")])
def test_odd_number_cells_in_xlsx_are_refused(mini_county: Any, tmp_path: Path, raw: str, code: str) -> None:
    row: list[Any] = list(CHILD)
    row[5] = ("raw", f'<c r="{{ref}}"><v>{raw}</v></c>')
    data = package(sheet_xml([CHILD_HEAD, row]), name="儿童手册")
    [found] = _problems([("甲镇.xlsx", io.BytesIO(data))], mini_county.officer_a)
    assert (found.code, found.sheet, found.row, found.column) == (code, "儿童手册", 2, "F")


@pytest.mark.parametrize("name", ["王\u202e宝", "王\x1b[31m宝", "王\u200b宝"])
def test_hidden_characters_in_text_are_refused(mini_county: Any, tmp_path: Path, name: str) -> None:
    path = write_csv(tmp_path / "儿童手册.csv", [CHILD_HEAD, CHILD[:2] + [name] + CHILD[3:]])
    [found] = _problems([(path.name, path)], mini_county.officer_a)
    assert (found.code, found.row, found.column) == ("IMP029", 2, "C")
    assert "含有不可见的控制字符" in found.message


def test_bare_cr_line_endings_are_read(mini_county: Any, tmp_path: Path) -> None:
    child = write_csv(tmp_path / "儿童手册.csv", [CHILD_HEAD, CHILD])
    exam = tmp_path / "儿童体检.csv"
    exam.write_bytes("\r".join([",".join(EXAM_HEAD), ",".join(EXAM)]).encode() + b"\r")
    import_registers(actor=mini_county.officer_a, files=[(child.name, child), (exam.name, exam)])
    assert ChildExam.objects.get().weight_kg == 8
