"""The OpenAPI document declares what the endpoints really accept and answer, and the two agree.

Before: the document declared no 404/422 at all and accepted ``period=""`` and ``values={}``, which the
endpoints then refused. Now every operation declares its Chinese error answers, the constraints are in
the document and enforced before the endpoint runs, and odd input is a 422 in Chinese, never a 500.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from django.test import Client

from ducha.api import api
from ducha.audit.models import AuditEntry
from ducha.core.limits import UNIT_CODE_PATTERN
from ducha.reporting.models import DataValue, Submission

ERROR_FIELDS = {"detail", "problems"}


def client_of(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def document(client: Client) -> dict[str, Any]:
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    return json.loads(response.content)


def parameter(operation: dict[str, Any], name: str) -> dict[str, Any]:
    found = next(p for p in operation["parameters"] if p["name"] == name)
    schema = found["schema"]
    return next((s for s in schema.get("anyOf", []) if s.get("type") == "string"), schema)


def test_served_document_is_the_one_schemathesis_tests(client: Client) -> None:
    assert document(client) == json.loads(json.dumps(api.get_openapi_schema()))


def test_every_operation_declares_its_chinese_errors(client: Client) -> None:
    doc = document(client)
    assert set(doc["components"]["schemas"]["ErrorOut"]["properties"]) == ERROR_FIELDS
    for path, operations in doc["paths"].items():
        for method, operation in operations.items():
            declared = set(operation["responses"])
            expected = {"200", "401", "429"} if path == "/api/indicators" else {"200", "401", "404", "422", "429"}
            assert expected <= declared, (method, path, declared)
            for status in declared - {"200"}:
                answer = operation["responses"][status]
                assert re.search(r"[\u4e00-\u9fff]", answer["description"]), (method, path, status)
                assert answer["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/ErrorOut"}
    write = doc["paths"]["/api/data-values"]["post"]["responses"]
    assert {"400", "403", "409"} <= set(write)


def test_constraints_are_in_the_document(client: Client) -> None:
    paths = document(client)["paths"]
    for path in ("/api/data-values", "/api/reporting-status", "/api/indicator-values"):
        period = parameter(paths[path]["get"], "period")
        assert not re.fullmatch(period["pattern"], "") and re.fullmatch(period["pattern"], "2012Q1")
        assert parameter(paths[path]["get"], "unit")["pattern"] == UNIT_CODE_PATTERN.pattern
    assert parameter(paths["/api/org-units/{code}"]["get"], "code")["pattern"] == UNIT_CODE_PATTERN.pattern
    body = document(client)["components"]["schemas"]["ReportIn"]
    assert body["additionalProperties"] is False and {"unit", "period", "values"} <= set(body["required"])
    values = body["properties"]["values"]
    assert values["minProperties"] == 1 and values["additionalProperties"] is False
    [count_schema] = values["patternProperties"].values()
    count = next(s for s in count_schema["anyOf"] if s.get("type") == "integer")
    assert count["minimum"] == 0 and count["maximum"] >= 10_000_000
    assert body["properties"]["submit"]["type"] == "boolean"


GOOD = {"data_set": "MCH_MONTHLY", "unit": "T01", "period": "201201", "values": {"PREG_TOTAL": 10}}
BAD_WRITES = [
    ("empty period", {**GOOD, "period": ""}, "无法识别的期间“”"),
    ("no values", {**GOOD, "values": {}}, "values 中至少要有一项数据"),
    ("unit with a slash", {**GOOD, "unit": "T01/x"}, "单位编码“T01/x”无效"),
    ("unit with a NUL", {**GOOD, "unit": "T01\x00"}, "单位编码“T01\\u0000”无效"),
    ("period with a NUL", {**GOOD, "period": "2012\x0001"}, "无法识别的期间"),
    ("element code with a space", {**GOOD, "values": {"PREG TOTAL": 1}}, "数据元编码“PREG TOTAL”无效"),
    ("value of 2^63", {**GOOD, "values": {"PREG_TOTAL": 2**63}}, "孕妇总数：“9223372036854775808”数值过大（不应超过 10,000,000）"),
    ("negative value", {**GOOD, "values": {"PREG_TOTAL": -1}}, "孕妇总数：“-1”应为不小于 0 的整数"),
    ("submit as a number", {**GOOD, "submit": 1}, "submit：应为 true 或 false"),
    ("unknown field", {**GOOD, "vaules": {"PREG_TOTAL": 1}}, "vaules：不认识的字段"),
    ("not an object", ["T01"], "应为 JSON 对象"),
]


@pytest.mark.parametrize(("case", "body", "message"), BAD_WRITES, ids=[c[0] for c in BAD_WRITES])
def test_bad_write_is_a_chinese_422_and_writes_nothing(mini_county: Any, case: str, body: Any, message: str) -> None:
    before = (DataValue.objects.count(), Submission.objects.count(), AuditEntry.objects.count())
    response = client_of(mini_county.officer_a).post("/api/data-values", body, content_type="application/json")
    assert response.status_code == 422, response.content.decode()
    answer = response.json()
    assert set(answer) == ERROR_FIELDS and message in answer["detail"]
    assert all(isinstance(p, str) for p in answer["problems"]) and answer["problems"]
    assert (DataValue.objects.count(), Submission.objects.count(), AuditEntry.objects.count()) == before


def test_infinite_number_is_a_chinese_422(mini_county: Any) -> None:
    raw = json.dumps(GOOD).replace('"PREG_TOTAL": 10', '"PREG_TOTAL": 1e309')
    response = client_of(mini_county.officer_a).post("/api/data-values", raw, content_type="application/json")
    assert response.status_code == 422 and "孕妇总数：应为整数" in response.json()["detail"]
    assert not DataValue.objects.exists()


@pytest.mark.parametrize(("path", "params", "message"), [
    ("/api/data-values", {"period": ""}, "无法识别的期间“”"),
    ("/api/data-values", {"period": "2012Q1", "unit": "T0\x001"}, "单位编码“T0\\u00001”无效"),
    ("/api/reporting-status", {"period": " 2012"}, "无法识别的期间“ 2012”"),
    ("/api/reporting-status", {"period": "2012Q1", "data_set": "MCH MONTHLY"}, "报表编码“MCH MONTHLY”无效"),
    ("/api/indicator-values", {"period": "2012Q1", "codes": "REG_RATE;DROP"}, "指标编码“REG_RATE;DROP”无效"),
    ("/api/org-units", {"root": "T01 "}, "单位编码“T01 ”无效"),
    ("/api/org-units/T01%E2%80%8B", {}, "单位编码“T01\\u200b”无效"),
])
def test_bad_read_is_a_chinese_422(mini_county: Any, path: str, params: dict[str, str], message: str) -> None:
    response = client_of(mini_county.inspector).get(path, params)
    assert response.status_code == 422, response.content.decode()
    assert set(response.json()) == ERROR_FIELDS and message in response.json()["detail"]


def test_not_found_and_not_logged_in_match_the_error_schema(mini_county: Any, client: Client) -> None:
    missing = client_of(mini_county.inspector).get("/api/org-units/NOPE")
    assert missing.status_code == 404 and set(missing.json()) <= ERROR_FIELDS
    anonymous = client.get("/api/org-units")
    assert anonymous.status_code == 401 and set(anonymous.json()) <= ERROR_FIELDS


@pytest.mark.parametrize("path", ["/api/nope", "/api/org-units/", "/api/org-units/T01%2FT0101"])
def test_unknown_address_under_api_is_a_json_404(mini_county: Any, path: str) -> None:
    response = client_of(mini_county.inspector).get(path)
    assert response.status_code == 404 and response["Content-Type"].startswith("application/json")
    assert "不存在" in response.json()["detail"]


def test_a_method_an_endpoint_lacks_is_a_chinese_json_405_and_writes_nothing(mini_county: Any) -> None:
    before = DataValue.objects.count(), AuditEntry.objects.count()
    response = client_of(mini_county.inspector).delete("/api/data-values?period=201201")
    assert response.status_code == 405 and response["Content-Type"].startswith("application/json")
    assert set(response["Allow"].replace(" ", "").split(",")) == {"GET", "POST"}
    assert response.json()["detail"] == "接口 /api/data-values 不接受 DELETE 请求，可用的方法：" + response["Allow"]
    assert (DataValue.objects.count(), AuditEntry.objects.count()) == before


def test_integral_json_number_is_an_integer_as_json_schema_says(mini_county: Any) -> None:
    raw = json.dumps(GOOD).replace('"PREG_TOTAL": 10', '"PREG_TOTAL": 12.0')
    response = client_of(mini_county.officer_a).post("/api/data-values", raw, content_type="application/json")
    assert response.status_code == 200, response.content.decode()
    assert response.json()["changed"] == {"PREG_TOTAL": {"before": None, "after": 12}}
    assert DataValue.objects.get().value == 12
