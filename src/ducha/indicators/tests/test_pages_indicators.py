"""The indicator page: any unit in scope, any period, one or all indicators; CSV and Excel exports."""

from __future__ import annotations

import io

import pytest
from django.test import Client
from openpyxl import load_workbook

from ducha.conftest import MiniCounty
from ducha.core.periods import parse_period
from ducha.indicators.models import Indicator
from ducha.reporting.actions import save_report


@pytest.fixture
def inspector(client: Client, mini_county: MiniCounty) -> Client:
    for unit, total, registered in (("T01", 100, 80), ("T02", 50, 20), ("T03", 40, 40)):
        save_report(actor=mini_county.inspector, data_set=mini_county.data_set, unit_code=unit,
                    period=parse_period("201202"), values={"PREG_TOTAL": total, "PREG_REGISTERED": registered})
    client.force_login(mini_county.inspector)
    return client


def test_all_indicators_for_the_county(inspector: Client) -> None:
    response = inspector.get("/indicators/?unit=T00&period=2012Q1")
    assert response.status_code == 200
    groups = response.context["groups"]
    codes = [g.total.indicator_code for g in groups]
    assert len(codes) == Indicator.objects.count() and codes[0] == "REG_RATE"
    # one fold-out per indicator: the first open with its units, the others load theirs when opened
    assert groups[0].rows is not None and all(g.rows is None for g in groups[1:])
    rows = response.context["rows"]
    reg = [r for r in rows if r.indicator_code == "REG_RATE"]
    assert [(r.unit_code, r.rank) for r in reg] == [("T00", None), ("T03", 1), ("T01", 2), ("T02", 3), ("T10", None)]
    assert round(reg[0].value, 2) == 73.68  # 140 ÷ 190
    html = response.content.decode()
    assert "测试县（合计）" in html and "<strong>73.7</strong>" in html
    assert 'href="/indicators/export.xlsx?unit=T00&amp;period=2012Q1&amp;indicator=&amp;level=children"' in html


def test_one_indicator_one_township_one_month(inspector: Client) -> None:
    response = inspector.get("/indicators/?unit=T01&period=201202&indicator=REG_RATE")
    rows = response.context["rows"]
    assert [(r.unit_code, r.numerator, r.denominator, r.value) for r in rows] == [("T01", 80.0, 100.0, 80.0)]
    assert "甲镇（合计）" in response.content.decode()


def test_level_is_passed_on(inspector: Client) -> None:
    response = inspector.get("/indicators/?unit=T00&period=2012Q1&indicator=REG_RATE&level=all")
    assert response.context["level"] == "all"
    assert {r.unit_code for r in response.context["rows"]} == {"T00", "T01", "T02", "T03", "T10"}
    assert 'value="all" selected' in response.content.decode()


@pytest.mark.parametrize(("query", "message"), [
    ("period=2012Q7", "无法识别的期间“2012Q7”"),
    ("period=2012Q1&indicator=NOPE", "没有编码为“NOPE”的指标"),
])
def test_bad_query_is_explained(inspector: Client, query: str, message: str) -> None:
    response = inspector.get(f"/indicators/?{query}")
    assert response.status_code == 400
    assert message in response.content.decode()
    assert response.context["rows"] == []
    export = inspector.get(f"/indicators/export.csv?{query}")
    assert export.status_code == 400 and message in export.content.decode()


def test_csv_export(inspector: Client) -> None:
    response = inspector.get("/indicators/export.csv?unit=T00&period=2012Q1&indicator=REG_RATE")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="indicators_T00_2012Q1.csv"' in response["Content-Disposition"]
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff指标,单位编码,单位,分子,分母,值")
    lines = text.splitlines()
    assert lines[1].startswith("建卡率,T00,测试县,140,190,73.68")
    assert lines[2].startswith("建卡率,T03,丙镇,40,40,100")


def test_xlsx_export(inspector: Client) -> None:
    response = inspector.get("/indicators/export.xlsx?unit=T01&period=2012Q1")
    assert response.status_code == 200
    assert 'filename="indicators_T01_2012Q1.xlsx"' in response["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet is not None
    assert sheet["A2"].value == "指标" and sheet["A3"].value == "建卡率"
    assert (sheet["B3"].value, sheet["D3"].value, sheet["E3"].value, sheet["F3"].value) == ("T01", 80, 100, 80)


def test_a_closed_indicator_loads_its_units_when_opened(inspector: Client) -> None:
    page = inspector.get("/indicators/?unit=T00&period=2012Q1").content.decode()
    group = page[page.index('id="ind-MATERNAL_POP_RATIO"'):]
    group = group[:group.index("</details>")]
    assert 'data-unit="T01"' not in group  # not sent with the page…
    url = "/indicators/rows/?unit=T00&amp;period=2012Q1&amp;indicator=MATERNAL_POP_RATIO&amp;level=children"
    assert f'hx-get="{url}"' in group and 'hx-trigger="toggle once from:closest details"' in group
    fragment = inspector.get(url.replace("&amp;", "&"))
    assert fragment.status_code == 200
    units = [r.unit_code for r in fragment.context["rows"]]
    assert set(units) == {"T01", "T02", "T03", "T10"}  # …but when the fold-out is opened
    assert 'data-indicator="MATERNAL_POP_RATIO" data-unit="T01"' in fragment.content.decode()


def test_group_rows_are_scoped_and_need_an_indicator(inspector: Client, mini_county) -> None:
    assert inspector.get("/indicators/rows/?unit=T00&period=2012Q1").status_code == 400
    officer = Client()
    officer.force_login(mini_county.officer_a)
    assert officer.get("/indicators/rows/?unit=T00&period=2012Q1&indicator=REG_RATE").status_code in (403, 404)
    own = officer.get("/indicators/rows/?unit=T01&period=2012Q1&indicator=REG_RATE")
    assert own.status_code == 200 and "T02" not in own.content.decode()
