"""API authentication: session with CSRF on writes, bearer tokens, 401s in Chinese, OpenAPI and offline docs."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from django.test import Client

from ducha.audit.models import AuditEntry
from ducha.orgs.actions import issue_api_token
from ducha.orgs.models import ApiToken
from ducha.reporting.models import DataValue, Submission

REPORT = {"data_set": "MCH_MONTHLY", "unit": "T01", "period": "201201", "values": {"PREG_TOTAL": 9}}
GET_ENDPOINTS = [
    "/api/org-units",
    "/api/org-units/T01",
    "/api/data-values?period=2012Q1&unit=T01",
    "/api/reporting-status?period=2012Q1&unit=T00",
    "/api/indicators",
    "/api/indicator-values?period=2012Q1&unit=T00",
    "/api/data-approvals?period=2012Q1&unit=T00",
    "/api/jobs",
    "/api/jobs/1",
    "/api/org-units/T01/data-sets",
    "/api/pregnancy-records",
    "/api/pregnancy-records/1",
    "/api/pregnancy-records/1/antenatal-visits",
    "/api/pregnancy-records/1/postpartum-visits",
    "/api/child-records",
    "/api/child-records/1",
    "/api/child-records/1/exams",
    "/api/quality-runs",
    "/api/quality-runs/1",
    "/api/quality-runs/1/results",
    "/api/quality-runs/1/suspects",
]


def written() -> tuple[int, int, int]:
    return DataValue.objects.count(), AuditEntry.objects.count(), Submission.objects.count()


@pytest.mark.parametrize("url", GET_ENDPOINTS)
def test_anonymous_read_is_401_in_chinese(mini_county: Any, url: str) -> None:
    response = Client().get(url)
    assert response.status_code == 401
    assert response.json()["detail"].startswith("未登录或令牌无效")
    assert response["WWW-Authenticate"] == "Bearer"


def test_openapi_lists_every_endpoint_without_login(db: Any) -> None:
    response = Client().get("/api/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    paths = {re.sub(r"/(T01|\d+)(?=/|$)", "/{}", p.split("?")[0]) for p in GET_ENDPOINTS}
    assert paths <= {re.sub(r"\{[^}]+\}", "{}", p) for p in schema["paths"]}
    assert "post" in schema["paths"]["/api/data-values"]
    assert {"BearerTokenAuth", "SessionAuth"} <= set(schema["components"]["securitySchemes"])
    assert "/api/docs/assets/{name}" not in schema["paths"]


def test_every_documented_get_endpoint_is_covered_by_the_401_test(db: Any) -> None:
    schema = Client().get("/api/openapi.json").json()
    # Path parameters compared by position: /api/org-units/{code} is tested as /api/org-units/T01.
    documented = {re.sub(r"\{[^}]+\}", "{}", p) for p, ops in schema["paths"].items() if "get" in ops}
    tested = {re.sub(r"/(T01|\d+)(?=/|$)", "/{}", u.split("?")[0]) for u in GET_ENDPOINTS}
    assert documented == tested


def test_docs_page_loads_swagger_from_this_server_not_a_cdn(db: Any) -> None:
    page = Client().get("/api/docs")
    assert page.status_code == 200
    html = page.content.decode()
    assert '<meta charset="utf-8">' in html
    assert "/api/docs/assets/swagger-ui-bundle.js" in html
    assert "/api/docs/assets/swagger-ui.css" in html
    assert "http://" not in html and "https://" not in html and "//cdn" not in html
    settings_json = re.search(r'<script type="application/json" id="swagger-settings">(.*?)</script>', html)
    assert settings_json is not None
    assert json.loads(settings_json.group(1))["url"] == "/api/openapi.json"
    assert 'data-csrf-token=""' in html  # no session, no token to hand out
    for name, kind in [("swagger-ui-bundle.js", "javascript"), ("swagger-ui-init.js", "javascript"),
                       ("swagger-ui.css", "css")]:
        asset = Client().get(f"/api/docs/assets/{name}")
        assert asset.status_code == 200
        assert kind in asset["Content-Type"]
        assert len(asset.getvalue()) > 100


def test_docs_page_hands_a_logged_in_user_the_csrf_token(mini_county: Any) -> None:
    client = Client()
    client.force_login(mini_county.inspector)
    html = client.get("/api/docs").content.decode()
    assert 'data-api-csrf="true"' in html
    assert re.search(r'data-csrf-token="[A-Za-z0-9]{32,}"', html)


def test_docs_assets_serve_only_the_bundled_swagger_files(db: Any) -> None:
    for name in ["settings.py", "..%2F..%2Fsettings.py", "redoc.standalone.js"]:
        response = Client().get(f"/api/docs/assets/{name}")
        assert response.status_code == 404


def test_session_write_without_csrf_token_is_refused(mini_county: Any) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(mini_county.officer_a)
    before = written()
    response = client.post("/api/data-values", REPORT, content_type="application/json")
    assert response.status_code == 403
    assert "CSRF 校验失败" in response.json()["detail"]
    assert written() == before


def test_session_write_with_csrf_token_is_accepted(mini_county: Any) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(mini_county.officer_a)
    client.get("/api/docs")  # sets the csrftoken cookie, as any page of the site does
    token = client.cookies["csrftoken"].value
    response = client.post("/api/data-values", REPORT, content_type="application/json", HTTP_X_CSRFTOKEN=token)
    assert response.status_code == 200, response.content.decode()
    assert DataValue.objects.get(org_unit__code="T01", period="201201", data_element__code="PREG_TOTAL").value == 9


def test_anonymous_write_is_401_not_a_csrf_error(mini_county: Any) -> None:
    before = written()
    response = Client(enforce_csrf_checks=True).post("/api/data-values", REPORT, content_type="application/json")
    assert response.status_code == 401
    assert response.json()["detail"].startswith("未登录")
    assert written() == before


def test_bearer_write_needs_no_csrf_and_stamps_last_used(mini_county: Any) -> None:
    raw = issue_api_token(actor=None, user=mini_county.officer_a, name="脚本")
    assert ApiToken.objects.get().last_used_at is None
    response = Client(enforce_csrf_checks=True).post(
        "/api/data-values", REPORT, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.status_code == 200, response.content.decode()
    value = DataValue.objects.get(org_unit__code="T01", period="201201", data_element__code="PREG_TOTAL")
    assert (value.value, value.updated_by, value.source) == (9, mini_county.officer_a, "API")
    assert ApiToken.objects.get().last_used_at is not None


@pytest.mark.parametrize("header", ["Bearer dch_not-a-real-token", "Bearer ", "bearer dch_x"])
def test_wrong_token_is_401_even_with_a_session(mini_county: Any, header: str) -> None:
    issue_api_token(actor=None, user=mini_county.inspector)
    client = Client()
    client.force_login(mini_county.inspector)
    before = written()
    for response in (client.get("/api/org-units", HTTP_AUTHORIZATION=header),
                     client.post("/api/data-values", REPORT, content_type="application/json",
                                 HTTP_AUTHORIZATION=header)):
        assert response.status_code == 401
        assert "API 令牌无效或已被吊销" in response.json()["detail"]
    assert written() == before


def test_token_of_a_deactivated_user_is_refused(mini_county: Any) -> None:
    raw = issue_api_token(actor=None, user=mini_county.inspector)
    mini_county.inspector.is_active = False
    mini_county.inspector.save()
    response = Client().get("/api/org-units", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.status_code == 401
    assert "API 令牌无效" in response.json()["detail"]


def test_other_authorization_schemes_are_not_accepted(mini_county: Any) -> None:
    raw = issue_api_token(actor=None, user=mini_county.inspector)
    response = Client().get("/api/org-units", HTTP_AUTHORIZATION=f"Token {raw}")
    assert response.status_code == 401
    assert response.json()["detail"].startswith("未登录或令牌无效")


@pytest.fixture
def small_limits(settings: Any) -> None:
    settings.DUCHA_LOGIN_MAX_FAILURES = 3
    settings.DUCHA_LOGIN_IP_MAX_FAILURES = 6
    settings.DUCHA_LOGIN_LOCK_MINUTES = 15


def test_token_guessing_locks_the_address(mini_county: Any, small_limits: None) -> None:
    raw = issue_api_token(actor=None, user=mini_county.officer_a)
    guesser = Client(REMOTE_ADDR="10.6.6.6")
    for n in range(5):
        response = guesser.get("/api/org-units", HTTP_AUTHORIZATION=f"Bearer dch_guess{n}")
        assert response.status_code == 401
    response = guesser.get("/api/org-units", HTTP_AUTHORIZATION="Bearer dch_guess5")
    assert response.status_code == 429
    assert response.json()["detail"].startswith("登录失败次数过多，已暂时锁定")
    before = written()
    for response in (guesser.get("/api/org-units", HTTP_AUTHORIZATION=f"Bearer {raw}"),
                     guesser.post("/api/data-values", REPORT, content_type="application/json",
                                  HTTP_AUTHORIZATION=f"Bearer {raw}")):
        assert response.status_code == 429  # even the right token, while the address is locked
    assert written() == before
    assert ApiToken.objects.get().last_used_at is None
    assert Client(REMOTE_ADDR="10.6.6.7").get("/api/org-units", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 200


def test_token_guessing_and_password_guessing_share_the_address_lock(mini_county: Any, small_limits: None) -> None:
    guesser = Client(REMOTE_ADDR="10.6.6.8")
    for n in range(3):
        guesser.get("/api/org-units", HTTP_AUTHORIZATION=f"Bearer dch_guess{n}")
    for n in range(3):
        guesser.post("/login/", {"username": f"nobody{n}", "password": "guess"})
    response = guesser.post("/login/", {"username": "inspector1", "password": "ducha-test-1"})
    assert response.status_code == 429
    assert "登录失败次数过多" in response.content.decode()
