"""The dashboard colours reporting rates by the same targets as the quality checks DQ-R01 / DQ-R02."""

from __future__ import annotations

import re
from datetime import datetime

import pytest
from django.test import Client, override_settings
from django.utils import timezone

from ducha.conftest import MiniCounty
from ducha.core.periods import parse_period
from ducha.reporting.actions import save_report


@pytest.fixture
def inspector(client: Client, mini_county: MiniCounty) -> Client:
    """January 2012: 甲镇 on time, 乙乡 late, 丙镇 and 县医院 nothing — completeness 50 %, timeliness 25 %."""
    mc = mini_county
    for unit, day in (("T01", "2012-02-03T10:00"), ("T02", "2012-02-20T10:00")):
        save_report(actor=mc.inspector, data_set=mc.data_set, unit_code=unit, period=parse_period("201201"),
                    values={"PREG_TOTAL": 10, "PREG_REGISTERED": 8},
                    submitted_at=timezone.make_aware(datetime.fromisoformat(day)))
    client.force_login(mc.inspector)
    return client


def stat_class(html: str, value_id: str) -> str:
    match = re.search(rf'<div class="stat (\w+)">\s*<div class="stat-label">[^<]*</div>\s*<div class="stat-value" '
                      rf'id="{value_id}">', html)
    assert match, value_id
    return match.group(1)


def row_spans(html: str, unit: str) -> list[str]:
    row = re.search(rf'<tr><td class="unit-name">{unit}</td>(.*?)</tr>', html, re.S)
    assert row, unit
    return re.findall(r'<span class="([^"]*)">[\d.]+%</span>', row.group(1))


def dashboard(client: Client) -> str:
    response = client.get("/?period=201201")
    assert response.status_code == 200
    return response.content.decode()


def test_the_default_targets_are_90_and_75_percent(inspector: Client) -> None:
    html = dashboard(inspector)
    assert stat_class(html, "stat-completeness") == "bad" and stat_class(html, "stat-timeliness") == "bad"
    assert "（目标 ≥90%）" in html and "（目标 ≥75%）" in html


def test_the_colour_boundary_moves_with_the_quality_settings(inspector: Client) -> None:
    with override_settings(DUCHA_QUALITY={"DQ-R01": {"min_rate": 0.5}, "DQ-R02": {"min_rate": 0.25}}):
        html = dashboard(inspector)
    assert stat_class(html, "stat-completeness") == "good"  # 50 % is not below a 50 % target
    assert stat_class(html, "stat-timeliness") == "good"
    assert "（目标 ≥50%）" in html and "（目标 ≥25%）" in html
    with override_settings(DUCHA_QUALITY={"DQ-R01": {"min_rate": 0.51}, "DQ-R02": {"min_rate": 0.26}}):
        html = dashboard(inspector)
    assert stat_class(html, "stat-completeness") == "bad" and stat_class(html, "stat-timeliness") == "bad"
    assert "（目标 ≥51%）" in html and "（目标 ≥26%）" in html


def test_each_units_rates_use_the_same_targets(inspector: Client) -> None:
    # 乙乡 reported late: completeness 100 %, timeliness 0 %.
    assert row_spans(dashboard(inspector), "乙乡") == ["", "text-bad"]
    with override_settings(DUCHA_QUALITY={"DQ-R02": {"min_rate": 0.0}}):
        assert row_spans(dashboard(inspector), "乙乡") == ["", ""]
    with override_settings(DUCHA_QUALITY={"DQ-R01": {"min_rate": 1.0}}):
        assert row_spans(dashboard(inspector), "甲镇") == ["", ""]  # 100 % meets a 100 % target
