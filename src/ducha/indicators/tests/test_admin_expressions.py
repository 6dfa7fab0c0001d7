"""Indicator expressions are validated when saved in the admin: a Chinese field error, nothing saved."""

from __future__ import annotations

from html import unescape
from typing import Any

import pytest
from django.test import Client

from ducha.audit.models import AuditEntry
from ducha.core.tests.admin_checks import assert_every_row_valid, post_change, refused_page
from ducha.indicators.admin import IndicatorAdminForm
from ducha.indicators.models import Indicator


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
        admin_site_client: Client, field: str, expression: str, words: str) -> None:
    indicator = Indicator.objects.exclude(denominator="").order_by("code").first()
    assert indicator is not None
    audits = AuditEntry.objects.count()
    page = refused_page(admin_site_client, indicator, **{field: expression, "name": "改过的名称"})
    assert words in page
    assert f"表达式“{expression}”" in page  # the message quotes what was typed
    assert AuditEntry.objects.count() == audits


def test_a_good_expression_is_saved(admin_site_client: Client) -> None:
    indicator = Indicator.objects.exclude(denominator="").order_by("code").first()
    assert indicator is not None
    response = post_change(admin_site_client, indicator, numerator=" LIVE_BIRTHS - 1 ")
    assert response.status_code == 302
    indicator.refresh_from_db()
    assert indicator.numerator == "LIVE_BIRTHS - 1"


def test_a_new_indicator_with_an_unknown_code_is_not_added(admin_site_client: Client) -> None:
    count = Indicator.objects.count()
    response = admin_site_client.post("/admin/indicators/indicator/add/", {
        "code": "NEW_RATE", "name": "新指标", "numerator": "FOO_BAR", "numerator_label": "甲",
        "denominator": "LIVE_BIRTHS", "denominator_label": "乙", "factor": 100, "definition_set": "annual",
        "higher_is_better": "on", "sort_order": 0, "description": ""})
    page = unescape(response.content.decode())
    assert response.status_code == 200 and "“FOO_BAR”不是已有的数据元编码" in page
    assert Indicator.objects.count() == count and not Indicator.objects.filter(code="NEW_RATE").exists()


def test_every_installed_indicator_passes_the_admin_validation(mini_county: Any) -> None:
    assert_every_row_valid(Indicator, IndicatorAdminForm)


def test_a_register_indicator_uses_register_measures_not_data_elements(admin_site_client: Client) -> None:
    indicator = Indicator.objects.filter(source="registers").exclude(denominator="").order_by("code").first()
    assert indicator is not None
    page = refused_page(admin_site_client, indicator, numerator="LIVE_BIRTHS")
    assert "表达式“LIVE_BIRTHS”中的“LIVE_BIRTHS”不是已有的登记指标量编码" in page and "PREG_RECORDS" in page
    page = refused_page(admin_site_client, indicator, reported_numerator="PREG_RECORDS")
    assert "表达式“PREG_RECORDS”中的“PREG_RECORDS”不是已有的数据元编码" in page
    response = post_change(admin_site_client, indicator, numerator="PREG_RECORDS")
    assert response.status_code == 302
    indicator.refresh_from_db()
    assert indicator.numerator == "PREG_RECORDS"
