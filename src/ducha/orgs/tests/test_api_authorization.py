"""Authorization table of the REST API: role × unit × endpoint → status, and nothing changed when refused.

Every row is run twice, once with a login session and once with a bearer token, because both
authentications must give the same answers.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from ducha.audit.models import AuditEntry
from ducha.orgs.actions import issue_api_token
from ducha.reporting.models import DataValue, Submission

ROLES = ["admin", "inspector", "officer_a", "officer_b", "leader", "outsider", "anonymous"]
UNITS = ["T00", "T01", "T02", "X00"]

# Units each role may see (county roles: the whole county T00 and below; outsider: only X00).
VISIBLE = {
    "admin": {"T00", "T01", "T02"},
    "inspector": {"T00", "T01", "T02"},
    "leader": {"T00", "T01", "T02"},
    "officer_a": {"T01"},
    "officer_b": {"T02"},
    "outsider": {"X00"},
    "anonymous": set(),
}


def read_status(role: str, unit: str) -> int:
    if role == "anonymous":
        return 401
    return 200 if unit in VISIBLE[role] else 404


# Writing one month of the MCH report. T00 and X00 are counties, which do not file the township report:
# a role that may write there gets 422 (“不需要报送”), never a change.
WRITE_STATUS: dict[str, dict[str, int]] = {
    "admin": {"T00": 422, "T01": 200, "T02": 200, "X00": 404},
    "inspector": {"T00": 422, "T01": 200, "T02": 200, "X00": 404},
    "leader": {"T00": 403, "T01": 403, "T02": 403, "X00": 404},
    "officer_a": {"T00": 404, "T01": 200, "T02": 404, "X00": 404},
    "officer_b": {"T00": 404, "T01": 404, "T02": 200, "X00": 404},
    "outsider": {"T00": 404, "T01": 404, "T02": 404, "X00": 422},
    "anonymous": {"T00": 401, "T01": 401, "T02": 401, "X00": 401},
}

ENDPOINTS = ["read_org_unit", "read_data_values", "write_data_values", "read_indicator_values"]

TABLE = [
    (role, unit, endpoint, WRITE_STATUS[role][unit] if endpoint == "write_data_values" else read_status(role, unit))
    for role in ROLES for unit in UNITS for endpoint in ENDPOINTS
]
# Anonymous callers have no token, so they are run once, without one.
CASES = [(*row, auth) for row in TABLE for auth in ("session", "token") if not (row[0] == "anonymous" and auth == "token")]
CHINESE = {401: "未登录", 403: "无权修改", 404: "不存在或无权查看", 422: "不需要报送"}


def client_for(mini_county: Any, role: str, auth: str) -> tuple[Client, dict[str, str]]:
    client = Client()
    if role == "anonymous":
        return client, {}
    user = mini_county.users[role]
    if auth == "session":
        client.force_login(user)
        return client, {}
    return client, {"Authorization": f"Bearer {issue_api_token(actor=None, user=user)}"}


def call(client: Client, headers: dict[str, str], endpoint: str, unit: str) -> Any:
    if endpoint == "read_org_unit":
        return client.get(f"/api/org-units/{unit}", headers=headers)
    if endpoint == "read_data_values":
        return client.get("/api/data-values", {"period": "2012Q1", "unit": unit, "data_set": "MCH_MONTHLY"},
                          headers=headers)
    if endpoint == "read_indicator_values":
        return client.get("/api/indicator-values", {"period": "2012Q1", "unit": unit}, headers=headers)
    body = {"data_set": "MCH_MONTHLY", "unit": unit, "period": "201201", "values": {"PREG_TOTAL": 12}}
    return client.post("/api/data-values", body, content_type="application/json", headers=headers)


def snapshot() -> tuple[list[tuple[Any, ...]], int, int]:
    values = list(DataValue.objects.order_by("pk").values_list("org_unit__code", "period", "data_element__code",
                                                                 "value"))
    return values, AuditEntry.objects.count(), Submission.objects.count()


@pytest.mark.parametrize(("role", "unit", "endpoint", "expected", "auth"), CASES)
def test_api_authorization_table(mini_county: Any, role: str, unit: str, endpoint: str, expected: int,
                                 auth: str) -> None:
    client, headers = client_for(mini_county, role, auth)
    before_values, before_audit, before_subs = snapshot()

    response = call(client, headers, endpoint, unit)

    assert response.status_code == expected, response.content.decode()
    body = response.json()
    after_values, after_audit, after_subs = snapshot()
    if expected != 200:
        assert CHINESE[expected] in body["detail"]
        assert after_values == before_values
        assert (after_audit, after_subs) == (before_audit, before_subs)
    elif endpoint == "write_data_values":
        assert body["changed"] == {"PREG_TOTAL": {"before": None, "after": 12}}
        assert after_values == [*before_values, (unit, "201201", "PREG_TOTAL", 12)]
        assert (after_audit, after_subs) == (before_audit + 1, before_subs + 1)
    else:
        assert body["code" if endpoint == "read_org_unit" else "unit"] == unit
        assert (after_values, after_audit) == (before_values, before_audit)


def test_table_covers_every_role_unit_and_endpoint() -> None:
    assert len(TABLE) == len(ROLES) * len(UNITS) * len(ENDPOINTS)
    assert {status for *_, status in TABLE} == {200, 401, 403, 404, 422}
