"""``check_database`` tells an empty database or an untouched demo database from one with other data."""

from __future__ import annotations

from typing import Any

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import get_user_model
from django.utils import timezone

from ducha.demo.inventory import check_database, record_demo_build, take_inventory
from ducha.orgs.actions import create_org_unit, create_user
from ducha.orgs.models import OrgUnit, OrgUnitKind, Role

pytestmark = pytest.mark.django_db


def test_a_database_with_only_what_the_migrations_install_is_empty() -> None:
    check = check_database()

    assert check.empty
    assert not check.built_by_demo
    assert check.changes == []


def test_a_database_with_data_but_no_demo_record_is_not_the_demos(mini_county: Any) -> None:
    check = check_database()

    assert not check.empty
    assert not check.built_by_demo
    assert "用户 6 条" in check.changes
    assert "组织机构 7 条" in check.changes
    assert any(change.startswith("审计记录 ") for change in check.changes)


def test_nothing_changed_since_the_demo_build(mini_county: Any) -> None:
    record_demo_build(seed=2012)
    AccessAttempt.objects.create(username="admin1", ip_address="10.0.0.1", failures_since_start=1,
                                 attempt_time=timezone.now())  # failing to log in is not data

    check = check_database()

    assert check.built_by_demo
    assert check.changes == []
    assert ("用户", 6) in check.to_delete()


def test_a_user_added_since_the_demo_build_is_seen(mini_county: Any) -> None:
    record_demo_build(seed=2012)
    get_user_model().objects.create_user("boss", password="x-1234567")  # not through ducha: no audit row

    assert check_database().changes == ["用户：上次 ducha demo 建库时 6 条，现在 7 条"]


def test_a_unit_added_since_the_demo_build_is_seen(mini_county: Any) -> None:
    record_demo_build(seed=2012)
    create_org_unit(actor=None, code="T04", name="丁镇卫生院", kind=OrgUnitKind.TOWNSHIP_CENTRE,
                    parent=mini_county.county)

    changes = check_database().changes

    assert "组织机构：上次 ducha demo 建库时 7 条，现在 8 条" in changes
    assert any(change.startswith("审计记录：上次 ducha demo 建库时") for change in changes)


def test_one_row_replaced_by_another_is_seen(mini_county: Any) -> None:
    record_demo_build(seed=2012)
    OrgUnit.objects.filter(code="T0101").delete()
    OrgUnit.objects.create(code="T0102", name="乙村卫生室", kind=OrgUnitKind.VILLAGE_CLINIC,
                           parent=mini_county.town_a, path="x")

    assert "组织机构：7 条，但自上次 ducha demo 以来有新增和删除" in check_database().changes


def test_a_role_given_since_the_demo_build_is_seen(mini_county: Any) -> None:
    record_demo_build(seed=2012)
    create_user(actor=None, username="helper", password="x-1234567", memberships=[(mini_county.town_c,
                                                                                   Role.MCH_OFFICER)])

    changes = check_database().changes

    assert "用户：上次 ducha demo 建库时 6 条，现在 7 条" in changes
    assert "用户角色：上次 ducha demo 建库时 6 条，现在 7 条" in changes


def test_the_inventory_counts_rows_and_last_ids(mini_county: Any) -> None:
    inventory = take_inventory()

    rows, last = inventory["orgs.OrgUnit"]
    assert rows == 7
    assert last == OrgUnit.objects.order_by("-pk").first().pk  # type: ignore[union-attr]
    assert "sessions.Session" not in inventory
    assert "demo.DemoBuild" not in inventory
