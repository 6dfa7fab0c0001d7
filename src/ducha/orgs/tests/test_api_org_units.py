"""GET /api/org-units and /api/org-units/{code}: the tree as far as the caller may see it."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client


def get(user: Any, url: str, **params: str) -> Any:
    client = Client()
    client.force_login(user)
    return client.get(url, params)


def test_inspector_lists_the_county_in_tree_order(mini_county: Any) -> None:
    response = get(mini_county.inspector, "/api/org-units")
    assert response.status_code == 200
    units = response.json()
    assert [u["code"] for u in units] == ["T00", "T01", "T0101", "T02", "T03", "T10"]
    town_a = units[1]
    assert town_a == {
        "code": "T01", "name": "甲镇卫生院", "short_name": "甲镇", "label": "甲镇", "kind": "township_centre",
        "kind_label": "乡镇卫生院/社区卫生服务中心", "parent": "T00", "level": 2, "population": 10000,
        "opened_on": None, "closed_on": None, "data_sets": ["MCH_MONTHLY"],
    }


def test_officer_sees_only_own_subtree_and_not_the_parent(mini_county: Any) -> None:
    units = get(mini_county.officer_a, "/api/org-units").json()
    assert [(u["code"], u["parent"]) for u in units] == [("T01", None), ("T0101", "T01")]


def test_outsider_sees_only_the_other_county(mini_county: Any) -> None:
    units = get(mini_county.outsider, "/api/org-units").json()
    assert [u["code"] for u in units] == ["X00"]


def test_list_below_a_root(mini_county: Any) -> None:
    units = get(mini_county.leader, "/api/org-units", root="T01").json()
    assert [u["code"] for u in units] == ["T01", "T0101"]


@pytest.mark.parametrize(("user", "root"), [("officer_a", "T02"), ("inspector", "X00"), ("inspector", "NOPE")])
def test_list_below_a_root_outside_scope_is_404(mini_county: Any, user: str, root: str) -> None:
    response = get(mini_county.users[user], "/api/org-units", root=root)
    assert response.status_code == 404
    assert response.json() == {"detail": f"单位 {root} 不存在或无权查看"}


def test_detail_lists_visible_children(mini_county: Any) -> None:
    body = get(mini_county.admin, "/api/org-units/T00").json()
    assert (body["code"], body["name"], body["kind_label"], body["parent"]) == ("T00", "测试县", "县", None)
    assert body["children"] == ["T01", "T02", "T03", "T10"]
    assert body["population"] == 30000


def test_officer_detail_of_own_unit(mini_county: Any) -> None:
    body = get(mini_county.officer_a, "/api/org-units/T01").json()
    assert (body["parent"], body["children"]) == (None, ["T0101"])


def test_unknown_unit_is_404_like_a_hidden_one(mini_county: Any) -> None:
    hidden = get(mini_county.officer_a, "/api/org-units/T02")
    unknown = get(mini_county.officer_a, "/api/org-units/ZZZ")
    assert (hidden.status_code, unknown.status_code) == (404, 404)
    assert hidden.json()["detail"] == "单位 T02 不存在或无权查看"
    assert unknown.json()["detail"] == "单位 ZZZ 不存在或无权查看"
