"""The home dashboard on a small hand-made quarter: key indicators per township vs targets, reporting."""

from __future__ import annotations

import json
import re
from datetime import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from ducha.conftest import MiniCounty
from ducha.core.periods import parse_period
from ducha.indicators.models import Indicator, Target
from ducha.reporting.actions import save_report


@pytest.fixture
def quarter(mini_county: MiniCounty) -> MiniCounty:
    """January 2012 only: 甲镇 on time, 乙乡 late, 丙镇 and 县医院 nothing.

    建卡率: 甲镇 80/100 = 80 %, 乙乡 20/50 = 40 %, county 100/150 = 66.67 % (task 70 % for everyone).
    叶酸补服人数: 甲镇 50 of a Q1 task 240/4 = 60; 乙乡 30 of 80/4 = 20; county 80 of 80.
    """
    mc = mini_county

    def report(unit: str, values: dict[str, int], day: str) -> None:
        save_report(actor=mc.inspector, data_set=mc.data_set, unit_code=unit, period=parse_period("201201"),
                    values=values, submitted_at=timezone.make_aware(datetime.fromisoformat(day)))

    report("T01", {"PREG_TOTAL": 100, "PREG_REGISTERED": 80, "FOLIC_NEW": 50}, "2012-02-03T10:00")
    report("T02", {"PREG_TOTAL": 50, "PREG_REGISTERED": 20, "FOLIC_NEW": 30}, "2012-02-20T10:00")
    Target.objects.create(indicator=Indicator.objects.get(code="REG_RATE"), org_unit=mc.county, year=2012,
                          annual_value=Decimal(70))
    folic = Indicator.objects.get(code="FOLIC_COUNT")
    Target.objects.create(indicator=folic, org_unit=mc.town_a, year=2012, annual_value=Decimal(240))
    Target.objects.create(indicator=folic, org_unit=mc.town_b, year=2012, annual_value=Decimal(80))
    return mc


@pytest.fixture
def inspector(client: Client, quarter: MiniCounty) -> Client:
    client.force_login(quarter.inspector)
    return client


def chart_data(html: str, code: str) -> dict[str, Any]:
    match = re.search(rf'<script id="chart-{code}" type="application/json">(.*?)</script>', html, re.S)
    assert match, f"no chart data for {code}"
    return json.loads(match.group(1))


def test_default_period_is_latest_quarter_with_data(inspector: Client) -> None:
    response = inspector.get("/")
    assert response.status_code == 200
    assert response.context["period"].code == "2012Q1"
    assert response.context["root"].code == "T00"
    assert "2012年第一季度" in response.content.decode()


def test_key_indicators_against_targets(inspector: Client) -> None:
    response = inspector.get("/?period=2012Q1")
    panels = {p.code: p for p in response.context["panels"]}
    assert list(panels) == ["REG_RATE", "MATERNAL_POP_RATIO", "MAT_SYS_RATE", "CHILD_SYS_RATE", "FOLIC_COUNT",
                            "TRIPLE_TEST_COUNT"]
    reg = panels["REG_RATE"]
    assert (reg.total.numerator, reg.total.denominator, round(reg.total.value, 2)) == (100, 150, 66.67)
    assert reg.total.target == 70 and reg.total.target_met is False
    assert [(r.unit_label, r.value, r.rank) for r in reg.peers[:2]] == [("甲镇", 80.0, 1), ("乙乡", 40.0, 2)]
    assert [r.unit_label for r in reg.met] == ["甲镇"]
    assert [r.unit_label for r in reg.missed] == ["乙乡"]
    folic = panels["FOLIC_COUNT"]
    assert (folic.total.value, folic.total.target, folic.total.attainment) == (80, 80, 100)
    assert [r.unit_label for r in folic.met] == ["乙乡"]
    assert [(r.unit_label, round(r.attainment, 1)) for r in folic.missed] == [("甲镇", 83.3)]
    html = response.content.decode()
    overview = html[html.index('id="key-indicators"'):html.index("各单位重点指标排名")]
    assert "<strong>66.7</strong>" in overview and "95.2%" in overview  # 66.67 ÷ 70
    assert "达标单位（1个）</strong><p>甲镇</p>" in html
    assert "未达标单位（1个）</strong><p>乙乡</p>" in html


def test_chart_data_is_passed_with_json_script(inspector: Client) -> None:
    html = inspector.get("/?period=2012Q1").content.decode()
    data = chart_data(html, "REG_RATE")
    assert data["categories"] == ["甲镇", "乙乡", "丙镇", "县医院"]
    assert data["values"] == [80.0, 40.0, None, None]
    assert data["targets"] == [70.0, 70.0, 70.0, 70.0]
    assert data["met"] == [True, False, None, None]
    assert data["total"] == 66.67
    assert "/static/vendor/echarts.min.js" in html and "/static/vendor/htmx.min.js" in html
    assert "http://" not in html and "https://" not in html  # nothing from the internet


def test_reporting_completeness_and_timeliness(inspector: Client) -> None:
    response = inspector.get("/?period=2012Q1")
    summary = response.context["summary"]
    assert (summary["expected"], summary["received"], summary["timely"]) == (12, 2, 1)
    assert round(summary["completeness"], 1) == 16.7
    rows = {s["row"].unit.code: s for s in response.context["status"]}
    assert rows["T01"]["missing"] == "2月、3月" and rows["T01"]["late"] == ""
    assert rows["T02"]["late"] == "1月"
    assert rows["T03"]["missing"] == "1月、2月、3月"
    html = response.content.decode()
    assert "16.7%" in html and "迟报：</strong>乙乡（1月）" in html
    assert "缺报：</strong>甲镇（2月、3月）、乙乡（2月、3月）、丙镇（1月、2月、3月）、县医院（1月、2月、3月）" in html


def test_indicator_switch_is_an_htmx_fragment(inspector: Client) -> None:
    url = "/dashboard/indicator/?unit=T00&period=2012Q1&indicator=FOLIC_COUNT"
    response = inspector.get(url, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html and html.lstrip().startswith('<div id="indicator-panel"')
    assert chart_data(html, "FOLIC_COUNT")["values"][:2] == [30.0, 50.0]
    assert 'hx-get="/dashboard/indicator/?period=2012Q1&amp;unit=T00&amp;indicator=REG_RATE"' in html
    bad = inspector.get("/dashboard/indicator/?unit=T00&period=2012Q1&indicator=IMR")
    assert bad.status_code == 400 and "未知的重点指标" in bad.content.decode()


def test_selected_indicator_opens_in_the_full_page(inspector: Client) -> None:
    response = inspector.get("/?period=2012Q1&indicator=FOLIC_COUNT")
    assert response.context["panel"].code == "FOLIC_COUNT"


def test_bad_period_shows_a_chinese_error_and_the_default(inspector: Client) -> None:
    response = inspector.get("/?period=2012Q9")
    assert response.status_code == 400
    assert "无法识别的期间“2012Q9”" in response.content.decode()
    assert response.context["period"].code == "2012Q1"


@pytest.mark.parametrize(("period", "reg_total"), [("201201", 66.67), ("2012", 66.67), ("2012MCH", 66.67),
                                                   ("201202", None)])
def test_other_period_kinds(inspector: Client, period: str, reg_total: float | None) -> None:
    response = inspector.get(f"/?period={period}")
    assert response.status_code == 200
    total = response.context["panels"][0].total
    assert (None if total.value is None else round(total.value, 2)) == reg_total


def test_officer_dashboard_is_their_township(client: Client, quarter: MiniCounty) -> None:
    client.force_login(quarter.officer_a)
    response = client.get("/?period=2012Q1")
    reg = response.context["panels"][0]
    assert response.context["root"].code == "T01"
    assert (reg.total.unit_code, reg.total.value) == ("T01", 80.0)
    assert [s["row"].unit.code for s in response.context["status"]] == ["T01"]
