"""A township officer looking at a county-wide scan sees only their township's figures (issue 6, item 8).

The run's own summary counts the whole county; the page, the run history and the exports recount the
figures over the officer's units, name the officer's unit as the scope, and say "县级检查" instead of
the county inspector's name.
"""

from __future__ import annotations

import io
import json
import re
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from openpyxl import load_workbook

from ducha.core.periods import parse_period
from ducha.quality.actions import run_quality_scan
from ducha.quality.export import run_to_json, run_to_xlsx
from ducha.quality.models import CheckResult, QualityRun, SuspectRecord
from ducha.quality.tests.registerdata import build_registers

pytestmark = pytest.mark.usefixtures("quality_urls")  # quality/tests/conftest.py
Q1 = parse_period("2012Q1")
# What only the county or the other township would show: T02's unit, its records, the inspector, the county.
FOREIGN = ["T02", "乙乡", "B000", "B001", "乙0", "inspector1", "测试县", "T03", "丙镇", "T10", "县医院"]


@pytest.fixture
def county_run(mini_county: Any) -> tuple[Any, QualityRun]:
    build_registers(mini_county)
    mini_county.inspector.first_name = "县督查员"
    mini_county.inspector.save()
    return mini_county, run_quality_scan(actor=mini_county.inspector, period=Q1, root=mini_county.county)


def own_figures(run: QualityRun, unit: Any) -> dict[str, int]:
    results = CheckResult.objects.filter(run=run, unit=unit)
    return {"fired": results.filter(status="fired").count(), "undecided": results.filter(status="undecided").count(),
            "suspects": SuspectRecord.objects.filter(run=run, unit=unit).count()}


def page_of(name: str, query: str = "?period=2012Q1") -> str:
    client = Client()
    client.force_login(get_user_model().objects.get(username=name))
    response = client.get("/quality/" + query)
    assert response.status_code == 200
    return response.content.decode()


def stat(page: str, name: str) -> int:
    match = re.search(rf'id="stat-{name}">(\d+)<', page)
    assert match, f"stat-{name} missing"
    return int(match[1])


def test_township_page_shows_only_its_own_figures(county_run: tuple[Any, QualityRun]) -> None:
    county, run = county_run
    mine = own_figures(run, county.town_a)
    assert (mine["fired"], mine["suspects"]) != (run.summary["fired"], run.summary["suspects"])  # else no test
    page = page_of("officer_a")
    assert stat(page, "fired") == mine["fired"] and stat(page, "suspects") == mine["suspects"]
    assert f"无法判断 {mine['undecided']} 项" in page
    assert '<span id="run-by">县级检查</span>' in page and '<span id="run-scope">甲镇卫生院</span>' in page
    assert "县督查员" not in page
    for text in FOREIGN:
        assert text not in page, text


def test_township_run_history_is_recounted(county_run: tuple[Any, QualityRun]) -> None:
    county, run = county_run
    mine = own_figures(run, county.town_a)
    page = page_of("officer_a")
    history = page[page.index("<h2>检查记录</h2>"):]
    row = re.search(r"<td>2012年第一季度</td><td>(.*?)</td><td>(.*?)</td><td class=\"num\">(\d+)</td>"
                    r"<td class=\"num\">(\d+)</td>", history)
    assert row is not None
    assert row.groups() == ("甲镇", "县级检查", str(mine["fired"]), str(mine["suspects"]))
    assert str(run.summary["fired"]) not in re.findall(r'class="num">(\d+)<', history)


def test_county_inspector_still_sees_county_totals_and_name(county_run: tuple[Any, QualityRun]) -> None:
    _, run = county_run
    page = page_of("inspector1")
    assert stat(page, "fired") == run.summary["fired"] and stat(page, "suspects") == run.summary["suspects"]
    assert '<span id="run-by">县督查员</span>' in page and '<span id="run-scope">测试县</span>' in page


def test_leader_on_a_township_page_sees_the_townships_figures(county_run: tuple[Any, QualityRun]) -> None:
    county, run = county_run
    mine = own_figures(run, county.town_b)
    page = page_of("leader1", "?period=2012Q1&unit=T02")
    assert stat(page, "fired") == mine["fired"] and stat(page, "suspects") == mine["suspects"]
    assert '<span id="run-by">县督查员</span>' in page and '<span id="run-scope">乙乡卫生院</span>' in page


def test_exports_for_a_township_hold_only_its_figures(county_run: tuple[Any, QualityRun]) -> None:
    county, run = county_run
    mine = own_figures(run, county.town_a)
    data = json.loads(run_to_json(county.officer_a, run, county.town_a))
    assert data["root"] == "T01" and data["summary"]["scope"] == "T01"
    assert {k: data["summary"][k] for k in mine} == mine
    assert {s["单位编码"] for s in data["单位得分"]} == {"T01"}
    assert {r["单位编码"] for r in data["检查结果"]} == {"T01"}
    assert {s["单位"] for s in data["可疑记录"]} == {"甲镇"}
    text = json.dumps(data, ensure_ascii=False)
    book = load_workbook(io.BytesIO(run_to_xlsx(county.officer_a, run, county.town_a)), read_only=True)
    cells = " ".join(str(v) for ws in book.worksheets for row in ws.iter_rows(values_only=True) for v in row
                     if v is not None)
    for foreign in FOREIGN:
        assert foreign not in text and foreign not in cells, foreign
