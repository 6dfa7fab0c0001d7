"""Indicator tables kept between requests: the engine's numbers exactly, per scope, never stale.

Writes go through the real views (the report form, the register forms); reads through the dashboard, the
indicator page, the quality page and the API, as a browser or a script would make them.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from ducha.audit.generation import data_generation
from ducha.conftest import MiniCounty, client_of
from ducha.core.periods import parse_period
from ducha.indicators import engine
from ducha.indicators.selectors import indicator_table
from ducha.reporting.actions import save_report
from ducha.reporting.tests.entry_client import submit

pytestmark = [pytest.mark.django_db, pytest.mark.urls("ducha.registers.tests.urls")]
Q1 = parse_period("2012Q1")
API = "/api/indicator-values?period=2012Q1"


@pytest.fixture
def county(mini_county: MiniCounty) -> MiniCounty:
    for unit, registered, total in (("T01", 24, 30), ("T02", 9, 12), ("T03", 5, 10)):
        save_report(actor=mini_county.admin, data_set=mini_county.data_set, unit_code=unit,
                    period=parse_period("201202"), values={"PREG_REGISTERED": registered, "PREG_TOTAL": total})
    return mini_county


def api_rows(client: Client, query: str = "") -> dict[tuple[str, str], dict[str, Any]]:
    response = client.get(API + query)
    assert response.status_code == 200, response.content.decode()
    return {(r["unit_code"], r["indicator_code"]): r for r in json.loads(response.content)["rows"]}


def listed_numerator(client: Client, unit: str) -> str:
    """REG_RATE's numerator of ``unit`` as the indicator page's table lists it (its CSV export)."""
    query = "unit=T00&period=2012Q1&indicator=REG_RATE"
    assert client.get(f"/indicators/?{query}").status_code == 200
    lines = client.get(f"/indicators/export.csv?{query}").content.decode("utf-8-sig").splitlines()
    rows = [line.split(",") for line in lines[1:]]
    return next(r[3] for r in rows if r[1] == unit)


@pytest.mark.parametrize(("who", "root", "level"), [
    ("inspector", "county", "children"), ("inspector", "county", "all"), ("officer_a", "town_a", "all"),
    ("leader", "town_b", "children"),
])
def test_kept_table_is_exactly_the_engines(county: MiniCounty, engine_calls: list[str], who: str, root: str,
                                          level: Any) -> None:
    actor, unit = getattr(county, who), getattr(county, root)
    first = indicator_table(actor, period=Q1, root=unit, level=level)
    again = indicator_table(actor, period=Q1, root=unit, level=level)
    fresh = engine.compute_indicator_table(actor, period=Q1, root=unit, level=level)
    assert first.rows and again.rows == first.rows == fresh.rows
    assert (again.period, again.root) == (fresh.period, fresh.root)
    assert engine_calls == [unit.code, unit.code]  # the second read was kept; the last call is ``fresh``


def test_api_json_is_kept_and_equals_a_fresh_table(county: MiniCounty, engine_calls: list[str]) -> None:
    client = client_of(county.inspector)
    first, again = api_rows(client, "&level=all"), api_rows(client, "&level=all")
    assert first == again and engine_calls == ["T00"]
    fresh = engine.compute_indicator_table(county.inspector, period=Q1, root=county.county, level="all")
    assert {(r.unit_code, r.indicator_code): r.value for r in fresh.rows} == {k: v["value"] for k, v in first.items()}
    assert first[("T01", "REG_RATE")]["numerator"] == 24 and first[("T00", "REG_RATE")]["numerator"] == 38


def test_value_saved_through_the_form_shows_on_the_next_load(county: MiniCounty) -> None:
    inspector = client_of(county.inspector)
    assert api_rows(inspector)[("T01", "REG_RATE")]["numerator"] == 24
    assert listed_numerator(inspector, "T01") == "24"
    home = inspector.get("/?unit=T00&period=2012Q1")
    assert next(p for p in home.context["panels"] if p.code == "REG_RATE").total.numerator == 38

    officer = client_of(county.officer_a)
    saved = submit(officer, "/reports/entry/?unit=T01&period=201203", PREG_REGISTERED="6")
    assert saved.status_code in (200, 302), saved.content.decode()[:300]

    assert api_rows(inspector)[("T01", "REG_RATE")]["numerator"] == 30
    home = inspector.get("/?unit=T00&period=2012Q1")
    assert next(p for p in home.context["panels"] if p.code == "REG_RATE").total.numerator == 44
    assert listed_numerator(inspector, "T01") == "30" and listed_numerator(inspector, "T00") == "44"
    assert api_rows(client_of(county.officer_a))[("T01", "REG_RATE")]["numerator"] == 30


def test_two_scopes_never_share_a_kept_result(county: MiniCounty) -> None:
    a, b = api_rows(client_of(county.officer_a)), api_rows(client_of(county.officer_b))
    assert "T01" in {unit for unit, _ in a} and all(unit.startswith("T01") for unit, _ in a)
    assert "T02" in {unit for unit, _ in b} and all(unit.startswith("T02") for unit, _ in b)
    assert a[("T01", "REG_RATE")]["numerator"] == 24 and b[("T02", "REG_RATE")]["numerator"] == 9
    county_rows = api_rows(client_of(county.inspector))
    assert {"T00", "T01", "T02", "T03"} <= {unit for unit, _ in county_rows}
    refused = client_of(county.officer_a).get(API + "&unit=T02")  # officer_b's result is kept; a still may not see it
    assert refused.status_code == 404
    assert all(unit.startswith("T01") for unit, _ in api_rows(client_of(county.officer_a)))


def test_every_audited_write_moves_the_stamp(county: MiniCounty) -> None:
    before = data_generation()
    save_report(actor=county.officer_a, data_set=county.data_set, unit_code="T01", period=parse_period("201203"),
                values={"PREG_TOTAL": 3})
    after = data_generation()
    assert after != before and int(after.split("-")[0]) == int(before.split("-")[0]) + 1
    assert data_generation() == after  # reading does not move it
