"""Issue 7 §4: POST /api/data-approvals, POST /api/data-approvals/unapprove and the scoped GET list."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from ducha.audit.models import AuditEntry
from ducha.core.periods import month
from ducha.orgs.actions import issue_api_token
from ducha.reporting.actions import save_report
from ducha.reporting.models import DataApproval

JAN = {"data_set": "MCH_MONTHLY", "unit": "T01", "period": "201201"}


def client_of(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def post(client: Client, path: str, body: dict[str, Any]) -> Any:
    return client.post(path, json.dumps(body), content_type="application/json")


@pytest.fixture
def submitted(mini_county: Any) -> Any:
    for unit, user in (("T01", mini_county.officer_a), ("T02", mini_county.officer_b)):
        save_report(actor=user, data_set=mini_county.data_set, unit_code=unit, period=month(2012, 1),
                    values={"PREG_TOTAL": 10})
    return mini_county


def test_approve_list_and_unapprove(submitted: Any) -> None:
    client = client_of(submitted.inspector)
    created = post(client, "/api/data-approvals", JAN)
    assert created.status_code == 200, created.content
    body = created.json()
    assert (body["unit"], body["period_label"], body["approved"], body["approved_by"]) == (
        "T01", "2012年1月", True, "inspector1")
    listed = client.get("/api/data-approvals", {"period": "2012Q1"}).json()
    assert listed["unit"] == "T00" and [a["unit"] for a in listed["approvals"]] == ["T01"]
    gone = post(client, "/api/data-approvals/unapprove", {**JAN, "reason": "数据有误", "version": body["version"]})
    assert gone.status_code == 200 and gone.json()["approved"] is False
    assert gone.json()["unapproval_reason"] == "数据有误" and gone.json()["unapproved_by"] == "inspector1"
    assert client.get("/api/data-approvals").json()["approvals"] == []
    history = client.get("/api/data-approvals", {"include_withdrawn": "true"}).json()["approvals"]
    assert [a["approved"] for a in history] == [False]
    assert AuditEntry.objects.filter(action__in=["reporting.approve_period", "reporting.unapprove_period"]).count() == 2


def test_the_list_is_scoped_to_the_caller(submitted: Any) -> None:
    inspector = client_of(submitted.inspector)
    post(inspector, "/api/data-approvals", JAN)
    post(inspector, "/api/data-approvals", {**JAN, "unit": "T02"})
    officer = client_of(submitted.officer_b).get("/api/data-approvals").json()
    assert [a["unit"] for a in officer["approvals"]] == ["T02"]
    assert client_of(submitted.officer_b).get("/api/data-approvals", {"unit": "T01"}).status_code == 404
    assert client_of(submitted.outsider).get("/api/data-approvals", {"unit": "T00"}).status_code == 404


@pytest.mark.parametrize(("who", "status", "detail"), [
    ("leader", 403, "只有督查员或系统管理员可以审核数据"),
    ("officer_a", 403, "只有督查员或系统管理员可以审核数据"),
    ("outsider", 404, "单位 T01 不存在或无权查看"),
])
def test_who_may_not_approve(submitted: Any, who: str, status: int, detail: str) -> None:
    response = post(client_of(submitted.users[who]), "/api/data-approvals", JAN)
    assert response.status_code == status and detail in response.json()["detail"]
    assert not DataApproval.objects.exists()


def test_refusals_are_chinese_and_write_nothing(submitted: Any) -> None:
    token = issue_api_token(actor=None, user=submitted.inspector, name="测试")
    client = Client(headers={"Authorization": f"Bearer {token}"})
    not_submitted = post(client, "/api/data-approvals", {**JAN, "unit": "T03"})
    assert not_submitted.status_code == 422 and "尚未报送，不能审核" in not_submitted.json()["detail"]
    version = post(client, "/api/data-approvals", JAN).json()["version"]
    twice = post(client, "/api/data-approvals", JAN)
    assert twice.status_code == 409 and "无需再次审核" in twice.json()["detail"]
    audit = AuditEntry.objects.count()
    no_reason = post(client, "/api/data-approvals/unapprove", {**JAN, "reason": " ", "version": version})
    assert no_reason.status_code == 422 and no_reason.json()["detail"].startswith("请填写取消审核的原因")
    stale = post(client, "/api/data-approvals/unapprove", {**JAN, "reason": "改", "version": version + 1})
    assert stale.status_code == 409 and "与您依据的版本" in stale.json()["detail"]
    missing = post(client, "/api/data-approvals/unapprove", {**JAN, "reason": "改"})
    assert missing.status_code == 422 and "version" in missing.json()["detail"]
    assert AuditEntry.objects.count() == audit and DataApproval.objects.get().is_live
