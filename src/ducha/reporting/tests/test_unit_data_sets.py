"""Which units report which data set: the 报送数据集 column of ``ducha import-units`` and the API, audited."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from openpyxl import Workbook

from ducha.audit.models import AuditEntry
from ducha.core.excel_io import ImportFileError
from ducha.orgs.excel import UNIT_COLUMNS, import_units, read_units_workbook
from ducha.reporting.mch_pack import HOSP_MONTHLY, MCH_MONTHLY
from ducha.reporting.models import DataSet

pytestmark = pytest.mark.django_db
HEADER = [*UNIT_COLUMNS.values(), "报送数据集"]
TOWNSHIP = "乡镇卫生院/社区卫生服务中心"
HOSPITAL = "县直医疗卫生单位"


def _write(path: Path, rows: list[list[Any]]) -> Path:
    book = Workbook()
    ws = book.active
    assert ws is not None
    ws.title = "组织机构"
    for row in rows:
        ws.append(row)
    book.save(path)
    return path


def _assigned() -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for data_set in DataSet.objects.order_by("code"):
        for code in data_set.org_units.order_by("code").values_list("code", flat=True):
            out.setdefault(code, []).append(data_set.code)
    return out


def _state() -> tuple[dict[str, list[str]], int]:
    return _assigned(), AuditEntry.objects.count()


def test_import_units_sets_the_data_sets_by_code_or_name(mini_county: Any, tmp_path: Path) -> None:
    hospital_kind = mini_county.hospital.get_kind_display()
    path = _write(tmp_path / "机构.xlsx", [
        HEADER,
        ["T10", "测试县人民医院", "县医院", hospital_kind, "T00", 0, None, None, "助产机构分娩月报"],
        ["T02", "乙乡卫生院", "乙乡", TOWNSHIP, "T00", 12000, None, None, f"{MCH_MONTHLY}，{HOSP_MONTHLY.lower()}"],
        ["T04", "丁镇卫生院", "丁镇", TOWNSHIP, "T00", 5000, None, None, "妇幼保健月报表"],
        ["T03", "丙镇卫生院", "丙镇", TOWNSHIP, "T00", 8000, None, None, None]])
    result = import_units(actor=mini_county.admin, rows=read_units_workbook(path, actor=mini_county.admin,
                                                                            file_label=path.name))
    assert result.created == ["T04"] and sorted(result.updated) == ["T02", "T03", "T10"]
    assert _assigned() == {"T01": [MCH_MONTHLY], "T02": [HOSP_MONTHLY, MCH_MONTHLY], "T04": [MCH_MONTHLY],
                           "T10": [HOSP_MONTHLY]}
    audit = AuditEntry.objects.get(action="reporting.set_unit_data_sets", object_id="T10")
    assert audit.before == {"data_sets": [MCH_MONTHLY]} and audit.after == {"data_sets": [HOSP_MONTHLY]}
    assert "设置单位 测试县人民医院 报送的报表：助产机构分娩月报" in audit.summary and audit.actor == mini_county.admin


def test_without_the_column_the_assignments_stay(mini_county: Any, tmp_path: Path) -> None:
    path = _write(tmp_path / "机构.xlsx", [list(UNIT_COLUMNS.values()),
                                          ["T02", "乙乡卫生院", "乙乡", TOWNSHIP, "T00", 12500, None, None]])
    import_units(actor=mini_county.admin, rows=read_units_workbook(path, actor=mini_county.admin,
                                                                   file_label=path.name))
    assert _assigned()["T02"] == [MCH_MONTHLY]


def test_an_unknown_data_set_is_a_located_problem_and_nothing_is_written(mini_county: Any, tmp_path: Path) -> None:
    path = _write(tmp_path / "机构.xlsx", [
        HEADER,
        ["T02", "乙乡卫生院", "乙乡", TOWNSHIP, "T00", 12000, None, None, "妇幼保健月报表、季报"],
        ["T05", "戊镇卫生院", "戊镇", TOWNSHIP, "T00", 6000, None, None, "MCH_MONTHLY"]])
    before = _state()
    with pytest.raises(ImportFileError) as caught:
        read_units_workbook(path, actor=mini_county.admin, file_label=path.name)
    (problem,) = caught.value.problems
    assert (problem.code, problem.row, problem.column) == ("IMP027", 2, "I")
    assert "文件“机构.xlsx” 工作表“组织机构” 第 2 行 I 列（报送数据集）：没有这个报表：季报" in problem.message
    assert "HOSP_MONTHLY（助产机构分娩月报）" in problem.message
    assert _state() == before


def test_the_command_refuses_the_file_whole(mini_county: Any, tmp_path: Path, capsys: Any) -> None:
    path = _write(tmp_path / "机构.xlsx", [
        HEADER, ["T02", "乙乡卫生院", "乙乡", TOWNSHIP, "T00", 12000, None, None, "XX_MONTHLY"]])
    before = _state()
    with pytest.raises(CommandError, match="未写入任何数据"):
        call_command("import_units", str(path), "--user", mini_county.admin.username)
    assert "没有这个报表：XX_MONTHLY" in capsys.readouterr().out
    assert _state() == before


def _api(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _put(client: Client, code: str, body: dict[str, Any]) -> Any:
    return client.put(f"/api/org-units/{code}/data-sets", json.dumps(body), content_type="application/json")


def test_api_lists_and_sets_a_units_data_sets_based_on_its_version(mini_county: Any) -> None:
    client = _api(mini_county.inspector)
    units = {u["code"]: u for u in client.get("/api/org-units").json()}
    assert units["T01"]["data_sets"] == [MCH_MONTHLY] and units["T0101"]["data_sets"] == []
    read = client.get("/api/org-units/T10/data-sets").json()
    assert read == {"unit": "T10", "unit_name": "测试县人民医院", "version": 0,
                    "data_sets": [{"code": MCH_MONTHLY, "name": "妇幼保健月报表"}]}
    done = _put(client, "T10", {"data_sets": [HOSP_MONTHLY], "based_on": 0})
    assert done.status_code == 200, done.content
    assert done.json()["data_sets"] == [{"code": HOSP_MONTHLY, "name": "助产机构分娩月报"}]
    version = done.json()["version"]
    assert version == AuditEntry.objects.get(action="reporting.set_unit_data_sets").id
    assert client.get("/api/org-units/T10").json()["data_sets"] == [HOSP_MONTHLY]
    stale = _put(_api(mini_county.admin), "T10", {"data_sets": [], "based_on": 0})
    assert stale.status_code == 409 and "已被他人修改（现为 HOSP_MONTHLY）" in stale.json()["detail"]
    assert _assigned()["T10"] == [HOSP_MONTHLY]
    assert _put(_api(mini_county.admin), "T10", {"data_sets": [], "based_on": version}).status_code == 200
    assert "T10" not in _assigned()


@pytest.mark.parametrize(("user", "unit", "body", "status", "text"), [
    ("officer_a", "T01", {"data_sets": [], "based_on": 0}, 403, "只有县级督查员和系统管理员"),
    ("leader", "T01", {"data_sets": [], "based_on": 0}, 403, "无权修改"),
    ("outsider", "T01", {"data_sets": [], "based_on": 0}, 404, "不存在或无权查看"),
    ("inspector", "T01", {"data_sets": ["NO_SUCH"], "based_on": 0}, 422, "没有这个报表：NO_SUCH"),
    ("inspector", "T01", {"data_sets": []}, 422, "based_on"),
])
def test_api_refuses_and_writes_nothing(mini_county: Any, user: str, unit: str, body: dict[str, Any], status: int,
                                        text: str) -> None:
    before = _state()
    response = _put(_api(getattr(mini_county, user)), unit, body)
    assert response.status_code == status, response.content
    assert text in response.content.decode()
    assert _state() == before


PAGE = "/reports/units/"


def test_the_units_page_shows_and_changes_the_data_sets_of_the_scope(mini_county: Any) -> None:
    officer = _api(mini_county.officer_a).get(PAGE).content.decode()
    assert 'data-unit="T01"' in officer and 'data-unit="T02"' not in officer and "<form" not in officer.split(
        'id="unit-data-sets"', 1)[1]
    client = _api(mini_county.inspector)
    page = client.get(PAGE).content.decode()
    assert 'id="form-T10"' in page and "助产机构分娩月报" in page
    done = client.post(PAGE, {"unit": "T10", "based_on": "0", "data_set": [HOSP_MONTHLY]}, follow=True)
    assert "已保存：测试县人民医院 报送 助产机构分娩月报" in done.content.decode()
    assert _assigned()["T10"] == [HOSP_MONTHLY]
    stale = client.post(PAGE, {"unit": "T10", "based_on": "0", "data_set": [MCH_MONTHLY]}, follow=True)
    assert "未保存：单位“测试县人民医院”报送的报表已被他人修改" in stale.content.decode()
    before = _state()
    assert _api(mini_county.officer_a).post(PAGE, {"unit": "T01", "based_on": "0"}).status_code == 403
    assert _state() == before
