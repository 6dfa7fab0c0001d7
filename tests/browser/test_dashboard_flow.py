"""The issue's browser scenario: the inspector sees the county, an officer enters a value, the county changes."""

from __future__ import annotations

from typing import Any

import pytest

from ducha.reporting.models import DataValue

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

REG_RATE_CELL = "#key-indicators tr[data-indicator=REG_RATE] td:nth-child(4) strong"
REG_NUMERATOR_CELL = "#key-indicators tr[data-indicator=REG_RATE] td:nth-child(2)"


def test_officer_entry_changes_county_indicator(page: Any, live_server: Any, quarter_county: Any, ui: Any) -> None:
    base = live_server.url
    # 1. The county inspector opens the dashboard (default period: the latest quarter with data, 2012Q1).
    ui.log_in(page, base, "inspector1")
    assert page.locator("h1").inner_text() == "测试县 · 工作看板"
    assert "2012年第一季度" in page.locator(".subtitle").first.inner_text()
    # 建卡率 = 273 registered ÷ 390 pregnant women (T03's March report is missing) = 70.0 % (one decimal from 10 up, as bulletins write it)
    assert page.locator(REG_RATE_CELL).inner_text() == "70.0"
    assert page.locator(REG_NUMERATOR_CELL).inner_text() == "273"
    status = page.locator("#reporting-status")
    assert "3月" in status.locator("tr", has_text="丙镇").inner_text()
    page.wait_for_selector("[data-chart] canvas")  # ECharts (served locally) drew the chart
    ui.screenshot(page, "dashboard", publish=True)

    # htmx: switching the key indicator swaps the panel and keeps the page.
    page.click("#indicator-panel .tabs a:has-text('叶酸补服人数')")
    page.wait_for_selector("#indicator-panel table.ranked[data-indicator=FOLIC_COUNT]")
    assert "indicator=FOLIC_COUNT" in page.url
    page.wait_for_selector("[data-chart] canvas")
    ui.screenshot(page, "dashboard-folic")
    ui.log_out(page)

    # 2. The officer of 甲镇 corrects March: 孕期建卡人数 30 → 40.
    ui.log_in(page, base, "officer_a")
    page.goto(f"{base}/reports/entry/?unit=T01&period=201203")
    options = page.locator("#f-unit option").all_inner_texts()
    assert options == ["甲镇卫生院"]
    field = page.locator("input[name=PREG_REGISTERED]")
    assert field.input_value() == "30"
    field.fill("40")
    page.click("button:has-text('保存并报送')")
    page.wait_for_selector("#save-result")
    assert "孕期建卡人数：30 → 40" in page.locator("#save-result").inner_text()
    ui.screenshot(page, "entry-saved")
    assert DataValue.objects.get(org_unit__code="T01", period="201203", data_element__code="PREG_REGISTERED").value == 40
    ui.log_out(page)

    # 3. The inspector sees the county indicator change: 283 ÷ 390 = 72.6 %.
    ui.log_in(page, base, "inspector1")
    assert page.locator(REG_RATE_CELL).inner_text() == "72.6"
    assert page.locator(REG_NUMERATOR_CELL).inner_text() == "283"
    ui.screenshot(page, "dashboard-after-entry")


def test_bad_value_shows_chinese_error(page: Any, live_server: Any, quarter_county: Any, ui: Any) -> None:
    ui.log_in(page, live_server.url, "officer_a")
    page.goto(f"{live_server.url}/reports/entry/?unit=T01&period=201203")
    page.fill("input[name=PREG_TOTAL]", "-5")
    page.fill("input[name=FOLIC_NEW]", "12.5")
    page.click("button:has-text('保存并报送')")
    errors = page.locator("#form-errors").inner_text()
    assert "“孕妇总数”不能小于 0" in errors
    assert "“叶酸补服人数”应填写整数" in errors
    assert DataValue.objects.get(org_unit__code="T01", period="201203", data_element__code="PREG_TOTAL").value == 40
    ui.screenshot(page, "entry-errors")


def test_phone_layout(phone: Any, live_server: Any, quarter_county: Any, ui: Any) -> None:
    ui.log_in(phone, live_server.url, "inspector1")
    phone.wait_for_selector("[data-chart] canvas")
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"页面在手机上横向溢出：{width}px"
    assert not phone.locator(".mainnav").is_visible()  # the menu folds behind the 菜单 button
    phone.click(".nav-toggle-label")
    assert phone.locator(".mainnav a:has-text('数据填报')").is_visible()
    phone.click(".nav-toggle-label")
    ui.screenshot(phone, "dashboard-phone", publish=True)
