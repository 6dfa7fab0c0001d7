"""Org units in and out of Excel (``ducha export-units`` / ``ducha import-units``), all or nothing."""

from __future__ import annotations

import io
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from openpyxl import Workbook, load_workbook

from ducha.audit.models import AuditEntry
from ducha.core.excel_io import ImportFileError
from ducha.orgs.excel import UNIT_COLUMNS, build_units_workbook, import_units, read_units_workbook
from ducha.orgs.models import OrgUnit

HEADER = list(UNIT_COLUMNS.values())
TOWNSHIP = "乡镇卫生院/社区卫生服务中心"


def _write(path: Path, rows: list[list[Any]]) -> Path:
    book = Workbook()
    ws = book.active
    ws.title = "组织机构"
    for row in rows:
        ws.append(row)
    book.save(path)
    return path


def _state() -> tuple[int, int, list[tuple[Any, ...]]]:
    units = list(OrgUnit.objects.order_by("code").values_list("code", "name", "path", "population", "closed_on"))
    return OrgUnit.objects.count(), AuditEntry.objects.count(), units


def _exported_rows(mini_county: Any) -> list[list[Any]]:
    book = load_workbook(io.BytesIO(build_units_workbook(OrgUnit.objects.filter(path__startswith="/T00/"))))
    return [[c.value for c in row] for row in book["组织机构"].iter_rows()]


def test_export_lists_units_with_chinese_kind_and_parent_code(mini_county: Any) -> None:
    rows = _exported_rows(mini_county)
    assert rows[0] == [*HEADER, "报送数据集"]  # the column reporting registers
    by_code = {r[0]: r for r in rows[1:]}
    assert by_code["T01"][:6] == ["T01", "甲镇卫生院", "甲镇", TOWNSHIP, "T00", 10000]
    assert by_code["T00"][3:5] == ["县", None]
    assert by_code["T0101"][3:5] == ["村卫生室", "T01"]
    assert set(by_code) == {"T00", "T01", "T02", "T03", "T10", "T0101"}


def test_exported_file_imports_back_unchanged(mini_county: Any, tmp_path: Path) -> None:
    path = _write(tmp_path / "units.xlsx", _exported_rows(mini_county))
    before = _state()
    rows = read_units_workbook(path, actor=mini_county.admin, file_label=path.name)
    result = import_units(actor=mini_county.admin, rows=rows)
    assert sorted(result.unchanged) == ["T00", "T01", "T0101", "T02", "T03", "T10"]
    assert not result.created and not result.updated
    assert _state() == before


def test_import_creates_children_after_parents_and_updates(mini_county: Any, tmp_path: Path) -> None:
    rows: list[list[Any]] = [HEADER,
            ["T0401", "丁村卫生室", "", "村卫生室", "T04", None, "2012-03-01", None],  # parent comes later
            ["T04", "丁镇卫生院", "丁镇", TOWNSHIP, "T00", 5000, datetime(2012, 1, 1), None],
            ["T01", "甲镇卫生院", "甲镇", TOWNSHIP, "T00", 10500, None, None],
            ["T03", "丙镇卫生院", "丙镇", "township_centre", "T00", 8000, None, "2012年6月30日"]]
    path = _write(tmp_path / "新单位.xlsx", rows)
    audit_before = AuditEntry.objects.count()
    result = import_units(actor=mini_county.admin, rows=read_units_workbook(path, actor=mini_county.admin,
                                                                            file_label=path.name))
    assert result.created == ["T04", "T0401"] and result.updated == ["T01", "T03"]
    village = OrgUnit.objects.get(code="T0401")
    assert (village.path, village.level, village.opened_on) == ("/T00/T04/T0401/", 3, date(2012, 3, 1))
    assert OrgUnit.objects.get(code="T01").population == 10500
    assert OrgUnit.objects.get(code="T03").closed_on == date(2012, 6, 30)
    audit = list(AuditEntry.objects.order_by("id")[audit_before:])
    assert [(a.action, a.object_id) for a in audit] == [  # parents first, then file order
        ("orgs.create_unit", "T04"), ("orgs.update_unit", "T01"), ("orgs.update_unit", "T03"),
        ("orgs.create_unit", "T0401")]
    assert all(a.actor == mini_county.admin for a in audit)


def _row(**changes: Any) -> list[Any]:
    base = dict(zip(UNIT_COLUMNS, ["T05", "戊镇卫生院", "戊镇", TOWNSHIP, "T00", 6000, None, None], strict=True))
    return list((base | changes).values())


BAD = {
    "unknown kind": ([_row(kind="卫生所")], "IMP027", ["第 3 行", "D 列（类型）", "类型无法识别", "值为“卫生所”",
                                                   "村卫生室"]),
    "unknown parent": ([_row(parent="T77")], "IMP044", ["第 3 行", "E 列（上级编码）", "上级编码不存在", "T77"]),
    "own parent": ([_row(parent="T05")], "IMP044", ["上级编码不能是本单位自己"]),
    "cycle": ([_row(code="T01", name="甲镇卫生院", parent="T0101")], "IMP044", ["第 3 行", "上级关系形成循环"]),
    "duplicate code": ([_row(), _row(name="又一个")], "IMP043", ["第 4 行", "A 列（编码）", "编码与第 3 行重复"]),
    "blank name": ([_row(name=None)], "IMP025", ["第 3 行", "B 列（名称）", "名称为空"]),
    "negative population": ([_row(population=-5)], "IMP021", ["F 列（服务人口）", "不能为负数", "值为“-5”"]),
    "text population": ([_row(population="很多")], "IMP020", ["F 列（服务人口）", "不是数字", "值为“很多”"]),
    "bad date": ([_row(opened_on="2012-02-30")], "IMP024", ["G 列（启用日期）", "日期不存在（2012年2月没有30日）", "2012-02-30"]),
    "closed before opened": ([_row(opened_on="2012-05-01", closed_on="2012-04-01")], "IMP045",
                             ["H 列（撤销日期）", "撤销日期早于启用日期"]),
    "name too long": ([_row(short_name="很" * 21)], "IMP026", ["C 列（简称）", "文字过长", "不超过 20 个字"]),
}


@pytest.mark.parametrize("name", list(BAD))
def test_bad_unit_rows_are_rejected_whole(mini_county: Any, tmp_path: Path, name: str) -> None:
    rows, code, fragments = BAD[name]
    path = _write(tmp_path / "机构.xlsx", [HEADER, _row(code="T06", name="己镇卫生院"), *rows])
    before = _state()
    with pytest.raises(ImportFileError) as caught:
        import_units(actor=mini_county.admin,
                     rows=read_units_workbook(path, actor=mini_county.admin, file_label=path.name))
    problems = [p for p in caught.value.problems if p.code == code]
    assert problems, caught.value.problems
    assert problems[0].message.startswith("文件“机构.xlsx” 工作表“组织机构”")
    for fragment in fragments:
        assert fragment in problems[0].message, problems[0].message
    assert _state() == before


def test_wrong_header_and_wrong_file(mini_county: Any, tmp_path: Path) -> None:
    path = _write(tmp_path / "表头.xlsx", [["编码", "单位名称", "类型"], ["T09", "庚镇", TOWNSHIP]])
    with pytest.raises(ImportFileError) as caught:
        read_units_workbook(path, actor=mini_county.admin, file_label=path.name)
    messages = [p.message for p in caught.value.problems]
    assert any("无法识别的列名，值为“单位名称”" in m for m in messages)
    assert any("缺少列：名称、简称、上级编码、服务人口、启用日期、撤销日期" in m for m in messages)
    fake = tmp_path / "机构.xlsx"
    fake.write_bytes(b"%PDF-1.4 not a workbook")
    with pytest.raises(ImportFileError, match="文件“机构.xlsx”：文件无法打开"):
        read_units_workbook(fake, actor=mini_county.admin, file_label=fake.name)


def test_only_admins_import_units_and_only_in_their_subtree(mini_county: Any, tmp_path: Path) -> None:
    path = _write(tmp_path / "机构.xlsx", [HEADER, _row()])
    with pytest.raises(ImportFileError, match="只有系统管理员可以导入组织机构"):
        read_units_workbook(path, actor=mini_county.inspector, file_label=path.name)
    outside = _write(tmp_path / "外县.xlsx", [HEADER, _row(code="X01", parent="X00")])
    with pytest.raises(ImportFileError, match="第 2 行 A 列（编码）：单位不在您管理的范围内"):
        read_units_workbook(outside, actor=mini_county.admin, file_label=outside.name)


def test_commands_export_then_import(mini_county: Any, tmp_path: Path) -> None:
    path = tmp_path / "全县.xlsx"
    out = io.StringIO()
    call_command("export_units", str(path), root="T00", stdout=out)
    assert "已导出 6 个单位" in out.getvalue()
    book = load_workbook(path)
    book["组织机构"].append(["T06", "己镇卫生院", "己镇", TOWNSHIP, "T00", 4000, None, None])
    book.save(path)
    out = io.StringIO()
    call_command("import_units", str(path), user="admin1", stdout=out)
    assert "新建 1 个，修改 0 个，未变 6 个单位" in out.getvalue()
    assert OrgUnit.objects.get(code="T06").path == "/T00/T06/"


def test_import_command_lists_problems_and_writes_nothing(mini_county: Any, tmp_path: Path) -> None:
    path = _write(tmp_path / "机构.xlsx", [HEADER, _row(kind="卫生所"), _row(code="T07", population=-1)])
    before = _state()
    out = io.StringIO()
    with pytest.raises(CommandError, match="共发现 2 个问题，未写入任何数据"):
        call_command("import_units", str(path), user="admin1", stdout=out)
    assert "类型无法识别" in out.getvalue() and "不能为负数" in out.getvalue()
    assert _state() == before
    with pytest.raises(CommandError, match="找不到文件"):
        call_command("import_units", str(tmp_path / "无.xlsx"), stdout=out)
    with pytest.raises(CommandError, match=r"扩展名应为 \.xlsx"):
        call_command("export_units", str(tmp_path / "units.csv"), stdout=out)


def test_moving_a_unit_moves_its_subtree(mini_county: Any, tmp_path: Path) -> None:
    path = _write(tmp_path / "调整.xlsx", [HEADER, ["T01", "甲镇卫生院", "甲镇", TOWNSHIP, "T02", 10000, None, None]])
    result = import_units(actor=mini_county.admin,
                          rows=read_units_workbook(path, actor=mini_county.admin, file_label=path.name))
    assert result.updated == ["T01"]
    assert OrgUnit.objects.get(code="T0101").path == "/T00/T02/T01/T0101/"
    entry = AuditEntry.objects.filter(action="orgs.update_unit").get()
    assert entry.before is not None and entry.after is not None
    assert (entry.before["parent"], entry.after["parent"]) == ("T00", "T02")
