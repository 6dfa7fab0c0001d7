"""The other pages in a real browser: login errors, indicator table, reporting status, read-only form, errors."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_login_error_in_chinese(page: Any, live_server: Any, quarter_county: Any, ui: Any) -> None:
    page.goto(f"{live_server.url}/")
    assert "/login/" in page.url
    page.fill("input[name=username]", "inspector1")
    page.fill("input[name=password]", "wrong-password")
    page.click("button[type=submit]")
    assert "用户名或密码不正确" in page.locator(".alert-error").inner_text()
    ui.screenshot(page, "login-error")


def test_indicator_table_and_status(page: Any, live_server: Any, quarter_county: Any, ui: Any) -> None:
    base = live_server.url
    ui.log_in(page, base, "leader1")
    page.click(".mainnav a:has-text('指标')")
    page.wait_for_selector("#indicator-groups")
    closed = page.locator("#ind-MATERNAL_POP_RATIO")
    assert closed.locator("tr[data-unit=T01]").count() == 0
    closed.locator("summary").click()  # opening a fold-out loads its units (htmx)
    closed.locator("tr[data-unit=T01]").wait_for()
    page.select_option("#f-indicator", "TRIPLE_TEST_COUNT")
    page.click("button:has-text('查询')")
    page.wait_for_url("**indicator=TRIPLE_TEST_COUNT**")
    group = page.locator("#ind-TRIPLE_TEST_COUNT")
    assert group.get_attribute("open") is not None
    assert group.locator(".total-row td").first.inner_text() == "测试县（合计）"
    assert group.locator("table:not(.total-table) tbody tr").count() == 4
    with page.expect_download() as download:
        page.click("a:has-text('导出 Excel')")
    assert download.value.suggested_filename == "indicators_T00_2012Q1.xlsx"
    ui.screenshot(page, "indicators")

    page.click(".mainnav a:has-text('报送情况')")
    page.wait_for_selector("#status-grid")
    row = page.locator("#status-grid tr[data-unit=T03]")
    assert row.locator("td[data-period='201203']").inner_text() == "未报"
    assert page.locator("#status-grid tr[data-unit=T02] td[data-period='201202']").inner_text() == "迟报"
    ui.screenshot(page, "status")

    page.click("#status-grid tr[data-unit=T01] td[data-period='201202'] a")
    page.wait_for_selector("#report-form")
    assert "只能查看" in page.locator(".form-actions").inner_text()
    assert page.locator("input[name=PREG_TOTAL]").is_disabled()
    ui.screenshot(page, "entry-read-only")


def test_out_of_scope_pages(page: Any, live_server: Any, quarter_county: Any, ui: Any) -> None:
    ui.log_in(page, live_server.url, "officer_a")
    response = page.goto(f"{live_server.url}/reports/entry/?unit=T02&period=201203")
    assert response.status == 404
    assert "单位 T02 不存在或无权查看" in page.locator(".error-card").inner_text()
    ui.screenshot(page, "not-found")


def test_phone_entry_form(phone: Any, live_server: Any, quarter_county: Any, ui: Any) -> None:
    ui.log_in(phone, live_server.url, "officer_a")
    phone.goto(f"{live_server.url}/reports/entry/?unit=T01&period=201203")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    ui.screenshot(phone, "entry-phone")


def test_period_switch_without_reload(page: Any, live_server: Any, quarter_county: Any, ui: Any) -> None:
    ui.log_in(page, live_server.url, "leader1")
    page.evaluate("window.__sameDocument = true")
    page.select_option("#f-period", "201201")  # htmx swaps #dashboard on change
    page.wait_for_url("**period=201201**")
    page.wait_for_function("document.querySelector('.subtitle').textContent.includes('2012年1月')")
    assert page.evaluate("window.__sameDocument === true")  # no full page load
    # January: 建卡率 = (30 + 33 + 24 + 12) ÷ (40 + 50 + 30 + 20) = 99 ÷ 140 = 70.7 %
    assert page.locator("#key-indicators tr[data-indicator=REG_RATE] td:nth-child(4) strong").inner_text() == "70.7"
    page.wait_for_selector("[data-chart] canvas")
