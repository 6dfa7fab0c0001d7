"""Unit codes, names and populations are checked in the actions and the admin form (issue 6, items 7 and 15).

A code uses letters, digits, "-" and "_" only (``core.limits.UNIT_CODE_RULE``); names hold no control,
zero-width or bidi-override characters; the population is at most ``POPULATION_MAX`` — with the same
Chinese message on SQLite and PostgreSQL (2^31 is not a database error on either), and nothing written.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.test import Client

from ducha.audit.models import AuditEntry
from ducha.core.limits import POPULATION_MAX, UNIT_CODE_RULE
from ducha.orgs.actions import create_org_unit, update_org_unit
from ducha.orgs.models import OrgUnit, OrgUnitKind

BAD_CODES = ["411326008/x", "T01/", "/T01", "T 01", "T01\u200b", "T01\x1b", "T01\u202e", "T01.x", "T01\\x", "",
             "西簧", "T" * 33, "T01%2F"]
HIDDEN = ["\x1b[31m红\x1b[0m", "甲\u202e镇", "甲\u200b镇", "甲\x00镇", "甲\n镇", "甲\u2066镇"]


def _state() -> tuple[int, int, list[tuple[Any, ...]]]:
    rows = list(OrgUnit.objects.order_by("pk").values_list("code", "name", "short_name", "path", "population"))
    return OrgUnit.objects.count(), AuditEntry.objects.count(), rows


def _errors(call: Any) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as caught:
        call()
    return caught.value.message_dict


@pytest.mark.parametrize("code", BAD_CODES)
def test_create_refuses_a_bad_code(mini_county: Any, code: str) -> None:
    before = _state()
    errors = _errors(lambda: create_org_unit(actor=mini_county.admin, code=code, name="新单位",
                                             kind=OrgUnitKind.TOWNSHIP_CENTRE, parent=mini_county.county))
    assert UNIT_CODE_RULE in errors["code"][0]
    assert _state() == before


@pytest.mark.parametrize("code", ["411326008/x", "T 02", "T0\u200b2"])
def test_renaming_to_a_bad_code_is_refused(mini_county: Any, code: str) -> None:
    before = _state()
    errors = _errors(lambda: update_org_unit(actor=mini_county.admin, unit=OrgUnit.objects.get(code="T02"),
                                             code=code))
    assert UNIT_CODE_RULE in errors["code"][0]
    assert _state() == before


@pytest.mark.parametrize("field", ["name", "short_name"])
@pytest.mark.parametrize("text", HIDDEN)
def test_names_with_hidden_characters_are_refused(mini_county: Any, field: str, text: str) -> None:
    before = _state()
    fields = {"name": "新单位", "short_name": "", field: text}
    errors = _errors(lambda: create_org_unit(actor=mini_county.admin, code="T04", kind=OrgUnitKind.TOWNSHIP_CENTRE,
                                             parent=mini_county.county, **fields))
    assert "含有不可见的控制字符（U+" in errors[field][0]
    errors = _errors(lambda: update_org_unit(actor=mini_county.admin, unit=OrgUnit.objects.get(code="T02"),
                                             **{field: text}))
    assert "含有不可见的控制字符（U+" in errors[field][0]
    assert _state() == before


@pytest.mark.parametrize("population", [2**31, POPULATION_MAX + 1, 2**63, -1])
def test_population_outside_the_limit_is_refused_alike_on_every_database(mini_county: Any, population: int) -> None:
    before = _state()
    errors = _errors(lambda: update_org_unit(actor=mini_county.admin, unit=OrgUnit.objects.get(code="T02"),
                                             population=population))
    assert errors["population"][0] in (f"“服务人口”数值过大（不应超过 {POPULATION_MAX:,}）", "“服务人口”不能小于 0")
    errors = _errors(lambda: create_org_unit(actor=mini_county.admin, code="T04", name="丁镇", population=population,
                                             kind=OrgUnitKind.TOWNSHIP_CENTRE, parent=mini_county.county))
    assert "服务人口" in errors["population"][0]
    assert _state() == before


def test_the_largest_population_and_a_padded_code_are_accepted(mini_county: Any) -> None:
    unit = create_org_unit(actor=mini_county.admin, code=" T04 ", name=" 丁镇卫生院 ", population=POPULATION_MAX,
                           kind=OrgUnitKind.TOWNSHIP_CENTRE, parent=mini_county.county)
    unit.refresh_from_db()
    assert (unit.code, unit.name, unit.path, unit.population) == ("T04", "丁镇卫生院", "/T00/T04/", POPULATION_MAX)


def test_a_unit_cannot_move_below_itself(mini_county: Any) -> None:
    before = _state()
    errors = _errors(lambda: update_org_unit(actor=mini_county.admin, unit=mini_county.town_a,
                                             parent=mini_county.village_a1))
    assert errors["parent"] == ["上级单位不能是本单位自己或它的下级单位"]
    assert _state() == before


# ---- the Django admin ------------------------------------------------------------------------------------

def _admin() -> Client:
    user = get_user_model().objects.create_superuser("root", password="ducha-test-1")
    client = Client()
    client.force_login(user)
    return client


def _form(unit: OrgUnit | None = None, **changes: Any) -> dict[str, Any]:
    data = {"code": "T04", "name": "丁镇卫生院", "short_name": "丁镇", "kind": OrgUnitKind.TOWNSHIP_CENTRE,
            "parent": "", "population": "5000", "opened_on": "", "closed_on": "", "sort_order": "4"}
    if unit is not None:
        data |= {"code": unit.code, "name": unit.name, "short_name": unit.short_name, "kind": unit.kind,
                 "parent": str(unit.parent_id or ""), "population": str(unit.population),
                 "sort_order": str(unit.sort_order)}
    return data | changes


@pytest.mark.parametrize(("changes", "message"), [
    ({"code": "411326008/x"}, UNIT_CODE_RULE),
    ({"code": "T04\u200b"}, UNIT_CODE_RULE),
    ({"name": "丁\u202e镇"}, "含有不可见的控制字符（U+202E）"),
    ({"short_name": "丁\x1b镇"}, "含有不可见的控制字符（U+001B）"),
    ({"population": str(2**31)}, f"不应超过 {POPULATION_MAX:,}"),
])
def test_admin_add_form_refuses_bad_values(mini_county: Any, changes: dict[str, str], message: str) -> None:
    client = _admin()
    before = _state()
    response = client.post("/admin/orgs/orgunit/add/", _form(parent=str(mini_county.county.pk), **changes))
    page = response.content.decode()
    assert response.status_code == 200 and message in page
    assert page.count(f"不应超过 {POPULATION_MAX:,}") <= 1 and "2147483647" not in page  # one message, any database
    assert _state() == before


def test_admin_add_builds_the_path_and_change_refuses_a_separator(mini_county: Any) -> None:
    client = _admin()
    response = client.post("/admin/orgs/orgunit/add/", _form(parent=str(mini_county.county.pk)))
    assert response.status_code == 302
    assert OrgUnit.objects.get(code="T04").path == "/T00/T04/"
    unit = mini_county.town_b
    before = _state()
    response = client.post(f"/admin/orgs/orgunit/{unit.pk}/change/", _form(unit, code="T01/x"))
    assert response.status_code == 200 and UNIT_CODE_RULE in response.content.decode()
    response = client.post(f"/admin/orgs/orgunit/{unit.pk}/change/", _form(unit, population=str(2**31)))
    assert response.status_code == 200 and f"不应超过 {POPULATION_MAX:,}" in response.content.decode()
    assert _state() == before
