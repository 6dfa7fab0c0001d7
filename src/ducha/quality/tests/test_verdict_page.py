"""The quality page shows the kinds of trouble apart, the fabrication verdict with its confidence, and the
county-habit notes once above the units (never per unit)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from ducha.conftest import login
from ducha.core.periods import parse_period
from ducha.quality.actions import run_quality_scan
from ducha.quality.models import CheckResult, QualityRun, ResultStatus
from ducha.quality.tests.test_verdict import _incomplete_township, _two_signal_township

pytestmark = pytest.mark.usefixtures("quality_urls")
HABIT_TEXT = "全县 4/4 个单位血压末位多为 0：是全县的习惯，不作为各单位的问题"


def _scanned(county: Any) -> QualityRun:
    _two_signal_township(county.town_a, county.officer_a)
    _incomplete_township(county.town_b, county.officer_b)
    run = run_quality_scan(actor=county.inspector, period=parse_period("2012Q1"), root=county.county)
    CheckResult.objects.create(run=run, check_id="DQ-F09", unit=county.county, status=ResultStatus.HABIT,
                               n=4, evidence={"habit_units": 4, "peer_units": 4}, evidence_text=HABIT_TEXT)
    return run


def _row(page: str, code: str) -> str:
    found = re.search(rf'<tr data-unit="{code}".*?</tr>', page, re.S)
    assert found, code
    return found.group(0)


def test_unit_table_shows_verdict_confidence_and_kinds_apart(mini_county: Any) -> None:
    _scanned(mini_county)
    page = login("inspector1").get("/quality/?period=2012Q1&unit=T00").content.decode()
    made_up, incomplete = _row(page, "T01"), _row(page, "T02")
    assert 'data-verdict="suspect"' in made_up and "疑似编造" in made_up and "把握高" in made_up
    assert "疑似编造" not in incomplete and 'data-verdict="suspect"' not in incomplete
    cell = re.search(r'q-kind-incomplete">(\d+) 本', incomplete)
    assert cell and int(cell.group(1)) >= 20  # the missing names are counted, in their own column
    assert re.search(r'q-kind-fabrication">0<', incomplete)
    assert "判定依据：2 组相互独立的编造迹象" in page or "判定依据：3 组相互独立的编造迹象" in page


def test_habit_note_appears_once_above_the_units_for_who_sees_the_county(mini_county: Any) -> None:
    _scanned(mini_county)
    page = login("inspector1").get("/quality/?period=2012Q1&unit=T00").content.decode()
    assert page.count(HABIT_TEXT) == 1
    notes = page.index('id="habit-notes"')
    assert notes < page.index('id="unit-scores"') and page.index(HABIT_TEXT) > notes
    assert "全县习惯" in page[notes:page.index('id="unit-scores"')]
    page = login("officer_b").get("/quality/?period=2012Q1").content.decode()
    assert 'data-unit="T02"' in page and HABIT_TEXT not in page and 'id="habit-notes"' not in page
