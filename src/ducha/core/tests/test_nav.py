"""The main menu is assembled from the installed apps, and a role sees only the entries it can use."""

from __future__ import annotations

import re
from types import SimpleNamespace
from typing import Any

import pytest
from django.apps import apps
from django.contrib.auth.models import AnonymousUser
from django.test import Client
from django.urls import reverse

from ducha.conftest import MiniCounty
from ducha.core.nav import NavEntry, menu, nav_entries

ROLES = ["admin", "inspector", "officer_a", "officer_b", "leader", "outsider"]
ADMIN_LABEL = "系统管理"
LINK = re.compile(r'<a href="([^"]*)" class="(active)?">([^<]+)</a>')


def shown_menu(client: Client, url: str) -> list[tuple[str, bool, str]]:
    html = client.get(url).content.decode()
    nav = html.split('<nav class="mainnav"', 1)[1].split("</nav>", 1)[0]
    return [(href, bool(active), label) for href, active, label in LINK.findall(nav)]


def login(mini_county: MiniCounty, who: str) -> Client:
    client = Client()
    client.force_login(getattr(mini_county, who))
    return client


@pytest.mark.django_db
@pytest.mark.parametrize("who", ROLES)
def test_every_link_shown_opens_and_every_hidden_one_is_refused(mini_county: MiniCounty, who: str) -> None:
    client = login(mini_county, who)
    shown = {label: href for href, _, label in shown_menu(client, reverse("registers:list"))}
    for entry in nav_entries():
        if entry.label == ADMIN_LABEL:  # Django's admin: its own login rule, tested below
            continue
        status = client.get(reverse(entry.url_name)).status_code
        if entry.label in shown:
            assert shown[entry.label] == reverse(entry.url_name)
            assert status == 200, f"{who} sees “{entry.label}” but the page answers {status}"
        else:
            assert status == 403, f"{who} does not see “{entry.label}”, yet the page answers {status}"


@pytest.mark.django_db
def test_leader_has_no_excel_upload_entry(mini_county: MiniCounty) -> None:
    labels = [label for _, _, label in shown_menu(login(mini_county, "leader"), reverse("home"))]
    assert "Excel 模板/导入" not in labels
    assert labels[:4] == ["首页", "数据填报", "报送情况", "指标"]  # read-only entry page stays
    assert "数据质量" in labels and "个案登记" in labels


@pytest.mark.django_db
def test_an_officer_sees_every_working_entry_in_the_old_order(mini_county: MiniCounty) -> None:
    labels = [label for _, _, label in shown_menu(login(mini_county, "officer_a"), reverse("home"))]
    assert labels == ["首页", "数据填报", "报送情况", "指标", "Excel 模板/导入", "个案登记", "数据质量", "后台任务",
                      "报送单位"]


@pytest.mark.django_db
def test_outsider_without_reporting_units_has_no_entry_link(mini_county: MiniCounty) -> None:
    labels = [label for _, _, label in shown_menu(login(mini_county, "outsider"), reverse("home"))]
    assert "数据填报" not in labels
    assert login(mini_county, "outsider").get(reverse("reporting:entry")).status_code == 403


@pytest.mark.django_db
@pytest.mark.parametrize(("url_name", "active"), [
    ("home", "首页"), ("reporting:entry", "数据填报"), ("reporting:status", "报送情况"),
    ("indicator_list", "指标"), ("reporting_excel:upload", "Excel 模板/导入"),
    ("registers:list", "个案登记"), ("registers:upload", "个案登记"), ("quality:checks", "数据质量"),
    ("core:jobs", "后台任务"), ("reporting:unit_data_sets", "报送单位"),
])
def test_the_current_section_is_marked_active(mini_county: MiniCounty, url_name: str, active: str) -> None:
    items = shown_menu(login(mini_county, "admin"), reverse(url_name))
    assert [label for _, is_active, label in items if is_active] == [active]


@pytest.mark.django_db
def test_admin_entry_follows_the_old_rule(mini_county: MiniCounty, django_user_model: Any) -> None:
    def labels(user: Any) -> list[str]:
        return [item.label for item in menu(user, "home")]

    assert ADMIN_LABEL in labels(mini_county.admin)  # 系统管理员 membership
    assert ADMIN_LABEL not in labels(mini_county.inspector)
    assert ADMIN_LABEL not in labels(mini_county.leader)
    staff = django_user_model.objects.create_user("staff1", password="x", is_staff=True)
    # staff without a unit: the admin, and the registers list (login only); no page that opens on a unit
    assert labels(staff) == ["个案登记", "后台任务", ADMIN_LABEL]
    client = Client()
    client.force_login(staff)
    assert client.get(reverse("home")).status_code == 403
    assert client.get(reverse("registers:list")).status_code == 200


@pytest.mark.django_db
def test_anonymous_gets_no_menu() -> None:
    assert menu(AnonymousUser(), "home") == []
    assert 'class="mainnav"' not in Client().get(reverse("login")).content.decode()


@pytest.mark.django_db
def test_a_new_app_adds_its_entry_from_its_own_app_config(monkeypatch: pytest.MonkeyPatch) -> None:
    real = apps.get_app_configs()
    extra = SimpleNamespace(nav_entries=lambda: [NavEntry("新模块", "indicator_export_csv", 65, lambda actor: True)])
    unrouted = SimpleNamespace(nav_entries=lambda: [NavEntry("未接入", "no_such_url", 1, lambda actor: True)])
    monkeypatch.setattr(apps, "get_app_configs", lambda: [*real, extra, unrouted])
    labels = [e.label for e in nav_entries()]
    assert labels.index("个案登记") < labels.index("新模块") < labels.index("数据质量")
    user = SimpleNamespace(pk=0, is_authenticated=True, is_superuser=True, is_staff=False)
    shown = [item.label for item in menu(user, "indicator_export_csv")]  # type: ignore[arg-type]
    assert "新模块" in shown and "未接入" not in shown  # an entry whose URL is not routed is left out
    active = [item.label for item in menu(user, "indicator_export_csv") if item.active]  # type: ignore[arg-type]
    assert active == ["新模块"]
