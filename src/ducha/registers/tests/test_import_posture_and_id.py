"""测量方式 accepts every spelling the docs list; an 18-digit 身份证号 must carry the right check character."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from ducha.core.excel_io import ImportFileError
from ducha.registers.actions import import_registers
from ducha.registers.import_cells import id_check_character
from ducha.registers.models import ChildExam, PregnancyRecord
from ducha.registers.tests.test_import_good import FLAT_EXAM_HEAD, counts, write_csv, write_xlsx
from ducha.reporting.tests.entry_client import open_form

pytestmark = pytest.mark.django_db

# Every spelling docs/registers-import.md lists for 测量方式, with full- and half-width brackets.
POSTURES = [
    ("卧位（量身长）", True), ("卧位(量身长)", True), ("卧位 （量身长）", True), ("卧位（身长）", True),
    ("卧位", True), ("卧", True), ("身长", True), ("量身长", True),
    ("立位（量身高）", False), ("立位(量身高)", False), ("立位（身高）", False), ("立位", False), ("立", False),
    ("身高", False), ("量身高", False),
]
PREG_HEAD = ["单位编码", "手册编号", "姓名", "身份证号", "建册日期"]


def _run(actor: Any, path: Path) -> None:
    import_registers(actor=actor, files=[(path.name, path)])


def test_check_character_of_known_numbers() -> None:
    # GB 11643's own example and two numbers whose check character is a digit.
    assert id_check_character("11010519491231002") == "X"
    assert id_check_character("44052418800101001") == "4"
    assert id_check_character("41130319920304124") == "5"


@pytest.mark.parametrize(("spelling", "lying"), POSTURES)
def test_every_documented_posture_spelling_is_accepted(mini_county: Any, tmp_path: Path, spelling: str,
                                                       lying: bool) -> None:
    rows = [FLAT_EXAM_HEAD, ["T01", "F001", "周一", "男", "2011-01-10", "2011-02-10", 4.5, 54.2, spelling, "母乳"]]
    _run(mini_county.officer_a, write_xlsx(tmp_path / "体检.xlsx", {"儿童体检": rows}))
    assert ChildExam.objects.get(child__record_no="F001").measured_lying is lying


def test_posture_outside_the_list_is_still_refused(mini_county: Any, tmp_path: Path) -> None:
    rows = [FLAT_EXAM_HEAD, ["T01", "F001", "周一", "男", "2011-01-10", "2011-02-10", 4.5, 54.2, "坐位", "母乳"]]
    before = counts()
    with pytest.raises(ImportFileError) as caught:
        _run(mini_county.officer_a, write_xlsx(tmp_path / "体检.xlsx", {"儿童体检": rows}))
    assert counts() == before
    (problem,) = caught.value.problems
    assert (problem.code, problem.sheet, problem.row, problem.column) == ("IMP027", "儿童体检", 2, "I")
    assert "卧位（量身长）或 立位（量身高）" in problem.message


def test_valid_ids_with_x_in_either_case_are_accepted(mini_county: Any, tmp_path: Path) -> None:
    rows = [PREG_HEAD, ["T01", "Y1", "甲", "11010519491231002X", "2011-07-01"],
            ["T01", "Y2", "乙", "11010519491231002x", "2011-07-01"],
            ["T01", "Y3", "丙", "411303199203041245", "2011-07-01"]]
    _run(mini_county.officer_a, write_xlsx(tmp_path / "孕.xlsx", {"孕产妇手册": rows}))
    assert sorted(PregnancyRecord.objects.values_list("record_no", "id_last4")) == [
        ("Y1", "002X"), ("Y2", "002X"), ("Y3", "1245")]


@pytest.mark.parametrize("writer", ["xlsx", "csv"])
def test_wrong_check_character_is_a_located_problem_and_nothing_is_written(mini_county: Any, tmp_path: Path,
                                                                            writer: str) -> None:
    rows = [PREG_HEAD, ["T01", "Y1", "甲", "11010519491231002X", "2011-07-01"],
            ["T01", "Y2", "乙", "110105194912310021", "2011-07-01"],
            ["T01", "Y3", "丙", "41132319920304124X", "2011-07-01"]]
    path = write_xlsx(tmp_path / "孕.xlsx", {"孕产妇手册": rows}) if writer == "xlsx" else \
        write_csv(tmp_path / "孕产妇手册.csv", rows)
    before = counts()
    with pytest.raises(ImportFileError) as caught:
        _run(mini_county.officer_a, path)
    assert counts() == before, "a rejected import must not write anything"
    problems = caught.value.problems
    assert [(p.code, p.row, p.column) for p in problems] == [("REG013", 3, "D"), ("REG013", 4, "D")]
    first = problems[0]
    assert first.file == path.name and first.sheet == ("孕产妇手册" if writer == "xlsx" else "")
    assert f"文件“{path.name}”" in first.message and "第 3 行" in first.message and "D 列（身份证号）" in first.message
    assert "身份证号校验位不对（按前 17 位应为 X）" in first.message
    assert "身份证号校验位不对（按前 17 位应为 0）" in problems[1].message
    assert [(c.code, c.title, c.total) for c in caught.value.counts] == [("REG013", "身份证号校验位不对", 2)]


def test_the_record_form_refuses_a_wrong_check_character(mini_county: Any, tmp_path: Path) -> None:
    _run(mini_county.officer_a, write_xlsx(tmp_path / "孕.xlsx", {"孕产妇手册": [
        PREG_HEAD, ["T01", "Y1", "甲", None, "2011-07-01"]]}))
    record = PregnancyRecord.objects.get(record_no="Y1")
    client = Client()
    client.force_login(mini_county.officer_a)
    url = reverse("registers:pregnancy_edit", args=[record.pk])
    response = client.post(url, open_form(client, url, "entry-form") | {"national_id": "110105194912310021"})
    assert response.status_code == 400
    assert "身份证号校验位不对（按前 17 位应为 X）" in response.content.decode()
    record.refresh_from_db()
    assert record.id_hash == "" and record.id_last4 == ""
