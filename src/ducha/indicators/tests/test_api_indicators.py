"""GET /api/indicators (definitions) and /api/indicator-values (the engine's table, scoped)."""

from __future__ import annotations

from typing import Any

import pytest

from ducha.conftest import client_of
from ducha.core.periods import month
from ducha.indicators.mch_pack import INDICATORS, REGISTER_INDICATORS
from ducha.reporting.actions import save_report


@pytest.fixture
def reported(mini_county: Any) -> Any:
    """January 2012: 甲镇 registers 7 of 10 pregnant women, 乙乡 10 of 20 (county 17 of 30 = 56.7 %)."""
    for code, total, registered in [("T01", 10, 7), ("T02", 20, 10)]:
        save_report(actor=mini_county.admin, data_set=mini_county.data_set, unit_code=code, period=month(2012, 1),
                    values={"PREG_TOTAL": total, "PREG_REGISTERED": registered, "FOLIC_NEW": registered})
    return mini_county


def get(user: Any, url: str, **params: str) -> Any:
    return client_of(user).get(url, params)


def test_definitions_list_the_whole_mch_pack(mini_county: Any) -> None:
    response = get(mini_county.leader, "/api/indicators")
    assert response.status_code == 200
    by_code = {i["code"]: i for i in response.json()}
    assert set(by_code) == {row[0] for row in INDICATORS} | {row[0] for row in REGISTER_INDICATORS}
    reg_rate = {k: v for k, v in by_code["REG_RATE"].items() if k != "description"}
    assert reg_rate == {
        "code": "REG_RATE", "name": "建卡率", "numerator": "PREG_REGISTERED", "numerator_label": "孕期建卡人数",
        "denominator": "PREG_TOTAL", "denominator_label": "孕妇总数", "factor": 100, "factor_label": "%",
        "is_count": False, "higher_is_better": True, "is_key": True, "definition_set": "supervision",
        "definition_set_label": "督查口径", "source": "data_values", "source_label": "月报数据",
        "reported_numerator": "", "reported_denominator": "",
    }
    assert (by_code["FOLIC_COUNT"]["is_count"], by_code["FOLIC_COUNT"]["factor_label"]) == (True, "人")


def test_county_values_sum_up_the_tree_and_rank_the_townships(reported: Any) -> None:
    response = get(reported.inspector, "/api/indicator-values", period="2012Q1", unit="T00", codes="REG_RATE")
    assert response.status_code == 200
    body = response.json()
    assert (body["period"], body["period_label"], body["unit"], body["level"]) == (
        "2012Q1", "2012年第一季度", "T00", "children")
    rows = {r["unit_code"]: r for r in body["rows"]}
    assert {r["indicator_code"] for r in body["rows"]} == {"REG_RATE"}
    county = rows["T00"]
    assert (county["is_root"], county["numerator"], county["denominator"]) == (True, 17.0, 30.0)
    assert county["value"] == pytest.approx(56.667, abs=0.001)
    assert (rows["T01"]["value"], rows["T01"]["rank"]) == (70.0, 1)
    assert (rows["T02"]["value"], rows["T02"]["rank"]) == (50.0, 2)
    assert rows["T01"]["unit_label"] == "甲镇"


def test_several_codes_case_insensitive(reported: Any) -> None:
    body = get(reported.admin, "/api/indicator-values", period="201201", unit="T00",
               codes="reg_rate, FOLIC_COUNT").json()
    assert {r["indicator_code"] for r in body["rows"]} == {"REG_RATE", "FOLIC_COUNT"}
    folic = next(r for r in body["rows"] if r["indicator_code"] == "FOLIC_COUNT" and r["is_root"])
    assert (folic["value"], folic["is_count"]) == (17.0, True)


def test_officer_gets_own_unit_and_nothing_of_the_neighbours(reported: Any) -> None:
    body = get(reported.officer_a, "/api/indicator-values", period="2012Q1", codes="REG_RATE", level="all").json()
    assert body["unit"] == "T01"
    units = {r["unit_code"] for r in body["rows"]}
    assert "T01" in units and units <= {"T01", "T0101"}
    root = next(r for r in body["rows"] if r["is_root"])
    assert (root["unit_code"], root["value"]) == ("T01", 70.0)


@pytest.mark.parametrize(("user", "unit"), [("officer_a", "T02"), ("outsider", "T00"), ("leader", "X00")])
def test_outside_scope_is_404(reported: Any, user: str, unit: str) -> None:
    response = get(reported.users[user], "/api/indicator-values", period="2012Q1", unit=unit)
    assert response.status_code == 404
    assert response.json() == {"detail": f"单位 {unit} 不存在或无权查看"}


def test_unknown_indicator_code_is_404_like_an_unknown_data_set(reported: Any) -> None:
    response = get(reported.inspector, "/api/indicator-values", period="2012Q1", codes="REG_RATE,NOPE")
    assert response.status_code == 404
    assert response.json() == {"detail": "未定义的指标 NOPE"}


@pytest.mark.parametrize(("params", "detail"), [
    ({"period": "2012Q1", "level": "everything"}, "level：取值应为 'children' 或 'all'"),
    ({"period": "Q1"}, "无法识别的期间“Q1”"),
    ({}, "period：缺少必填项"),
])
def test_bad_parameters_are_422_in_chinese(reported: Any, params: dict[str, str], detail: str) -> None:
    response = get(reported.inspector, "/api/indicator-values", **params)
    assert response.status_code == 422
    assert detail in response.json()["detail"]
