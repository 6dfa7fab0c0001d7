"""Validation-rule expressions are validated when saved in the admin: a Chinese field error, nothing saved."""

from __future__ import annotations

from html import unescape
from typing import Any

import pytest
from django.forms import modelform_factory
from django.forms.models import model_to_dict
from django.test import Client

from ducha.reporting.admin import ValidationRuleAdminForm
from ducha.reporting.models import DataElement, ValidationRule


@pytest.fixture
def admin_client_(mini_county: Any, client: Client) -> Client:
    admin = mini_county.admin
    admin.is_staff = admin.is_superuser = True
    admin.save()
    client.force_login(admin)
    return client


def post_change(client: Client, rule: ValidationRule, **changes: Any) -> Any:
    data = {k: v for k, v in model_to_dict(rule).items() if k != "id"}
    data.update(changes)
    return client.post(f"/admin/reporting/validationrule/{rule.pk}/change/", data)


@pytest.mark.parametrize(("field", "expression", "words"), [
    ("left", "LIVE_BIRTHS +* 2", "语法错误"),
    ("right", "PARTURIENTS * 2 +", "语法错误"),
    ("left", "LIVEBIRTHS", "“LIVEBIRTHS”不是已有的数据元编码"),
    ("right", "open('x')", "含不允许的内容"),
    ("left", "LIVE_BIRTHS if 1 else 0", "含不允许的内容"),
    ("right", "PARTURIENTS / 0", "除以 0"),
])
def test_a_bad_rule_expression_is_a_field_error_and_nothing_is_saved(
        admin_client_: Client, field: str, expression: str, words: str) -> None:
    rule = ValidationRule.objects.order_by("code").first()
    assert rule is not None
    before = model_to_dict(rule)
    response = post_change(admin_client_, rule, **{field: expression, "name": "改过的规则"})
    page = unescape(response.content.decode())
    assert response.status_code == 200 and 'class="errorlist' in page
    assert words in page and f"表达式“{expression}”" in page
    rule.refresh_from_db()
    assert model_to_dict(rule) == before


def test_a_data_element_outside_the_rules_data_set_is_refused(admin_client_: Client) -> None:
    DataElement.objects.create(code="OTHER_COUNT", name="别的报表的数")
    rule = ValidationRule.objects.order_by("code").first()
    assert rule is not None
    before = model_to_dict(rule)
    page = unescape(post_change(admin_client_, rule, right="OTHER_COUNT").content.decode())
    assert f"数据元“OTHER_COUNT”不在报表“{rule.data_set.name}”中" in page
    rule.refresh_from_db()
    assert model_to_dict(rule) == before


def test_a_good_rule_expression_is_saved(admin_client_: Client) -> None:
    rule = ValidationRule.objects.order_by("code").first()
    assert rule is not None
    code = rule.data_set.elements.order_by("code").values_list("code", flat=True)[0]
    response = post_change(admin_client_, rule, left=f" {code} * 2 ")
    assert response.status_code == 302
    rule.refresh_from_db()
    assert rule.left == f"{code} * 2"


def test_every_installed_rule_passes_the_admin_validation(mini_county: Any) -> None:
    rule_form = modelform_factory(ValidationRule, form=ValidationRuleAdminForm, fields="__all__")
    rules = list(ValidationRule.objects.all())
    assert rules
    for rule in rules:
        form = rule_form(data=model_to_dict(rule), instance=rule)
        assert form.is_valid(), (rule.code, form.errors)
