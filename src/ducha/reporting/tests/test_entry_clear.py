"""Issue 6 item 2: typing a letter never deletes a stored value; clearing is explicit and confirmed.

A browser posts "" for a number input holding "e" — the same as a deliberately emptied field. Before
the fix that deleted the stored 26 ("孕妇总数：26 → （空）"). Now an empty field with a stored value is an
error that keeps the value; deleting needs the field's 清空 box and a confirmation.
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
from ducha.reporting.tests.entry_client import page_inputs, submit

URL = "/reports/entry/?unit=T01&period=201203"
KEPT = "“孕妇总数”为空或填写的不是有效的整数（原值 26 未改动）；如要删除原值，请勾选“清空”"


def state() -> tuple[list[tuple[Any, ...]], int, int]:
    rows = list(DataValue.objects.order_by("pk").values_list("data_element__code", "value", "version"))
    return rows, AuditEntry.objects.count(), Submission.objects.count()


@pytest.fixture
def officer(client: Client, mini_county: MiniCounty) -> Client:
    save_report(actor=mini_county.officer_a, data_set=mini_county.data_set, unit_code="T01",
                period=parse_period("201203"), values={"PREG_TOTAL": 26, "PARTURIENTS": 9})
    client.force_login(mini_county.officer_a)
    return client


def stored() -> dict[str, int]:
    return dict(DataValue.objects.filter(period="201203").values_list("data_element__code", "value"))


def test_empty_post_of_a_stored_value_keeps_it_with_a_chinese_error(officer: Client) -> None:
    """What the browser sends for "e" typed into 孕妇总数 (the field posts "")."""
    before = state()
    response = submit(officer, URL, PREG_TOTAL="", PARTURIENTS="10")
    assert response.status_code == 400
    html = response.content.decode()
    assert KEPT in html and "未保存任何数据" in html
    assert state() == before and stored() == {"PREG_TOTAL": 26, "PARTURIENTS": 9}
    again = page_inputs(html)
    assert (again["PREG_TOTAL"], again["PARTURIENTS"]) == ("26", "10")  # stored value back, the other kept


@pytest.mark.parametrize(("typed", "message"), [
    ("e", "“孕妇总数”应填写整数（人数），不能含小数或文字"),
    ("abc", "“孕妇总数”应填写整数（人数），不能含小数或文字"),
    ("1e3", "“孕妇总数”应填写整数（人数），不能含小数或文字"),
])
def test_letters_sent_as_text_keep_the_stored_value(officer: Client, typed: str, message: str) -> None:
    before = state()
    response = submit(officer, URL, PREG_TOTAL=typed)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert state() == before


def test_field_flagged_by_the_page_script(officer: Client) -> None:
    """entry.js marks a number input the browser calls badInput (bad-<code>=1)."""
    before = state()
    response = submit(officer, URL, PREG_TOTAL="", **{"bad__PREG_TOTAL": "1"})
    assert response.status_code == 400
    assert "“孕妇总数”填写的不是有效的整数（原值 26 未改动）" in response.content.decode()
    assert state() == before


def test_clearing_needs_the_box_and_a_confirmation(officer: Client) -> None:
    before = state()
    asked = submit(officer, URL, **{"clear__PREG_TOTAL": "1"})
    assert asked.status_code == 200
    html = asked.content.decode()
    assert "请确认清空以下已保存的数据（尚未保存任何数据）" in html and "孕妇总数：26 → （空）" in html
    assert "确认清空并保存" in html
    assert state() == before
    form = page_inputs(html)
    assert form["clear-PREG_TOTAL"] == "1" and "PREG_TOTAL" not in form  # the field is locked while ticked
    done = officer.post(URL, form | {"confirm_clear": "1"})
    assert done.status_code == 200
    assert "孕妇总数：26 → （空）" in done.content.decode()
    assert stored() == {"PARTURIENTS": 9}
    audit = AuditEntry.objects.filter(action="reporting.save_report").order_by("-pk").first()
    assert audit is not None and (audit.before, audit.after) == ({"PREG_TOTAL": 26}, {"PREG_TOTAL": None})


def test_clear_box_with_a_new_number_is_an_error(officer: Client) -> None:
    before = state()
    response = submit(officer, URL, PREG_TOTAL="30", **{"clear__PREG_TOTAL": "1", "confirm_clear": "1"})
    assert response.status_code == 400
    assert "“孕妇总数”既填写了新数值 30，又勾选了“清空”：请只选其一" in response.content.decode()
    assert state() == before


def test_empty_field_without_a_stored_value_is_just_not_reported(officer: Client) -> None:
    response = submit(officer, URL, PREG_REGISTERED="")
    assert response.status_code == 200 and "数据没有变化" in response.content.decode()


def test_the_page_loads_its_script_from_a_file(officer: Client) -> None:
    html = officer.get(URL).content.decode()
    assert '<script src="/static/ducha/entry.js" defer></script>' in html
    assert "<script>" not in html  # no inline script (Content-Security-Policy)


def test_form_api_and_import_share_the_elements_maximum(officer: Client, mini_county: MiniCounty) -> None:
    """One limit per data element (DataElement.max_value), applied in every write path."""
    from ducha.reporting.models import DataElement

    DataElement.objects.filter(code="PARTURIENTS").update(max_value=100)
    before = state()
    response = submit(officer, URL, PARTURIENTS="101")
    assert response.status_code == 400 and "“产妇数”数值过大（不应超过 100）" in response.content.decode()
    api = Client()
    api.force_login(mini_county.officer_a)
    answer = api.post("/api/data-values", {"unit": "T01", "period": "201201", "values": {"PARTURIENTS": 101}},
                      content_type="application/json")
    assert answer.status_code == 422 and "“产妇数”数值过大（不应超过 100）" in answer.json()["detail"]
    assert state() == before
    assert submit(officer, URL, PARTURIENTS="100").status_code == 200 and stored()["PARTURIENTS"] == 100
