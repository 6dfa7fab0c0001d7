"""Indicator expressions are validated when saved in the admin: a Chinese field error, nothing saved."""

from __future__ import annotations

from html import unescape
from typing import Any

import pytest
from django.forms import modelform_factory
from django.forms.models import model_to_dict
from django.test import Client

from ducha.audit.models import AuditEntry
from ducha.indicators.admin import IndicatorAdminForm
from ducha.indicators.models import Indicator


@pytest.fixture
def admin_client_(mini_county: Any, client: Client) -> Client:
    admin = mini_county.admin
    admin.is_staff = admin.is_superuser = True
    admin.save()
    client.force_login(admin)
    return client


def change_form(indicator: Indicator, **changes: Any) -> dict[str, Any]:
    data = {k: ("" if v is None else v) for k, v in model_to_dict(indicator).items() if k != "id"}
    data.update(changes)
    return data


def post_change(client: Client, indicator: Indicator, **changes: Any) -> str:
    response = client.post(f"/admin/indicators/indicator/{indicator.pk}/change/", change_form(indicator, **changes))
    assert response.status_code == 200  # the form again, not the redirect of a save
    return unescape(response.content.decode())


@pytest.mark.parametrize(("field", "expression", "words"), [
    ("numerator", "PREG_REGISTERED +", "语法错误"),
    ("numerator", "(PREG_REGISTERED", "语法错误"),
    ("numerator", "PREG_REGISTERD", "“PREG_REGISTERD”不是已有的数据元编码"),
    ("denominator", "LIVE_BIRTHS + NO_SUCH_CODE", "“NO_SUCH_CODE”不是已有的数据元编码"),
    ("numerator", "__import__('os').system('id')", "含不允许的内容"),
    ("numerator", "LIVE_BIRTHS ** 2", "含不允许的内容"),
    ("denominator", "live_births", "不是数据元编码"),
    ("denominator", "LIVE_BIRTHS / 0", "除以 0"),
])
def test_a_bad_expression_is_a_field_error_and_nothing_is_saved(
        admin_client_: Client, field: str, expression: str, words: str) -> None:
    indicator = Indicator.objects.exclude(denominator="").order_by("code").first()
    assert indicator is not None
    before = model_to_dict(indicator)
    audits = AuditEntry.objects.count()
    page = post_change(admin_client_, indicator, **{field: expression, "name": "改过的名称"})
    assert 'class="errorlist' in page and words in page
    assert f"表达式“{expression}”" in page  # the message quotes what was typed
    indicator.refresh_from_db()
    assert model_to_dict(indicator) == before
    assert AuditEntry.objects.count() == audits


def test_a_good_expression_is_saved(admin_client_: Client) -> None:
    indicator = Indicator.objects.exclude(denominator="").order_by("code").first()
    assert indicator is not None
    response = admin_client_.post(f"/admin/indicators/indicator/{indicator.pk}/change/",
                                  change_form(indicator, numerator=" LIVE_BIRTHS - 1 "))
    assert response.status_code == 302
    indicator.refresh_from_db()
    assert indicator.numerator == "LIVE_BIRTHS - 1"


def test_a_new_indicator_with_an_unknown_code_is_not_added(admin_client_: Client) -> None:
    count = Indicator.objects.count()
    response = admin_client_.post("/admin/indicators/indicator/add/", {
        "code": "NEW_RATE", "name": "新指标", "numerator": "FOO_BAR", "numerator_label": "甲",
        "denominator": "LIVE_BIRTHS", "denominator_label": "乙", "factor": 100, "definition_set": "annual",
        "higher_is_better": "on", "sort_order": 0, "description": ""})
    page = unescape(response.content.decode())
    assert response.status_code == 200 and "“FOO_BAR”不是已有的数据元编码" in page
    assert Indicator.objects.count() == count and not Indicator.objects.filter(code="NEW_RATE").exists()


def test_every_installed_indicator_passes_the_admin_validation(mini_county: Any) -> None:
    indicator_form = modelform_factory(Indicator, form=IndicatorAdminForm, fields="__all__")
    indicators = list(Indicator.objects.all())
    assert indicators
    for indicator in indicators:
        form = indicator_form(data=model_to_dict(indicator), instance=indicator)
        assert form.is_valid(), (indicator.code, form.errors)


def test_a_register_indicator_uses_register_measures_not_data_elements(admin_client_: Client) -> None:
    indicator = Indicator.objects.filter(source="registers").exclude(denominator="").order_by("code").first()
    assert indicator is not None
    before = model_to_dict(indicator)
    page = post_change(admin_client_, indicator, numerator="LIVE_BIRTHS")
    assert "表达式“LIVE_BIRTHS”中的“LIVE_BIRTHS”不是已有的登记指标量编码" in page and "PREG_RECORDS" in page
    page = post_change(admin_client_, indicator, reported_numerator="PREG_RECORDS")
    assert "表达式“PREG_RECORDS”中的“PREG_RECORDS”不是已有的数据元编码" in page
    indicator.refresh_from_db()
    assert model_to_dict(indicator) == before
    response = admin_client_.post(f"/admin/indicators/indicator/{indicator.pk}/change/",
                                  change_form(indicator, numerator="PREG_RECORDS"))
    assert response.status_code == 302
    indicator.refresh_from_db()
    assert indicator.numerator == "PREG_RECORDS"
