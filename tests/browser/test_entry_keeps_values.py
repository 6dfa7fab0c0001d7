"""Issue 6 item 2 in a real browser: "e" typed into a number field never deletes the stored value.

Chromium posts "" for ``<input type=number>`` holding "e"; entry.js (a same-origin file, no inline
script) blocks that save and names the field; ticking 清空 asks for a confirmation before deleting.
"""

from __future__ import annotations

from typing import Any

import pytest

from ducha.reporting.models import DataValue

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def stored_total() -> int | None:
    row = DataValue.objects.filter(org_unit__code="T01", period="201203", data_element__code="PREG_TOTAL").first()
    return row.value if row else None


def test_letter_in_a_number_field_keeps_the_value(page: Any, live_server: Any, quarter_county: Any,
                                                  ui: Any) -> None:
    ui.log_in(page, live_server.url, "officer_a")
    page.goto(f"{live_server.url}/reports/entry/?unit=T01&period=201203")
    field = page.locator("input[name=PREG_TOTAL]")
    assert field.input_value() == "40"
    field.fill("")
    field.press_sequentially("e")
    page.click("button:has-text('保存并报送')")
    error = page.locator(".entry-field[data-code=PREG_TOTAL] .field-error")
    assert "“孕妇总数”填写的不是有效的整数（原值 40 未改动）" in error.inner_text()
    assert stored_total() == 40
    ui.screenshot(page, "entry-bad-input")


def test_clearing_is_confirmed_before_the_value_is_deleted(page: Any, live_server: Any, quarter_county: Any,
                                                           ui: Any) -> None:
    ui.log_in(page, live_server.url, "officer_a")
    page.goto(f"{live_server.url}/reports/entry/?unit=T01&period=201203")
    page.check(".entry-field[data-code=PREG_TOTAL] input[type=checkbox]")
    assert page.locator("input[name=PREG_TOTAL]").is_disabled()
    page.click("button:has-text('保存并报送')")
    page.wait_for_selector("#confirm-clear")
    assert "孕妇总数：40 → （空）" in page.locator("#confirm-clear").inner_text()
    assert stored_total() == 40
    page.click("button:has-text('确认清空并保存')")
    page.wait_for_selector("#save-result")
    assert "孕妇总数：40 → （空）" in page.locator("#save-result").inner_text()
    assert stored_total() is None
