"""Who may open which page for which unit: role × unit × page → 200 / 403 / 404 (or the login page).

A refused POST changes nothing: no data value, no submission, no audit row.
"""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from ducha.audit.models import AuditEntry
from ducha.conftest import MiniCounty
from ducha.reporting.models import DataValue, Submission

READ_PAGES = {
    "home": "/?unit={unit}&period=2012Q1",
    "panel": "/dashboard/indicator/?unit={unit}&period=2012Q1&indicator=REG_RATE",
    "indicators": "/indicators/?unit={unit}&period=2012Q1",
    "export_csv": "/indicators/export.csv?unit={unit}&period=2012Q1",
    "export_xlsx": "/indicators/export.xlsx?unit={unit}&period=2012Q1",
    "status": "/reports/status/?unit={unit}&period=2012Q1",
}
ENTRY = "/reports/entry/?unit={unit}&period=201203"

# Which units each user may read (every other unit of the table answers 404).
READABLE = {
    "admin": {"T00", "T01", "T02"},
    "inspector": {"T00", "T01", "T02"},
    "leader": {"T00", "T01", "T02"},
    "officer_a": {"T01"},
    "officer_b": {"T02"},
    "outsider": set(),
}
UNITS = ["T00", "T01", "T02"]

# The monthly report form of a township: GET and POST.
ENTRY_CASES = [
    # user, unit, GET, POST
    ("admin", "T01", 200, 200),
    ("inspector", "T01", 200, 200),
    ("inspector", "T02", 200, 200),
    ("officer_a", "T01", 200, 200),
    ("officer_a", "T02", 404, 404),
    ("officer_b", "T01", 404, 404),
    ("officer_b", "T02", 200, 200),
    ("leader", "T01", 200, 403),
    ("leader", "T02", 200, 403),
    ("outsider", "T01", 404, 404),
    ("outsider", "T02", 404, 404),
]


def as_user(client: Client, mc: MiniCounty, who: str) -> Client:
    if who != "anonymous":
        client.force_login(mc.users[who])
    return client


def snapshot() -> tuple[int, int, int]:
    return DataValue.objects.count(), Submission.objects.count(), AuditEntry.objects.count()


@pytest.mark.parametrize("who", sorted(READABLE))
def test_read_pages(client: Client, mini_county: MiniCounty, who: str) -> None:
    """Every read page × every unit of the table: 200 inside the user's scope, 404 outside."""
    as_user(client, mini_county, who)
    expected = {(page, unit): 200 if unit in READABLE[who] else 404 for page in READ_PAGES for unit in UNITS}
    actual = {}
    for page, unit in expected:
        response = client.get(READ_PAGES[page].format(unit=unit))
        actual[(page, unit)] = response.status_code
        if response.status_code == 404 and page in ("home", "indicators", "status"):
            assert f"单位 {unit} 不存在或无权查看" in response.content.decode()
    assert actual == expected


@pytest.mark.parametrize("page", sorted(READ_PAGES))
def test_anonymous_is_sent_to_login(client: Client, mini_county: MiniCounty, page: str) -> None:
    response = client.get(READ_PAGES[page].format(unit="T01"))
    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=")


@pytest.mark.parametrize(("who", "unit", "get_status", "post_status"), ENTRY_CASES)
def test_entry_page(client: Client, mini_county: MiniCounty, who: str, unit: str, get_status: int,
                    post_status: int) -> None:
    as_user(client, mini_county, who)
    assert client.get(ENTRY.format(unit=unit)).status_code == get_status
    before = snapshot()
    response = client.post(ENTRY.format(unit=unit), {"PREG_TOTAL": "12", "PREG_REGISTERED": "9"})
    assert response.status_code == post_status
    if post_status == 200:
        assert DataValue.objects.get(org_unit__code=unit, period="201203", data_element__code="PREG_TOTAL").value == 12
    else:
        assert snapshot() == before
        assert not DataValue.objects.filter(org_unit__code=unit).exists()
    if post_status == 403:
        assert "无权修改单位" in response.content.decode()


def test_anonymous_post_changes_nothing(client: Client, mini_county: MiniCounty) -> None:
    before = snapshot()
    response = client.post(ENTRY.format(unit="T01"), {"PREG_TOTAL": "12"})
    assert response.status_code == 302 and response["Location"].startswith("/login/")
    assert snapshot() == before


def test_leader_sees_the_form_read_only(client: Client, mini_county: MiniCounty) -> None:
    html = as_user(client, mini_county, "leader").get(ENTRY.format(unit="T01")).content.decode()
    assert "只能查看，不能修改" in html
    assert "保存并报送" not in html
    assert 'name="PREG_TOTAL"' in html and "disabled" in html


@pytest.mark.parametrize(("who", "heading"), [
    ("inspector", "测试县 · 工作看板"), ("leader", "测试县 · 工作看板"), ("officer_a", "甲镇卫生院 · 工作看板"),
    ("outsider", "外县 · 工作看板"),
])
def test_default_unit_is_the_users_own(client: Client, mini_county: MiniCounty, who: str, heading: str) -> None:
    html = as_user(client, mini_county, who).get("/").content.decode()
    assert heading in html
    if who == "outsider":
        assert "测试县" not in html and "甲镇" not in html


def test_officer_picks_only_their_own_unit(client: Client, mini_county: MiniCounty) -> None:
    response = as_user(client, mini_county, "officer_a").get("/reports/entry/")
    assert [u.code for u in response.context["units"]] == ["T01"]
    assert response.context["unit"].code == "T01"
    county = as_user(Client(), mini_county, "inspector").get("/reports/entry/")
    assert [u.code for u in county.context["units"]] == ["T01", "T02", "T03", "T10"]


def test_user_without_a_unit_is_refused(client: Client, mini_county: MiniCounty) -> None:
    client.force_login(get_user_model().objects.create_user("stranger", password="x-long-password"))
    response = client.get("/")
    assert response.status_code == 403
    assert "尚未分配任何单位" in response.content.decode()


def test_nav_shows_admin_link_only_to_admins(client: Client, mini_county: MiniCounty) -> None:
    admin_html = as_user(client, mini_county, "admin").get("/").content.decode()
    officer_html = as_user(Client(), mini_county, "officer_a").get("/").content.decode()
    assert "系统管理</a>" in admin_html
    assert "系统管理</a>" not in officer_html
    assert "妇幼专干 · 甲镇" in officer_html
