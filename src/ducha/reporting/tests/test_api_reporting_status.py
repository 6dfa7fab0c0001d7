"""GET /api/reporting-status: received, timely and missing reports per unit, scoped like the UI."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from ducha.core.periods import month
from ducha.reporting.actions import save_report


@pytest.fixture
def submitted(mini_county: Any) -> Any:
    """January 2012 (deadline 5 February): 甲镇 on time, 乙乡 late, 丙镇 and the county hospital missing."""
    for code, day in [("T01", 3), ("T02", 20)]:
        save_report(actor=mini_county.admin, data_set=mini_county.data_set, unit_code=code, period=month(2012, 1),
                    values={"PREG_TOTAL": 10}, submitted_at=timezone.make_aware(datetime(2012, 2, day, 10)))
    return mini_county


def get(user: Any, **params: str) -> Any:
    client = Client()
    client.force_login(user)
    return client.get("/api/reporting-status", params)


def test_county_sees_every_reporting_unit(submitted: Any) -> None:
    response = get(submitted.inspector, period="201201", unit="T00")
    assert response.status_code == 200
    body = response.json()
    assert (body["data_set"], body["period"], body["period_label"], body["unit"]) == (
        "MCH_MONTHLY", "201201", "2012年1月", "T00")
    rows = {r["unit"]: r for r in body["units"]}
    assert list(rows) == ["T01", "T02", "T03", "T10"]
    assert (rows["T01"]["received"], rows["T01"]["timely"], rows["T01"]["late_periods"]) == (1, 1, [])
    assert (rows["T02"]["received"], rows["T02"]["timely"], rows["T02"]["late_periods"]) == (1, 0, ["201201"])
    assert (rows["T03"]["received"], rows["T03"]["missing_periods"], rows["T03"]["completeness"]) == (
        0, ["201201"], 0.0)
    assert rows["T02"]["unit_name"] == "乙乡卫生院"
    assert rows["T02"]["timeliness"] == 0.0 and rows["T01"]["timeliness"] == 100.0


def test_quarter_counts_three_expected_months(submitted: Any) -> None:
    rows = {r["unit"]: r for r in get(submitted.leader, period="2012Q1", unit="T00").json()["units"]}
    assert (rows["T01"]["expected"], rows["T01"]["received"]) == (3, 1)
    assert rows["T01"]["missing_periods"] == ["201202", "201203"]


def test_officer_sees_only_own_unit_by_default(submitted: Any) -> None:
    body = get(submitted.officer_a, period="201201").json()
    assert body["unit"] == "T01"
    assert [r["unit"] for r in body["units"]] == ["T01"]


@pytest.mark.parametrize(("user", "unit"), [("officer_a", "T00"), ("officer_b", "T01"), ("outsider", "T00")])
def test_outside_scope_is_404(submitted: Any, user: str, unit: str) -> None:
    response = get(submitted.users[user], period="201201", unit=unit)
    assert response.status_code == 404
    assert response.json() == {"detail": f"单位 {unit} 不存在或无权查看"}


def test_unreadable_period_is_422(submitted: Any) -> None:
    response = get(submitted.inspector, period="一月", unit="T00")
    assert response.status_code == 422
    assert "无法识别的期间“一月”" in response.json()["detail"]
