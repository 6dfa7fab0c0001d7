"""A target or an indicator edited in the admin shows on the next load of the pages and the API, although
their tables are kept between requests: every admin write records an audit row, which moves the data stamp.

Reads are made first (filling the cache; a second read is shown to come from it), then the administrator
posts the real admin form, then the same reads show the new numbers.
"""

from __future__ import annotations

import json
from decimal import Decimal
from html import unescape
from html.parser import HTMLParser
from typing import Any

import pytest
from django.test import Client

from ducha.audit.generation import data_generation
from ducha.audit.models import AuditEntry
from ducha.audit.tests.admin_client import delete_selected, post_admin_form
from ducha.conftest import MiniCounty, client_of
from ducha.core.periods import parse_period
from ducha.indicators.models import Indicator, Target
from ducha.reporting.actions import save_report

pytestmark = pytest.mark.django_db
HOME = "/?unit=T00&period=2012Q1"
LIST = "/indicators/?unit=T00&period=2012Q1&indicator=REG_RATE"
API = "/api/indicator-values?period=2012Q1"
TASK = 4  # the 任务 column of _row_cells.html (after 指标/单位, 分子, 分母, 合计)


@pytest.fixture
def county(mini_county: MiniCounty) -> MiniCounty:
    for unit, registered, total in (("T01", 24, 30), ("T02", 9, 12), ("T03", 5, 10)):
        save_report(actor=mini_county.admin, data_set=mini_county.data_set, unit_code=unit,
                    period=parse_period("201202"), values={"PREG_REGISTERED": registered, "PREG_TOTAL": total})
    Target.objects.create(indicator=Indicator.objects.get(code="REG_RATE"), org_unit=mini_county.county, year=2012,
                          annual_value=Decimal(70))
    Target.objects.create(indicator=Indicator.objects.get(code="FOLIC_COUNT"), org_unit=mini_county.town_a,
                          year=2012, annual_value=Decimal(240))
    admin = mini_county.admin
    admin.is_staff = admin.is_superuser = True
    admin.save()
    return mini_county


class _Rows(HTMLParser):
    """The cells of the table rows that carry ``data-indicator`` (and ``data-unit``), as the page shows them."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: dict[tuple[str, str], list[str]] = {}
        self.row: list[str] | None = None
        self.cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "tr" and found.get("data-indicator"):
            self.row = self.rows.setdefault((found["data-indicator"] or "", found.get("data-unit") or ""), [])
        elif tag == "td" and self.row is not None:
            self.cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "td" and self.row is not None and self.cell is not None:
            self.row.append("".join(self.cell).strip())
            self.cell = None
        elif tag == "tr":
            self.row = None

    def handle_data(self, data: str) -> None:
        if self.cell is not None:
            self.cell.append(data)


def shown_task(client: Client, url: str, code: str, unit: str = "") -> str:
    """The 任务 cell of ``code``'s row (of ``unit``'s on the indicators page) as the page shows it."""
    response = client.get(url)
    assert response.status_code == 200
    parser = _Rows()
    parser.feed(response.content.decode())
    return parser.rows[(code, unit)][TASK]


def home_task(client: Client, code: str = "REG_RATE") -> str:
    return shown_task(client, HOME, code)


def listed_task(client: Client) -> str:
    return shown_task(client, LIST, "REG_RATE", "T00")


def api_row(client: Client, unit: str = "T01", code: str = "REG_RATE") -> dict[str, Any]:
    response = client.get(API)
    assert response.status_code == 200, response.content.decode()
    rows = json.loads(response.content)["rows"]
    return next(r for r in rows if (r["unit_code"], r["indicator_code"]) == (unit, code))


def last_audit() -> AuditEntry:
    entry = AuditEntry.objects.order_by("-seq").first()
    assert entry is not None
    return entry


def test_target_edited_in_the_admin_shows_on_the_next_load(county: MiniCounty, engine_calls: list[str]) -> None:
    inspector = client_of(county.inspector)
    assert home_task(inspector) == listed_task(inspector) == "70.0"
    calls = len(engine_calls)
    assert home_task(inspector) == listed_task(inspector) == "70.0"
    assert len(engine_calls) == calls  # both pages read the kept table

    target = Target.objects.get(indicator__code="REG_RATE")
    stamp = data_generation()
    saved = post_admin_form(client_of(county.admin), f"/admin/indicators/target/{target.pk}/change/", annual_value="85")
    assert saved.status_code == 302, unescape(saved.content.decode())[:500]

    assert data_generation() != stamp
    assert home_task(inspector) == listed_task(inspector) == "85.0"
    assert api_row(inspector, "T00")["target"] == 85
    entry = last_audit()
    assert (entry.action, entry.object_type, entry.object_id) == ("admin.change", "Target", str(target.pk))
    assert entry.actor == county.admin and entry.summary == "后台修改 测试县 2012 建卡率"
    assert (entry.before["annual_value"], entry.after["annual_value"]) == ("70.00", "85.00")


def test_indicator_edited_in_the_admin_shows_in_the_api(county: MiniCounty, engine_calls: list[str]) -> None:
    inspector = client_of(county.inspector)
    first = api_row(inspector)
    assert (first["numerator"], first["indicator_name"]) == (24, "建卡率")
    calls = len(engine_calls)
    assert api_row(inspector) == first and len(engine_calls) == calls  # kept

    indicator = Indicator.objects.get(code="REG_RATE")
    saved = post_admin_form(client_of(county.admin), f"/admin/indicators/indicator/{indicator.pk}/change/",
                            name="孕产妇建卡率", numerator="PREG_TOTAL - PREG_REGISTERED")
    assert saved.status_code == 302, unescape(saved.content.decode())[:500]

    row = api_row(inspector)
    assert (row["numerator"], row["denominator"], row["indicator_name"]) == (6, 30, "孕产妇建卡率")
    assert round(row["value"], 2) == 20.0
    entry = last_audit()
    assert (entry.action, entry.object_type, entry.summary) == ("admin.change", "Indicator", "后台修改 孕产妇建卡率")
    assert entry.before["numerator"] == "PREG_REGISTERED" and entry.after["numerator"] == "PREG_TOTAL - PREG_REGISTERED"


def test_targets_deleted_with_the_bulk_action_are_gone_on_the_next_load(county: MiniCounty,
                                                                        engine_calls: list[str]) -> None:
    inspector = client_of(county.inspector)
    assert home_task(inspector) == "70.0" and home_task(inspector, "FOLIC_COUNT") == "60"  # 240 ÷ 4 for Q1
    assert listed_task(inspector) == "70.0"
    calls = len(engine_calls)
    assert home_task(inspector) == "70.0" and len(engine_calls) == calls

    targets = {t.pk: str(t) for t in Target.objects.all()}
    audits = AuditEntry.objects.count()
    done = delete_selected(client_of(county.admin), "/admin/indicators/target/", list(targets))
    assert done.status_code == 302 and not Target.objects.exists()

    assert home_task(inspector) == home_task(inspector, "FOLIC_COUNT") == "—"
    assert listed_task(inspector) == "—" and api_row(inspector, "T00")["target"] is None
    rows = list(AuditEntry.objects.filter(seq__gt=audits).order_by("seq"))
    assert {(e.action, e.object_type, e.object_id, e.summary) for e in rows} == {
        ("admin.delete", "Target", str(pk), f"后台删除 {label}") for pk, label in targets.items()}
    assert {e.summary for e in rows} == {"后台删除 测试县 2012 建卡率", "后台删除 甲镇卫生院 2012 叶酸补服人数"}
    assert all(e.actor == county.admin and e.before["annual_value"] for e in rows)


def test_a_refused_admin_edit_writes_nothing_and_keeps_the_stamp(county: MiniCounty) -> None:
    inspector = client_of(county.inspector)
    first = api_row(inspector)
    indicator = Indicator.objects.get(code="REG_RATE")
    stamp, audits = data_generation(), AuditEntry.objects.count()
    page = post_admin_form(client_of(county.admin), f"/admin/indicators/indicator/{indicator.pk}/change/",
                           name="不该保存", numerator="PREG_REGISTERD")
    html = unescape(page.content.decode())
    assert page.status_code == 200 and "“PREG_REGISTERD”不是已有的数据元编码" in html
    indicator.refresh_from_db()
    assert (indicator.name, indicator.numerator) == ("建卡率", "PREG_REGISTERED")
    assert AuditEntry.objects.count() == audits and data_generation() == stamp
    assert api_row(inspector) == first
