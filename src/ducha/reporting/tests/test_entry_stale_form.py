"""Issue 6 item 1 on the entry form: a stale form never overwrites someone else's value.

The issue's scenario (西簧 201202, 孕妇总数 32): officer A opens the report, the county sets 孕妇总数 to
777 through the API, A changes another field and saves. Before the fix the form posted every field
and 孕妇总数 went silently back to 32.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from ducha.audit.models import AuditEntry
from ducha.conftest import MiniCounty
from ducha.core.periods import parse_period
from ducha.reporting.actions import save_report
from ducha.reporting.models import DataValue, Submission
from ducha.reporting.tests.entry_client import open_form, page_inputs, submit

URL = "/reports/entry/?unit=T01&period=201202"


def stored() -> dict[str, int]:
    return dict(DataValue.objects.filter(org_unit__code="T01", period="201202")
                .values_list("data_element__code", "value"))


def state() -> tuple[list[tuple[Any, ...]], int, int]:
    rows = list(DataValue.objects.order_by("pk").values_list("data_element__code", "value", "version"))
    return rows, AuditEntry.objects.count(), Submission.objects.count()


@pytest.fixture
def opened(client: Client, mini_county: MiniCounty) -> dict[str, str]:
    """32 pregnant women stored; A (officer_a) opens the form; then B (the inspector) sets 777 by the API."""
    save_report(actor=mini_county.officer_a, data_set=mini_county.data_set, unit_code="T01",
                period=parse_period("201202"), values={"PREG_TOTAL": 32, "PREG_REGISTERED": 20})
    client.force_login(mini_county.officer_a)
    form = open_form(client, URL)
    assert form["PREG_TOTAL"] == "32" and form["shown-PREG_TOTAL"] == "32"
    api = Client()
    api.force_login(mini_county.inspector)
    versions = {v["element"]: v["version"] for v in api.get(
        "/api/data-values", {"period": "201202", "unit": "T01"}).json()["values"]}
    response = api.post("/api/data-values", {"unit": "T01", "period": "201202", "values": {"PREG_TOTAL": 777},
                                             "based_on": {"PREG_TOTAL": versions["PREG_TOTAL"]}},
                        content_type="application/json")
    assert response.status_code == 200, response.content.decode()
    return form


def test_saving_another_field_leaves_the_value_changed_meanwhile(client: Client, opened: dict[str, str]) -> None:
    response = submit(client, URL, opened, PREG_REGISTERED="21")
    assert response.status_code == 200, response.content.decode()
    assert stored() == {"PREG_TOTAL": 777, "PREG_REGISTERED": 21}
    html = response.content.decode()
    assert "本次修改 1 项" in html and "孕期建卡人数：20 → 21" in html
    last = AuditEntry.objects.filter(action="reporting.save_report").order_by("-pk").first()
    assert last is not None and (last.before, last.after) == ({"PREG_REGISTERED": 20}, {"PREG_REGISTERED": 21})


def test_changing_the_value_changed_meanwhile_is_refused_with_both_values(client: Client,
                                                                          opened: dict[str, str]) -> None:
    before = state()
    response = submit(client, URL, opened, PREG_TOTAL="40", PREG_REGISTERED="21")
    assert response.status_code == 409
    html = response.content.decode()
    assert "以下数据已被他人修改，本次没有保存任何数据" in html
    assert "孕妇总数：您打开时为 32，现为 777（inspector1 " in html and "您要保存的是 40" in html
    assert state() == before  # nothing written, not even the other changed field
    # The page now shows the stored 777 as its base and keeps what A typed; saving again is A's decision.
    again = page_inputs(html)
    assert (again["PREG_TOTAL"], again["shown-PREG_TOTAL"], again["PREG_REGISTERED"]) == ("40", "777", "21")
    assert submit(client, URL, again).status_code == 200
    assert stored() == {"PREG_TOTAL": 40, "PREG_REGISTERED": 21}


def test_clearing_a_value_changed_meanwhile_is_refused(client: Client, opened: dict[str, str]) -> None:
    before = state()
    response = submit(client, URL, opened, **{"clear__PREG_TOTAL": "1", "PREG_TOTAL": "", "confirm_clear": "1"})
    assert response.status_code == 409
    assert "孕妇总数：您打开时为 32，现为 777" in response.content.decode()
    assert "您要保存的是 （空）" in response.content.decode()
    assert state() == before


def test_a_post_without_versions_cannot_overwrite(client: Client, mini_county: MiniCounty,
                                                  opened: dict[str, str]) -> None:
    """A script posting bare values is based on empty cells: it fills empty ones, never replaces stored ones."""
    before = state()
    response = client.post(URL, {"PREG_TOTAL": "5"})
    assert response.status_code == 409
    assert "孕妇总数：您打开时为 （空），现为 777" in response.content.decode()
    assert state() == before
    assert client.post(URL, {"PARTURIENTS": "5"}).status_code == 200
    assert stored() == {"PREG_TOTAL": 777, "PREG_REGISTERED": 20, "PARTURIENTS": 5}
