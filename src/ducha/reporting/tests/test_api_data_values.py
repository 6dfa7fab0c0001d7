"""GET/POST /api/data-values: reading a subtree over any period, writing one monthly report."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from ducha.audit.models import AuditEntry
from ducha.core.periods import month
from ducha.reporting.actions import save_report
from ducha.reporting.models import DataElement, DataValue, Submission


def client_of(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def post(user: Any, body: dict[str, Any]) -> Any:
    return client_of(user).post("/api/data-values", body, content_type="application/json")


def report(unit: str = "T01", period: str = "201201", **values: Any) -> dict[str, Any]:
    return {"data_set": "MCH_MONTHLY", "unit": unit, "period": period, "values": values or {"PREG_TOTAL": 10}}


def state() -> tuple[list[tuple[Any, ...]], int, int]:
    rows = list(DataValue.objects.order_by("pk").values_list("org_unit__code", "period", "data_element__code",
                                                             "value"))
    return rows, AuditEntry.objects.count(), Submission.objects.count()


@pytest.fixture
def reported(mini_county: Any) -> Any:
    """Three months for 甲镇, one for 乙乡, a value at 甲村 (a village below 甲镇) and one in 2011-12."""
    for code, per, value in [("T01", "201201", 10), ("T01", "201202", 11), ("T01", "201203", 12),
                             ("T02", "201201", 20), ("T02", "201112", 5)]:
        save_report(actor=mini_county.admin, data_set=mini_county.data_set, unit_code=code,
                    period=month(int(per[:4]), int(per[4:])), values={"PREG_TOTAL": value})
    DataValue.objects.create(data_element=DataElement.objects.get(code="PREG_TOTAL"), org_unit=mini_county.village_a1,
                             period="201202", value=3)
    return mini_county


def triples(body: dict[str, Any]) -> list[tuple[str, str, int]]:
    return [(v["unit"], v["period"], v["value"]) for v in body["values"]]


def test_county_reads_every_unit_for_the_quarter(reported: Any) -> None:
    response = client_of(reported.inspector).get("/api/data-values", {"period": "2012Q1", "unit": "T00"})
    assert response.status_code == 200
    body = response.json()
    assert (body["period"], body["period_label"], body["unit"]) == ("2012Q1", "2012年第一季度", "T00")
    assert body["months"] == ["201201", "201202", "201203"]
    assert triples(body) == [("T01", "201201", 10), ("T01", "201202", 11), ("T01", "201203", 12),
                             ("T0101", "201202", 3), ("T02", "201201", 20)]
    assert body["values"][0]["element"] == "PREG_TOTAL"
    assert body["values"][0]["element_name"] == "孕妇总数"


def test_officer_reads_own_subtree_by_default(reported: Any) -> None:
    body = client_of(reported.officer_a).get("/api/data-values", {"period": "2012Q1"}).json()
    assert body["unit"] == "T01"
    assert {u for u, _, _ in triples(body)} == {"T01", "T0101"}


def test_statistical_year_expands_to_october_through_september(reported: Any) -> None:
    body = client_of(reported.leader).get("/api/data-values", {"period": "2012MCH", "unit": "T02"}).json()
    assert body["months"][0] == "201110" and body["months"][-1] == "201209" and len(body["months"]) == 12
    assert triples(body) == [("T02", "201112", 5), ("T02", "201201", 20)]


def test_single_month(reported: Any) -> None:
    body = client_of(reported.admin).get("/api/data-values", {"period": "2012-02", "unit": "T01"}).json()
    assert triples(body) == [("T01", "201202", 11), ("T0101", "201202", 3)]


@pytest.mark.parametrize(("params", "status", "detail"), [
    ({"period": "2012Q5", "unit": "T00"}, 422, "无法识别的期间“2012Q5”"),
    ({"unit": "T00"}, 422, "period：缺少必填项"),
    ({"period": "2012Q1", "unit": "T99"}, 404, "单位 T99 不存在或无权查看"),
    ({"period": "2012Q1", "unit": "T00", "data_set": "NOPE"}, 404, "报表 NOPE 不存在"),
])
def test_bad_read_parameters(reported: Any, params: dict[str, str], status: int, detail: str) -> None:
    response = client_of(reported.inspector).get("/api/data-values", params)
    assert response.status_code == status
    assert detail in response.json()["detail"]


def test_write_saves_values_submission_and_audit_and_reports_violations(mini_county: Any) -> None:
    before_rows, before_audit, _ = state()
    response = post(mini_county.officer_a, report(PREG_TOTAL=10, PREG_REGISTERED=12))
    assert response.status_code == 200, response.content.decode()
    body = response.json()
    assert (body["data_set"], body["unit"], body["period"]) == ("MCH_MONTHLY", "T01", "201201")
    assert body["changed"] == {"PREG_TOTAL": {"before": None, "after": 10},
                               "PREG_REGISTERED": {"before": None, "after": 12}}
    assert [v["rule_code"] for v in body["violations"]] == ["VR01"]
    assert body["violations"][0]["message"].startswith("孕期建卡人数 ≤ 孕妇总数")
    assert body["submitted_at"] is not None
    rows, audit, subs = state()
    assert rows == [*before_rows, ("T01", "201201", "PREG_TOTAL", 10), ("T01", "201201", "PREG_REGISTERED", 12)]
    assert (audit, subs) == (before_audit + 1, 1)
    entry = AuditEntry.objects.first()
    assert entry is not None
    assert (entry.actor, entry.action, entry.after) == (
        mini_county.officer_a, "reporting.save_report", {"PREG_TOTAL": 10, "PREG_REGISTERED": 12})


def test_correction_and_clearing_a_value(mini_county: Any) -> None:
    versions = post(mini_county.officer_a, report(PREG_TOTAL=10, PREG_REGISTERED=7)).json()["versions"]
    body = post(mini_county.inspector, {**report(PREG_TOTAL=11, PREG_REGISTERED=None), "based_on": versions}).json()
    assert body["changed"] == {"PREG_TOTAL": {"before": 10, "after": 11},
                               "PREG_REGISTERED": {"before": 7, "after": None}}
    assert list(DataValue.objects.values_list("data_element__code", "value", "updated_by__username")) == [
        ("PREG_TOTAL", 11, "inspector1")]


def test_resending_the_same_report_changes_nothing(mini_county: Any) -> None:
    post(mini_county.officer_a, report(PREG_TOTAL=10))
    before = state()
    body = post(mini_county.officer_a, report(PREG_TOTAL=10)).json()
    assert body["changed"] == {}
    assert state() == before


def future_month() -> str:
    today = timezone.localdate()
    return f"{today.year + 1}01"


BAD_PAYLOADS = [
    ("negative value", report(PREG_TOTAL=-1), "孕妇总数：“-1”应为不小于 0 的整数"),
    ("unknown element", report(NOPE=1), "中没有数据元 NOPE"),
    ("future period", report(period=future_month(), PREG_TOTAL=1), "尚未开始，不能填报未来的数据"),
    ("quarter instead of month", report(period="2012Q1", PREG_TOTAL=1), "期间“2012Q1”不是月报的期间"),
    ("unreadable period", report(period="2012-13", PREG_TOTAL=1), "无法识别的期间“2012-13”"),
    ("text value", report(PREG_TOTAL="十"), "孕妇总数：应为整数"),
    ("decimal value", report(PREG_TOTAL=1.5), "孕妇总数：应为整数"),
    ("boolean value", report(PREG_TOTAL=True), "孕妇总数：应为整数"),
    ("no values", {**report(), "values": {}}, "values 中至少要有一项数据"),
    ("missing unit", {"period": "201201", "values": {"PREG_TOTAL": 1}}, "unit：缺少必填项"),
    ("unit that does not report", report(unit="T0101"), "不需要报送"),
]


@pytest.mark.parametrize(("case", "payload", "detail"), BAD_PAYLOADS, ids=[c[0] for c in BAD_PAYLOADS])
def test_bad_payload_is_422_in_chinese_and_writes_nothing(mini_county: Any, case: str, payload: dict[str, Any],
                                                          detail: str) -> None:
    post(mini_county.officer_a, report(PREG_TOTAL=4))  # an existing value that must survive
    before = state()
    response = post(mini_county.officer_a, {**payload, "values": {**payload.get("values", {})}})
    assert response.status_code == 422, response.content.decode()
    assert detail in response.json()["detail"]
    assert state() == before


def test_one_bad_value_rejects_the_whole_report(mini_county: Any) -> None:
    before = state()
    response = post(mini_county.officer_a, report(PREG_TOTAL=10, PREG_REGISTERED=-3))
    assert response.status_code == 422
    assert response.json()["problems"] == ["孕期建卡人数：“-3”应为不小于 0 的整数"]
    assert state() == before


def test_unknown_data_set_is_404(mini_county: Any) -> None:
    before = state()
    response = post(mini_county.inspector, {**report(), "data_set": "NOPE"})
    assert response.status_code == 404
    assert response.json() == {"detail": "报表 NOPE 不存在"}
    assert state() == before


def test_future_month_really_is_in_the_future() -> None:
    assert date(int(future_month()[:4]), 1, 1) > timezone.localdate()


def test_malformed_json_is_400_in_chinese(mini_county: Any) -> None:
    before = state()
    response = client_of(mini_county.officer_a).post("/api/data-values", "{bad json", content_type="application/json")
    assert response.status_code == 400
    assert response.json() == {"detail": "请求体不是有效的 JSON"}
    assert state() == before


def test_chinese_is_sent_as_utf8_not_escaped(mini_county: Any) -> None:
    response = post(mini_county.officer_a, report(PREG_TOTAL=-1))
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert "应为不小于 0 的整数".encode() in response.content
