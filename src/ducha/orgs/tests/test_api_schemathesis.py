"""schemathesis against the live API: what /api/openapi.json promises, the server keeps (bounded run).

A real HTTP server (pytest-django's ``live_server``) over the mini county; every operation of the
OpenAPI document gets schema examples, the coverage phase's boundary and invalid values, and up to
``MAX_EXAMPLES`` generated requests, valid and invalid, all with the bearer token of a county inspector
(who may write every township). Each response is checked: never a 5xx, a status and a body the document
declares, invalid input refused (4xx), valid input accepted. The valid-data check is off for
``POST /api/data-values``, the two approval writes and the register entries/corrections only: whether a
well-formed report can be saved (or approved) depends on the database (the unit must exist and report
that data set, the month must have begun, the report must be submitted), and a record's on today's date
and the stored record (date order, a free record number, the current version), not on its shape.

Runs on SQLite and on PostgreSQL (``scripts/test.sh`` runs the whole suite on both).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    positive_data_acceptance,
    response_schema_conformance,
    status_code_conformance,
)

from ducha.api import api
from ducha.conftest import MiniCounty
from ducha.core.periods import parse_period
from ducha.orgs.actions import issue_api_token
from ducha.reporting.actions import save_report

MAX_EXAMPLES = 30
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance,
          negative_data_rejection, positive_data_acceptance]
CONFIG = {
    "generation": {"max-examples": MAX_EXAMPLES, "mode": "all", "database": "none"},
    "phases": {"stateful": {"enabled": False}},
}
# Operations whose valid requests may still be refused for what is in the database (see the docstring).
# Approvals too: only a submitted report can be approved, only a live approval (by its version) withdrawn.
STATE_DEPENDENT = {"POST /api/data-values", "POST /api/data-approvals", "POST /api/data-approvals/unapprove",
                   # the data-set codes must exist and based_on must be the unit's current version
                   "PUT /api/org-units/{code}/data-sets"}
# Register entries and corrections: the form's rules depend on today's date and on the stored record (a
# date may not be in the future or before the record's birth date, a record number must be free in the
# unit, a mother's number must exist there, the based_on version must be current), not on the shape.
STATE_DEPENDENT |= {f"{method} /api/{path}" for method, path in [
    ("POST", "pregnancy-records"), ("PATCH", "pregnancy-records/{record_id}"),
    ("POST", "child-records"), ("PATCH", "child-records/{record_id}"),
    ("POST", "pregnancy-records/{record_id}/antenatal-visits"),
    ("PATCH", "pregnancy-records/{record_id}/antenatal-visits/{event_id}"),
    ("POST", "pregnancy-records/{record_id}/postpartum-visits"),
    ("PATCH", "pregnancy-records/{record_id}/postpartum-visits/{event_id}"),
    ("POST", "child-records/{record_id}/exams"), ("PATCH", "child-records/{record_id}/exams/{event_id}")]}

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def bearer(mini_county: MiniCounty) -> dict[str, str]:
    """A valid token (never a wrong one, so the login throttle never counts a failure)."""
    save_report(actor=mini_county.inspector, data_set=mini_county.data_set, unit_code="T01",
                period=parse_period("201201"), values={"PREG_TOTAL": 10, "PREG_REGISTERED": 7})
    token = issue_api_token(actor=None, user=mini_county.inspector, name="schemathesis")
    return {"Authorization": f"Bearer {token}", "Connection": "close"}


@pytest.fixture
def server(live_server: Any) -> Iterator[str]:
    yield live_server.url
    # Each request is answered in a thread of its own, which closes its database connection after the
    # client has its answer: let those threads end before the test's database is torn down.
    for thread in threading.enumerate():
        if thread.name.endswith("(process_request_thread)"):
            thread.join(timeout=30)


# The document the server serves at /api/openapi.json (test_api_contract.py checks they are the same).
# Loaded from the app rather than through the lazy fixture loader, which does not run on pytest 9.
schema = schemathesis.openapi.from_dict(api.get_openapi_schema(), config=SchemathesisConfig.from_dict(CONFIG))


@schema.parametrize()
@settings(max_examples=MAX_EXAMPLES, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.filter_too_much])
def test_live_api_keeps_its_openapi_contract(case: Any, server: str, bearer: dict[str, str]) -> None:
    excluded = [positive_data_acceptance] if case.operation.label in STATE_DEPENDENT else []
    # The token replaces whatever Authorization the case carried; put it in the case itself, so the
    # negative-data check judges the headers as sent (a malformed generated Authorization that never
    # reached the server is not "invalid data accepted").
    case.headers = {**(case.headers or {}), **bearer}
    response = case.call_and_validate(base_url=server, checks=CHECKS, excluded_checks=excluded)
    # call_and_validate raises on any failed check; say the essentials once more in plain terms.
    declared = set(case.operation.definition.raw["responses"])
    assert response.status_code < 500, f"{case.operation.label}: {response.status_code} {response.text[:300]}"
    if case.method.upper() == case.operation.method.upper():  # the coverage phase also tries other methods (405)
        assert str(response.status_code) in declared, f"{case.operation.label}: 未声明的状态码 {response.status_code}"
        if response.status_code >= 400:
            assert response.json()["detail"], f"{case.operation.label}: 错误回答没有说明"
