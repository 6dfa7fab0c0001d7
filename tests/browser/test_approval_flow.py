"""Issue 7 §4 in a real browser: the inspector approves on the status grid, the township sees the month locked,
the inspector withdraws the approval with a reason and the township can correct the month again."""

from __future__ import annotations

from typing import Any

import pytest

from ducha.reporting.models import DataApproval, DataValue

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_approve_lock_and_unapprove(page: Any, browser: Any, live_server: Any, quarter_county: Any, ui: Any) -> None:
    ui.log_in(page, live_server.url, "inspector1")
    page.goto(f"{live_server.url}/reports/status/?period=2012Q1")
    cell = page.locator('tr[data-unit="T01"] td[data-period="201201"]')
    cell.locator("button:has-text('审核通过')").click()
    page.wait_for_selector(".messages .alert-success")
    assert "该期数据已锁定" in page.locator(".messages").inner_text()
    assert cell.locator(".approval-mark").inner_text() == "审"
    assert "已审核" in page.locator("#approval-legend").inner_text()
    ui.screenshot(page, "status-approved")

    township = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN").new_page()
    ui.log_in(township, live_server.url, "officer_a")
    township.goto(f"{live_server.url}/reports/entry/?unit=T01&period=201201")
    assert "已审核，不能修改" in township.locator("#approval").inner_text()
    assert township.locator("input[name=PREG_TOTAL]").is_disabled()
    assert township.locator("button:has-text('保存并报送')").count() == 0
    ui.screenshot(township, "entry-approved")

    page.goto(f"{live_server.url}/reports/entry/?unit=T01&period=201201")
    page.fill("#unapprove-reason", "孕妇总数有误，退回更正")
    page.click("#unapprove-form button:has-text('取消审核')")
    page.wait_for_selector(".messages .alert-success")
    assert not DataApproval.objects.get().is_live

    township.reload()
    township.fill("input[name=PREG_TOTAL]", "41")
    township.click("button:has-text('保存并报送')")
    township.wait_for_selector("#save-result")
    assert DataValue.objects.get(org_unit__code="T01", period="201201", data_element__code="PREG_TOTAL").value == 41
    township.context.close()
