"""Validation-rule expressions are validated when saved in the admin: a Chinese field error, nothing saved."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from ducha.core.tests.admin_checks import assert_every_row_valid, post_change, refused_page
from ducha.reporting.admin import ValidationRuleAdminForm
from ducha.reporting.models import DataElement, ValidationRule


@pytest.mark.parametrize(("field", "expression", "words"), [
    ("left", "LIVE_BIRTHS +* 2", "语法错误"),
    ("right", "PARTURIENTS * 2 +", "语法错误"),
    ("left", "LIVEBIRTHS", "“LIVEBIRTHS”不是已有的数据元编码"),
    ("right", "open('x')", "含不允许的内容"),
    ("left", "LIVE_BIRTHS if 1 else 0", "含不允许的内容"),
    ("right", "PARTURIENTS / 0", "除以 0"),
])
def test_a_bad_rule_expression_is_a_field_error_and_nothing_is_saved(
        admin_site_client: Client, field: str, expression: str, words: str) -> None:
    rule = ValidationRule.objects.order_by("code").first()
    assert rule is not None
    page = refused_page(admin_site_client, rule, **{field: expression, "name": "改过的规则"})
    assert words in page and f"表达式“{expression}”" in page


def test_a_data_element_outside_the_rules_data_set_is_refused(admin_site_client: Client) -> None:
    DataElement.objects.create(code="OTHER_COUNT", name="别的报表的数")
    rule = ValidationRule.objects.order_by("code").first()
    assert rule is not None
    page = refused_page(admin_site_client, rule, right="OTHER_COUNT")
    assert f"数据元“OTHER_COUNT”不在报表“{rule.data_set.name}”中" in page


def test_a_good_rule_expression_is_saved(admin_site_client: Client) -> None:
    rule = ValidationRule.objects.order_by("code").first()
    assert rule is not None
    code = rule.data_set.elements.order_by("code").values_list("code", flat=True)[0]
    response = post_change(admin_site_client, rule, left=f" {code} * 2 ")
    assert response.status_code == 302
    rule.refresh_from_db()
    assert rule.left == f"{code} * 2"


def test_every_installed_rule_passes_the_admin_validation(mini_county: Any) -> None:
    assert_every_row_valid(ValidationRule, ValidationRuleAdminForm)
