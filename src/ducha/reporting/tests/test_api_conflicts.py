"""Issue 6 item 1 through the API: versions on read, ``based_on`` on write, 409 with both values on conflict."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from ducha.audit.models import AuditEntry
from ducha.reporting.models import DataValue, Submission


def client_of(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def post(user: Any, values: dict[str, Any], based_on: dict[str, Any] | None = None, period: str = "201202") -> Any:
    body: dict[str, Any] = {"unit": "T01", "period": period, "values": values}
    if based_on is not None:
        body["based_on"] = based_on
    return client_of(user).post("/api/data-values", body, content_type="application/json")


def versions(user: Any, period: str = "201202") -> dict[str, int]:
    body = client_of(user).get("/api/data-values", {"period": period, "unit": "T01"}).json()
    return {v["element"]: v["version"] for v in body["values"]}


def state() -> tuple[list[tuple[Any, ...]], int, int]:
    rows = list(DataValue.objects.order_by("pk").values_list("data_element__code", "value", "version"))
    return rows, AuditEntry.objects.count(), Submission.objects.count()


@pytest.fixture
def stored_32(mini_county: Any) -> Any:
    assert post(mini_county.officer_a, {"PREG_TOTAL": 32}).status_code == 200
    return mini_county


def test_read_returns_each_values_version(stored_32: Any) -> None:
    version = DataValue.objects.get(data_element__code="PREG_TOTAL").version
    assert versions(stored_32.inspector) == {"PREG_TOTAL": version}
    last = AuditEntry.objects.filter(action="reporting.save_report").order_by("-pk").first()
    assert last is not None and version == last.pk  # the version is the audit row that wrote the value


def test_write_based_on_the_current_version_succeeds_and_returns_the_new_one(stored_32: Any) -> None:
    old = versions(stored_32.inspector)["PREG_TOTAL"]
    response = post(stored_32.inspector, {"PREG_TOTAL": 777}, {"PREG_TOTAL": old})
    assert response.status_code == 200, response.content.decode()
    body = response.json()
    assert body["changed"] == {"PREG_TOTAL": {"before": 32, "after": 777}}
    assert body["versions"]["PREG_TOTAL"] > old
    assert versions(stored_32.inspector) == body["versions"]


def test_stale_version_is_409_with_both_values_and_nothing_written(stored_32: Any) -> None:
    stale = versions(stored_32.officer_a)["PREG_TOTAL"]
    assert post(stored_32.inspector, {"PREG_TOTAL": 777}, {"PREG_TOTAL": stale}).status_code == 200
    before = state()
    response = post(stored_32.officer_a, {"PREG_TOTAL": 40, "PARTURIENTS": 3}, {"PREG_TOTAL": stale})
    assert response.status_code == 409
    body = response.json()
    assert body["detail"].startswith("数据已被他人修改，什么都没有写入：孕妇总数：")
    assert f"依据的版本 {stale} 已过期，现为 777（inspector1 " in body["detail"] and "要保存的是 40" in body["detail"]
    (conflict,) = body["conflicts"]
    assert (conflict["element"], conflict["based_on"], conflict["current"], conflict["wanted"],
            conflict["changed_by"]) == ("PREG_TOTAL", stale, 777, 40, "inspector1")
    assert conflict["current_version"] == versions(stored_32.officer_a)["PREG_TOTAL"]
    assert state() == before


def test_write_without_a_version_never_replaces_a_stored_value(stored_32: Any) -> None:
    before = state()
    response = post(stored_32.inspector, {"PREG_TOTAL": 40})
    assert response.status_code == 409
    assert "孕妇总数：系统中已有数值，现为 32（officer_a " in response.json()["detail"]
    assert state() == before
    clear = post(stored_32.inspector, {"PREG_TOTAL": None})
    assert clear.status_code == 409 and state() == before  # clearing a stored value needs its version too
    same = post(stored_32.inspector, {"PREG_TOTAL": 32, "PARTURIENTS": 5})  # same value, and an empty cell
    assert same.status_code == 200 and same.json()["changed"] == {"PARTURIENTS": {"before": None, "after": 5}}


def test_a_value_deleted_and_entered_again_gets_a_new_version(stored_32: Any) -> None:
    """No ABA: a client based on the first 32 is refused after 32 was cleared and re-entered."""
    first = versions(stored_32.officer_a)["PREG_TOTAL"]
    assert post(stored_32.inspector, {"PREG_TOTAL": None}, {"PREG_TOTAL": first}).status_code == 200
    assert post(stored_32.inspector, {"PREG_TOTAL": 32}).status_code == 200
    again = versions(stored_32.officer_a)["PREG_TOTAL"]
    assert again != first
    before = state()
    assert post(stored_32.officer_a, {"PREG_TOTAL": 33}, {"PREG_TOTAL": first}).status_code == 409
    assert state() == before


def test_bad_base_version_is_422(stored_32: Any) -> None:
    before = state()
    response = post(stored_32.officer_a, {"PREG_TOTAL": 33}, {"PREG_TOTAL": "12"})
    assert response.status_code == 422
    assert state() == before
