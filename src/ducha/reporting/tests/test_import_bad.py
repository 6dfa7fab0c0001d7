"""Bad files: every problem is reported in Chinese with file, sheet, row, column and value; nothing is written."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook

from ducha.core.excel_io import ImportProblem
from ducha.reporting.actions import import_reports
from ducha.reporting.excel import ImportFileError, read_reports_files
from ducha.reporting.tests.test_excel_template import counts, header_row, report_row, write_xlsx

NEXT_YEAR = date.today().year + 1
D = "D 列（孕妇总数）"


def _import(paths: list[Path], mini_county: Any, actor: str = "admin") -> list[ImportProblem]:
    """Read then save, as the CLI and the upload page do; return the problems (there must be some)."""
    before = counts()
    user = getattr(mini_county, actor)
    with pytest.raises(ImportFileError) as caught:
        reports = read_reports_files([(p.name, p) for p in paths], data_set=mini_county.data_set, actor=user)
        import_reports(actor=user, data_set=mini_county.data_set, reports=reports)
    assert counts() == before, "a rejected import must not write anything"
    return caught.value.problems


def _one_bad_cell(**values: Any) -> Callable[[Path, Any], list[Path]]:
    def build(tmp: Path, ds: Any) -> list[Path]:
        return [write_xlsx(tmp / "上报.xlsx", [header_row(ds), report_row(ds, "T03", "201201", PREG_TOTAL=1),
                                             report_row(ds, "T01", "201201", **values)])]
    return build


def _rows(*rows: tuple[str, Any, dict[str, Any]], header: Callable[[list[str]], list[str]] | None = None,
          ) -> Callable[[Path, Any], list[Path]]:
    def build(tmp: Path, ds: Any) -> list[Path]:
        head = header_row(ds)
        head = header(head) if header else head
        body = [report_row(ds, unit, period, **values) for unit, period, values in rows]
        return [write_xlsx(tmp / "上报.xlsx", [head, *body])]
    return build


def _raw(name: str, data: bytes) -> Callable[[Path, Any], list[Path]]:
    def build(tmp: Path, ds: Any) -> list[Path]:
        (tmp / name).write_bytes(data)
        return [tmp / name]
    return build


def _zip_without_workbook() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("word/document.xml", "<w:document/>")
    return out.getvalue()


def _workbook(build_sheet: Callable[[Any, Any], None]) -> Callable[[Path, Any], list[Path]]:
    def build(tmp: Path, ds: Any) -> list[Path]:
        book = Workbook()
        build_sheet(book.active, ds)
        book.save(tmp / "上报.xlsx")
        return [tmp / "上报.xlsx"]
    return build


def _rename(index: int, new: str) -> Callable[[list[str]], list[str]]:
    def change(head: list[str]) -> list[str]:
        head = list(head)
        head[index] = new
        return head
    return change


def _data_without_header(ws: Any, ds: Any) -> None:
    ws.append(header_row(ds))
    ws.append([*report_row(ds, "T01", "201201"), 5])


@dataclass
class Case:
    build: Callable[[Path, Any], list[Path]]
    code: str
    fragments: list[str]
    actor: str = "admin"
    extra: list[str] = field(default_factory=list)  # codes of further expected problems


OK = {"PREG_TOTAL": 1}
CASES = {
    "text in a number cell": Case(_one_bad_cell(PREG_TOTAL="十二"), "IMP020",
                                  ["文件“上报.xlsx”", "工作表“数据”", "第 3 行", D, "不是数字", "值为“十二”",
                                   "应为不小于 0 的整数"]),
    "negative count": Case(_one_bad_cell(PREG_TOTAL=-3), "IMP021", ["第 3 行", D, "不能为负数", "值为“-3”"]),
    "decimal count": Case(_one_bad_cell(PREG_TOTAL=2.5), "IMP022", ["第 3 行", D, "不能为小数", "值为“2.5”"]),
    "formula without cached value": Case(_one_bad_cell(PREG_TOTAL="=A1*2"), "IMP023",
                                         ["第 3 行", D, "公式没有计算结果", "重新计算"]),
    "unknown header": Case(_rows(("T01", "201201", OK), header=_rename(3, "孕妇人数")), "IMP011",
                           ["第 1 行", "D 列（孕妇人数）", "无法识别的列名", "值为“孕妇人数”", "说明"], extra=["IMP010"]),
    "missing header": Case(_rows(("T01", "201201", OK), header=_rename(2, "月份")), "IMP010",
                           ["第 1 行", "缺少列：期间"], extra=["IMP011"]),
    "duplicate header": Case(_rows(("T01", "201201", OK), header=_rename(4, "孕妇总数")), "IMP012",
                             ["第 1 行", "E 列（孕妇总数）", "与 D 列重复"], extra=["IMP010"]),
    "data under an empty header": Case(_workbook(_data_without_header), "IMP013", ["第 1 行", "AK 列：", "表头为空"]),
    "unknown unit code": Case(_rows(("T99", "201201", OK)), "IMP040",
                              ["第 2 行", "A 列（单位编码）", "单位编码不存在或不在您可填报的范围内", "值为“T99”"]),
    "unit outside the actor's scope": Case(_rows(("T01", "201201", OK), ("T02", "201201", OK)), "IMP040",
                                           ["第 3 行", "A 列（单位编码）", "不在您可填报的范围内", "值为“T02”"],
                                           actor="officer_a"),
    "unit not assigned the data set": Case(_rows(("T0101", "201201", OK)), "IMP042",
                                           ["第 2 行", "甲村卫生室", "不需要报送“妇幼保健月报表”", "值为“T0101”"]),
    "duplicate unit and period": Case(_rows(("T01", "201201", OK), ("T02", "201201", OK), ("T01", "201201", OK)),
                                      "IMP043", ["第 4 行", "与第 2 行重复", "值为“T01 201201”"]),
    "period in the future": Case(_rows(("T01", f"{NEXT_YEAR}01", OK)), "IMP031",
                                 ["第 2 行", "C 列（期间）", "尚未开始", f"值为“{NEXT_YEAR}01”"]),
    "unparseable period": Case(_rows(("T01", "2012年13月", OK)), "IMP030",
                               ["第 2 行", "C 列（期间）", "期间无法识别", "值为“2012年13月”", "201201"]),
    "quarter instead of month": Case(_rows(("T01", "2012Q1", OK)), "IMP031", ["第 2 行", "不是月报的期间"]),
    "blank period": Case(_rows(("T01", None, OK)), "IMP025", ["第 2 行", "C 列（期间）", "期间为空"]),
    "blank unit code": Case(_rows(("", "201201", OK)), "IMP025", ["第 2 行", "A 列（单位编码）", "单位编码为空"]),
    "empty file": Case(_raw("空.xlsx", b""), "IMP001", ["文件“空.xlsx”", "文件是空的"]),
    "text file renamed .xlsx": Case(_raw("报表.xlsx", "单位编码,期间\nT01,201201\n".encode()), "IMP002",
                                    ["文件“报表.xlsx”", "不是有效的 Excel 文件"]),
    "zip that is no workbook": Case(_raw("报表.xlsx", _zip_without_workbook()), "IMP002",
                                    ["文件“报表.xlsx”", "文件无法打开"]),
    "old .xls format": Case(_raw("旧表.xls", b"\xd0\xcf\x11\xe0 old"), "IMP003", ["文件“旧表.xls”", "另存为"]),
    "csv in an unknown encoding": Case(_raw("报表.csv", b"\xff\xfe\x80\x81\xff"), "IMP004",
                                       ["文件“报表.csv”", "无法识别文件编码", "GBK"]),
    "sheet with a header only": Case(_rows(), "IMP005", ["工作表“数据”", "只有表头，没有数据行"]),
    "workbook without any cell": Case(_workbook(lambda ws, ds: None), "IMP005", ["文件中没有任何数据"]),
    "template not filled in": Case(_rows(("T01", "201201", {}), ("T02", "201201", {})), "IMP005",
                                   ["数据项都是空的"]),
}


@pytest.mark.parametrize("name", list(CASES))
def test_bad_file_is_rejected_whole_with_a_located_chinese_message(
        mini_county: Any, tmp_path: Path, name: str) -> None:
    case = CASES[name]
    problems = _import(case.build(tmp_path, mini_county.data_set), mini_county, case.actor)
    matching = [p for p in problems if p.code == case.code]
    assert matching, [p.message for p in problems]
    message = matching[0].message
    for fragment in case.fragments:
        assert fragment in message, message
    assert {p.code for p in problems} <= {case.code, *case.extra}, [p.message for p in problems]


def test_every_problem_is_collected_not_only_the_first(mini_county: Any, tmp_path: Path) -> None:
    ds = mini_county.data_set
    path = write_xlsx(tmp_path / "多处错误.xlsx", [
        header_row(ds),
        report_row(ds, "T01", "201201", PREG_TOTAL="abc", PARTURIENTS=-1),
        report_row(ds, "T99", "201202", PREG_TOTAL=1),
        report_row(ds, "T02", "2099-13", PREG_TOTAL=2.5),
        report_row(ds, "T03", "201201", PREG_TOTAL=4),  # a good row: not saved either
    ])
    problems = _import([path], mini_county)
    assert [(p.row, p.column, p.code) for p in problems] == [  # in reading order
        (2, "D", "IMP020"), (2, "E", "IMP021"), (3, "A", "IMP040"), (4, "C", "IMP030"), (4, "D", "IMP022")]
    assert problems[1].header == "产妇数"


def test_duplicates_across_the_files_of_one_import(mini_county: Any, tmp_path: Path) -> None:
    ds = mini_county.data_set
    first = write_xlsx(tmp_path / "a.xlsx", [header_row(ds), report_row(ds, "T01", "201201", PREG_TOTAL=1)])
    second = write_xlsx(tmp_path / "b.xlsx", [header_row(ds), report_row(ds, "T02", "201201", PREG_TOTAL=1),
                                              report_row(ds, "T01", "201201", PREG_TOTAL=2)])
    (problem,) = _import([first, second], mini_county)
    assert problem.code == "IMP043"
    assert problem.message.startswith("文件“b.xlsx” 工作表“数据” 第 3 行 A 列（单位编码）")
    assert "与文件“a.xlsx”工作表“数据”第 2 行重复" in problem.message


def test_problems_of_several_files_are_all_listed(mini_county: Any, tmp_path: Path) -> None:
    ds = mini_county.data_set
    good = write_xlsx(tmp_path / "good.xlsx", [header_row(ds), report_row(ds, "T01", "201201", PREG_TOTAL=1)])
    bad1 = write_xlsx(tmp_path / "bad1.xlsx", [header_row(ds), report_row(ds, "T02", "201201", PREG_TOTAL=-1)])
    bad2 = tmp_path / "bad2.xlsx"
    bad2.write_text("not a workbook")
    problems = _import([good, bad1, bad2], mini_county)
    assert [(p.file, p.code) for p in problems] == [("bad1.xlsx", "IMP021"), ("bad2.xlsx", "IMP002")]
