"""The shared unit/period picker (``core/_picker.html``, ``ducha.orgs.pickers``, ``ducha.core.pickers``) and
the shared import-problem table (``core/_problems.html``)."""

from __future__ import annotations

import re
from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template.loader import render_to_string
from django.test import Client, RequestFactory
from django.urls import reverse

from ducha.conftest import MiniCounty
from ducha.core.import_problems import ImportFileError, ImportProblem
from ducha.core.periods import month, quarter
from ducha.core.pickers import period_choices, read_period, unit_choices
from ducha.orgs.pickers import unit_picker

UNIT_SELECT = re.compile(r'<select id="f-unit" name="unit">(.*?)</select>', re.S)
OPTION = re.compile(r'<option value="([^"]*)"( selected)?>([^<]*)</option>')


def unit_options(html: str) -> list[tuple[str, bool, str]]:
    match = UNIT_SELECT.search(html)
    assert match, "no unit picker on the page"
    return [(code, bool(sel), label) for code, sel, label in OPTION.findall(match[1])]


def test_unit_choices_indent_below_the_highest_unit() -> None:
    units = [SimpleNamespace(code="A", name="县", level=2), SimpleNamespace(code="B", name="镇", level=3),
             SimpleNamespace(code="C", name="村", level=4)]
    assert unit_choices(units) == [("A", "县"), ("B", "　镇"), ("C", "　　村")]
    assert unit_choices([]) == []


@pytest.mark.django_db
def test_unit_picker_offers_only_the_actors_units(mini_county: MiniCounty) -> None:
    county = unit_picker(mini_county.inspector)
    assert [code for code, _ in county] == ["T00", "T01", "T02", "T03", "T10"]  # tree order, no village, no X00
    assert county[0] == ("T00", "测试县") and county[1] == ("T01", "　甲镇卫生院")
    assert [code for code, _ in unit_picker(mini_county.inspector, villages=True)] == \
        ["T00", "T01", "T0101", "T02", "T03", "T10"]
    assert unit_picker(mini_county.officer_a) == [("T01", "甲镇卫生院")]
    assert [code for code, _ in unit_picker(mini_county.outsider)] == ["X00"]


def test_read_period_reports_a_bad_period_in_chinese() -> None:
    default = quarter(2012, 1)
    good = RequestFactory().get("/", {"period": "201203"})
    assert read_period(good, default) == (month(2012, 3), "")
    period, error = read_period(RequestFactory().get("/", {"period": "2012X9"}), default)
    assert period == default and error and "2012X9" in error


def test_period_choices_group_by_year_and_keep_the_selected_one() -> None:
    groups = period_choices(month(2011, 5), quarter(2012, 4))
    assert [g for g, _ in groups] == ["2012年", "2011年"]
    assert "201105" in [code for code, _ in groups[1][1]]  # the selected month is offered


@pytest.mark.django_db
@pytest.mark.parametrize(("who", "url_name", "want"), [
    ("inspector", "reporting:status", ["T00", "T01", "T02", "T03", "T10"]),
    ("inspector", "indicator_list", ["T00", "T01", "T0101", "T02", "T03", "T10"]),
    ("inspector", "quality:suspects", ["T00", "T01", "T02", "T03", "T10"]),
    ("inspector", "registers:list", ["", "T00", "T01", "T02", "T03", "T10"]),  # first: 全部
    ("officer_a", "reporting:entry", ["T01"]),
    ("officer_a", "registers:list", ["", "T01"]),
])
def test_every_page_builds_its_picker_from_the_actors_units(mini_county: MiniCounty, who: str, url_name: str,
                                                            want: list[str]) -> None:
    client = Client()
    client.force_login(getattr(mini_county, who))
    html = client.get(reverse(url_name)).content.decode()
    options = unit_options(html)
    assert [code for code, _, _ in options] == want
    assert "X00" not in html  # another county's unit is never offered
    if want[0] == "":
        assert options[0][2] == "全部"
    assert 'id="f-period"' in html or url_name == "registers:list"


@pytest.mark.django_db
def test_the_selected_unit_is_marked(mini_county: MiniCounty) -> None:
    client = Client()
    client.force_login(mini_county.inspector)
    options = unit_options(client.get(reverse("reporting:status"), {"unit": "T02"}).content.decode())
    assert [code for code, selected, _ in options if selected] == ["T02"]


def test_problem_table_partial_lists_each_problem_with_its_place() -> None:
    error = ImportFileError([ImportProblem("IMP020", "月报.xlsx", "不是数字", sheet="月报", row=5, column="D",
                                           header="活产数", value="abc", expected="0 或正整数")])
    html = render_to_string("core/_problems.html", {"import_error": error, "file_names": "月报.xlsx"})
    assert 'id="problem-table"' in html and "文件“月报.xlsx”有" in html and "未导入任何数据" in html
    row = re.search(r"<tbody>(.*?)</tbody>", html, re.S)
    assert row
    cells = [c.strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row[1], re.S)]
    assert cells == ["1", "IMP020", "月报.xlsx", "月报", "5", "D（活产数）", "abc", "不是数字", "0 或正整数"]


@pytest.mark.django_db
def test_both_upload_pages_show_the_shared_problem_table(mini_county: MiniCounty) -> None:
    client = Client()
    client.force_login(mini_county.officer_a)
    bad = b"\x00not a spreadsheet"
    for url, field in ((reverse("reporting_excel:upload"), "file"), (reverse("registers:upload"), "upload")):
        response = client.post(url, {"data_set": "MCH_MONTHLY", field: SimpleUploadedFile("坏.xlsx", bad)})
        html = response.content.decode()
        assert response.status_code in (200, 400)
        assert 'id="problem-table"' in html and "未导入任何数据" in html, url
        assert "<th>序号</th><th>编号</th><th>文件</th><th>工作表</th>" in html
