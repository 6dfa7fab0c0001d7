"""All six late or missing reports of the demo show in the browser's status grid, hospitals' included."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from ducha.demo import county as C
from ducha.demo.build import build_demo


@pytest.fixture
def inspector(db: Any) -> Client:
    build_demo()
    client = Client()
    client.force_login(get_user_model().objects.get(username="duchayuan"))
    return client


def _cell(html: str, unit: str, period: str) -> str:
    row = html.split(f'<tr data-unit="{unit}">', 1)[1].split("</tr>", 1)[0]
    return row.split(f'data-period="{period}"', 1)[1].split("</a>", 1)[0].rsplit(">", 1)[1]


def test_every_late_or_missing_report_of_the_demo_is_in_a_status_grid(inspector: Client) -> None:
    pages = {code: inspector.get(f"/reports/status/?period=2012Q1&data_set={code}").content.decode()
             for code in ("MCH_MONTHLY", "HOSP_MONTHLY")}
    assert "报送情况 · 助产机构分娩月报" in pages["HOSP_MONTHLY"]
    shown = {(unit, period): _cell(pages[data_set], unit, period) for unit, data_set, period, _ in C.LATE_OR_MISSING}
    expected = {(unit, period): "未报" if days is None else "迟报" for unit, _, period, days in C.LATE_OR_MISSING}
    assert shown == expected and len(shown) == 6
    default = inspector.get("/reports/status/?period=2012Q1").content.decode()
    assert "报送情况 · 妇幼保健月报表" in default and 'data-code="HOSP_MONTHLY"' in default
