"""Issue 7 §4 in a real browser: the hospitals' 助产机构分娩月报 is picked on the status grid, its late and
missing reports show, and a cell opens the entry form of that data set."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from ducha.core.periods import month
from ducha.reporting.actions import save_report
from ducha.reporting.mch_pack import HOSP_MONTHLY
from ducha.reporting.models import DataSet

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def _hospital_reports(mc: Any) -> None:
    """The hospital reports the delivery report: January 12 days late, February on time, March never."""
    from datetime import datetime, time

    from django.utils import timezone

    mc.data_set.org_units.remove(mc.hospital)
    data_set = DataSet.objects.get(code=HOSP_MONTHLY)
    data_set.org_units.set([mc.hospital])
    for m, days in ((1, 12), (2, 2)):
        period = month(2012, m)
        save_report(actor=mc.inspector, data_set=data_set, unit_code="T10", period=period,
                    values={"FAC_DELIVERIES": 30 + m, "FAC_LIVE_BIRTHS": 29 + m},
                    submitted_at=timezone.make_aware(datetime.combine(period.end + timedelta(days=days), time(9))))


def test_the_delivery_report_is_picked_and_its_late_and_missing_months_show(page: Any, live_server: Any,
                                                                            quarter_county: Any, ui: Any) -> None:
    _hospital_reports(quarter_county)
    ui.log_in(page, live_server.url, "inspector1")
    page.goto(f"{live_server.url}/reports/status/?period=2012Q1")
    tabs = page.locator("#data-set-tabs a")
    assert tabs.all_inner_texts() == ["妇幼保健月报表", "助产机构分娩月报"]
    assert page.locator("#status-grid tr[data-unit=T10]").count() == 0
    tabs.nth(1).click()
    page.wait_for_selector("h1:has-text('助产机构分娩月报')")
    row = page.locator("#status-grid tr[data-unit=T10]")
    assert [c.strip() for c in row.locator("td.status-cell a").all_inner_texts()] == ["迟报", "及时", "未报"]
    assert page.locator("#status-grid tr[data-unit=T01]").count() == 0
    ui.screenshot(page, "status-hospital-data-set")
    row.locator("td.status-cell a").first.click()
    page.wait_for_selector("h1:has-text('数据填报 · 助产机构分娩月报')")
    assert page.locator("input[name=FAC_DELIVERIES]").input_value() == "31"
    assert page.locator("#data-set-tabs a.active").inner_text() == "助产机构分娩月报"
