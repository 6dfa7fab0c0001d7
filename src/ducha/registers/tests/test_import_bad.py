"""Bad register files: every problem in Chinese with file, sheet, row and column; nothing is written."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from ducha.core.excel_io import ImportFileError, ImportProblem
from ducha.registers.actions import import_registers
from ducha.registers.tests.test_import_good import (
    CHILD_HEAD,
    EXAM_HEAD,
    FLAT_EXAM_HEAD,
    child_sheets,
    counts,
    pregnancy_sheets,
    write_csv,
    write_xlsx,
)

pytestmark = pytest.mark.django_db
TOMORROW = date.today() + timedelta(days=1)
Build = Callable[[Path], list[Path]]


def _import(paths: list[Path], user: Any) -> list[ImportProblem]:
    before = counts()
    with pytest.raises(ImportFileError) as caught:
        import_registers(actor=user, files=[(p.name, p) for p in paths])
    assert counts() == before, "a rejected import must not write anything"
    return caught.value.problems


def _exam(*cells: Any) -> Build:
    """A child workbook whose third exam row (row 4) is replaced by ``cells``."""
    def build(tmp: Path) -> list[Path]:
        sheets = child_sheets()
        sheets["儿童体检"][3] = list(cells)
        return [write_xlsx(tmp / "儿童.xlsx", sheets)]
    return build


def _sheets(name: str, sheets: dict[str, list[list[Any]]], merges: dict[str, list[str]] | None = None) -> Build:
    return lambda tmp: [write_xlsx(tmp / name, sheets, merges)]


def _raw(name: str, data: bytes) -> Build:
    def build(tmp: Path) -> list[Path]:
        (tmp / name).write_bytes(data)
        return [tmp / name]
    return build


def _docx_bytes() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("word/document.xml", "<w:document/>")
    return out.getvalue()


def _child_rows(*rows: list[Any]) -> dict[str, list[list[Any]]]:
    return {"儿童手册": [CHILD_HEAD, *rows]}


@dataclass
class Case:
    id: str
    build: Build
    code: str
    sheet: str | None
    row: int | None
    column: str | None
    text: str
    actor: str = "officer_a"


E1 = ["T01", "E001"]
CASES = [
    Case("impossible date", _exam(*E1, "2012-02-30", 8.0, 70.0), "IMP024", "儿童体检", 4, "C",
         "日期不存在（2012年2月没有30日）"),
    Case("exam before birth", _exam(*E1, date(2011, 2, 1), 4.0, 50.0), "REG011", "儿童体检", 4, "C",
         "体检日期早于出生日期"),
    Case("exam in the future", _exam(*E1, TOMORROW, 8.0, 70.0), "REG010", "儿童体检", 4, "C", "日期晚于今天"),
    Case("text in a number field", _exam(*E1, date(2011, 12, 1), "七公斤", 70.0), "IMP020", "儿童体检", 4, "D",
         "不是数字"),
    Case("negative weight", _exam(*E1, date(2011, 12, 1), -8, 70.0), "IMP021", "儿童体检", 4, "D", "不能为负数"),
    Case("weight too large", _exam(*E1, date(2011, 12, 1), 1000, 70.0), "REG030", "儿童体检", 4, "D", "数值过大"),
    Case("choice not allowed", _exam(*E1, date(2011, 12, 1), 8.0, 70.0, "躺着"), "IMP027", "儿童体检", 4, "F",
         "取值不在允许范围内"),
    Case("unknown unit", _exam("T99", "E001", date(2011, 12, 1), 8.0, 70.0), "IMP040", "儿童体检", 4, "A",
         "单位编码不存在"),
    Case("unit outside the officer's scope", _exam("T02", "E001", date(2011, 12, 1), 8.0, 70.0), "IMP040",
         "儿童体检", 4, "A", "不在您可填报的范围内"),
    Case("duplicated record number", _sheets("儿童.xlsx", _child_rows(
        ["T01", "D1", "甲", "男", date(2011, 1, 1)], ["T01", "D1", "乙", "女", date(2011, 2, 1)])), "REG020",
        "儿童手册", 3, "B", "手册编号重复：与第 2 行是同一单位的同一编号"),
    Case("identity disagrees between exam rows", _sheets("体检.xlsx", {"儿童体检": [
        FLAT_EXAM_HEAD, ["T01", "F1", "周一", "男", "2011-01-10", "2011-02-10", 4.5, 54.2],
        ["T01", "F1", "周一", "女", "2011-01-10", "2011-03-10", 5.5, 56.2]]}), "REG021", "儿童体检", 3, "D",
        "同一手册（T01 F1）的信息与"),
    Case("exam of a record that does not exist", _sheets("体检.xlsx", {"儿童体检": [
        EXAM_HEAD, ["T01", "NOPE", date(2011, 4, 1), 4.6, 55.1]]}), "REG022", "儿童体检", 2, "B",
        "手册不存在：单位 T01 没有编号为 NOPE 的儿童手册"),
    Case("same exam twice", _exam(*E1, date(2011, 4, 1), 4.6, 55.1), "REG024", "儿童体检", 4, "C",
         "与第 2 行重复"),
    Case("missing required columns", _sheets("儿童.xlsx", {"儿童手册": [
        ["单位编码", "手册编号", "姓名"], ["T01", "X1", "甲"]]}), "IMP010", "儿童手册", 1, None,
        "缺少必需的列：性别、出生日期"),
    Case("unknown column", _sheets("儿童.xlsx", _child_rows(["T01", "D1", "甲", "男", date(2011, 1, 1)]) | {
        "儿童手册": [CHILD_HEAD + ["身高体重指数"], ["T01", "D1", "甲", "男", date(2011, 1, 1)]]}), "IMP011",
        "儿童手册", 1, "I", "无法识别的列名"),
    Case("header merged across columns", _sheets("体检.xlsx", {"儿童体检": [
        ["单位编码", "手册编号", "体检日期", "体重（kg）", None, "身长/身高（cm）"],
        ["T01", "E1", date(2011, 4, 1), 4.6, 4.7, 55.1]]}, merges={"儿童体检": ["D1:E1"]}), "REG003", "儿童体检", 1, "D",
        "表头单元格 D1:E1 是合并单元格，跨了 2 列"),
    Case("formula without a cached value", _sheets("儿童.xlsx", child_sheets() | {"儿童体检": [
        EXAM_HEAD[:5], ["T01", "E001", date(2011, 4, 1), "=2.3*2", 55.1]]}), "IMP023", "儿童体检", 2, "D",
        "公式没有计算结果"),
    Case("empty file", _raw("儿童.xlsx", b""), "IMP001", None, None, None, "文件是空的"),
    Case("only a header row", _sheets("儿童.xlsx", {"儿童手册": [CHILD_HEAD]}), "IMP005", None, None, None,
         "没有任何数据行"),
    Case("a Word file renamed .xlsx", _raw("儿童.xlsx", _docx_bytes()), "IMP002", None, None, None,
         "不是有效的 Excel 文件"),
    Case("a text file renamed .xlsx", _raw("儿童.xlsx", "单位编码,手册编号\n".encode()), "IMP002", None, None, None,
         "不是有效的 Excel 文件"),
    Case("old .xls", _raw("儿童.xls", b"\xd0\xcf\x11\xe0"), "IMP003", None, None, None, "不支持“.xls”类型的文件"),
    Case("sheet that names no table", _sheets("儿童.xlsx", child_sheets() | {"统计": [["a"], [1]]}), "REG001",
         "统计", None, None, "无法识别的工作表“统计”"),
    Case("CSV whose name names no table", lambda tmp: [write_csv(tmp / "数据.csv", child_sheets()["儿童手册"])],
         "REG001", "", None, None, "无法判断这个 CSV 文件是哪一张登记表"),
    Case("pregnancy and child data in one file", _sheets("全部.xlsx", pregnancy_sheets() | child_sheets()),
         "REG002", None, None, None, "一个文件中同时有孕产妇和儿童的登记数据"),
    Case("national ID stored as a number", _sheets("孕.xlsx", {"孕产妇手册": [
        ["单位编码", "手册编号", "姓名", "身份证号", "建册日期"], ["T01", "Y9", "甲", 411323199001011234, "2011-07-01"]]}),
        "REG012", "孕产妇手册", 2, "D", "身份证号被 Excel 存成了数字"),
    Case("mother's record unknown", _sheets("儿童.xlsx", _child_rows(
        ["T01", "D1", "甲", "男", date(2011, 1, 1), None, "Y404"])), "REG023", "儿童手册", 2, "G",
        "母亲手册不存在"),
    Case("new child without sex", _sheets("体检.xlsx", {"儿童体检": [
        ["单位编码", "手册编号", "姓名", "出生日期", "体检日期", "体重（kg）", "身长/身高（cm）"],
        ["T01", "Q1", "甲", "2011-01-01", "2011-02-01", 4.0, 52.0]]}), "IMP025", "儿童体检", 2, "B",
        "新建儿童手册 Q1 时性别为空"),
    Case("visit before the last period", _sheets("孕.xlsx", {
        "孕产妇手册": [["单位编码", "手册编号", "姓名", "建册日期", "末次月经"], ["T01", "Y1", "甲", "2011-07-01", "2011-05-01"]],
        "产前检查": [["单位编码", "手册编号", "检查日期"], ["T01", "Y1", "2011-04-01"]]}), "REG011", "产前检查", 2, "C",
        "产前检查日期早于末次月经"),
    Case("leader may not import", _exam(*E1, date(2011, 12, 1), 8.0, 70.0), "IMP046", None, None, None,
         "只能查看", actor="leader"),
]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_file_is_rejected_with_a_located_chinese_problem(case: Case, mini_county: Any, tmp_path: Path) -> None:
    problems = _import(case.build(tmp_path), getattr(mini_county, case.actor))
    matching = [p for p in problems if p.code == case.code]
    assert matching, [p.message for p in problems]
    problem = matching[0]
    assert case.text in problem.message, problem.message
    if case.sheet is not None:
        assert problem.sheet == case.sheet
    assert problem.row == case.row
    if case.column is not None:
        assert problem.column == case.column
        assert f"{case.column} 列" in problem.message
    assert problem.file and f"文件“{problem.file}”" in problem.message


def test_every_problem_of_every_file_is_listed(mini_county: Any, tmp_path: Path) -> None:
    sheets = child_sheets()
    sheets["儿童体检"][1][3] = "重"
    sheets["儿童体检"][2][2] = "2011-13-01"
    bad_csv = write_csv(tmp_path / "儿童手册.csv", [CHILD_HEAD, ["T99", "Z1", "甲", "男", "2011-01-01"]])
    problems = _import([write_xlsx(tmp_path / "儿童.xlsx", sheets), bad_csv], mini_county.officer_a)
    assert [(p.file, p.code, p.row, p.column) for p in problems] == [
        ("儿童.xlsx", "IMP020", 2, "D"), ("儿童.xlsx", "IMP024", 3, "C"), ("儿童手册.csv", "IMP040", 2, "A")]
    assert "日期不存在（没有13月）" in problems[1].message


def test_the_same_problem_on_many_rows_is_summed_up(mini_county: Any, tmp_path: Path) -> None:
    rows = [CHILD_HEAD] + [["T99", f"C{i}", "甲", "男", "2011-01-01"] for i in range(50)]
    path = write_csv(tmp_path / "儿童手册.csv", rows)
    with pytest.raises(ImportFileError) as caught:
        import_registers(actor=mini_county.officer_a, files=[(path.name, path)])
    err = caught.value
    assert err.total == 50 and [p.row for p in err.shown] == list(range(2, 22))
    assert err.summary_lines() == ["IMP040 单位编码不存在或不在您可填报的范围内：共 50 处，以下仅列出前 20 处"]


def test_an_update_of_another_units_record_is_refused(mini_county: Any, tmp_path: Path) -> None:
    write = write_xlsx(tmp_path / "乙乡.xlsx", _child_rows(["T02", "B1", "乙", "男", date(2011, 1, 1)]))
    import_registers(actor=mini_county.officer_b, files=[(write.name, write)])
    problems = _import([write], mini_county.officer_a)
    assert [p.code for p in problems] == ["IMP040"]
