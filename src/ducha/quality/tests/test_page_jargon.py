"""Issue 7 §5: pages shown to county staff carry no developer jargon. Formulas, settings names and codes stay on
a 方法说明 fold-out (``<details>``); people are shown by name, periods by their Chinese label."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from html.parser import HTMLParser
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.test import Client, override_settings

from ducha.conftest import PASSWORD
from ducha.core.periods import parse_period
from ducha.quality.actions import run_quality_scan
from ducha.quality.tests.registerdata import build_registers
from ducha.registers.models import ChildExam, ChildRecord, PregnancyRecord

TZ = ZoneInfo("Asia/Shanghai")
JARGON = ("quality.md", "DUCHA_QUALITY", "ANC_FIRST", "σ0", "χ²", "(n−1)", "MAD", "2012Q1", "inspector1",
          "officer_a", "T = ", "T=")


class VisibleText(HTMLParser):
    """The text a person reads without opening a fold-out: outside <details>, <script>, <style> and tags."""

    def __init__(self) -> None:
        super().__init__()
        self.depth = 0
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        self.depth += tag in ("details", "script", "style")

    def handle_endtag(self, tag: str) -> None:
        self.depth -= tag in ("details", "script", "style")

    def handle_data(self, data: str) -> None:
        if self.depth == 0:
            self.parts.append(data)


def visible(html: str) -> str:
    parser = VisibleText()
    parser.feed(html)
    return " ".join(parser.parts)


@pytest.fixture
def county(mini_county: Any) -> Any:
    """Quality registers plus 40 children whose exams are all alike in 乙乡 (the z-score spread checks fire)."""
    build_registers(mini_county)
    for user, name in ((mini_county.inspector, "王督查"), (mini_county.officer_a, "李专干")):
        user.first_name = name
        user.save()
    children = ChildRecord.objects.bulk_create([
        ChildRecord(org_unit=mini_county.town_b, record_no=f"C{i:03d}", name=f"乙童{i}", sex=1 + i % 2,
                    birth_date=date(2011, 6, 1) + timedelta(days=i), village="乙村", created_by=mini_county.officer_a,
                    created_at=datetime(2012, 2, 1, 9, tzinfo=TZ)) for i in range(40)])
    ChildExam.objects.bulk_create([
        ChildExam(child=c, exam_on=date(2012, 2, 1) + timedelta(days=i), weight_kg=Decimal("8.0"),
                  length_cm=Decimal("70.0"), measured_lying=True, created_by=mini_county.officer_a,
                  created_at=datetime(2012, 2, 1, 10, tzinfo=TZ) + timedelta(days=i)) for i, c in enumerate(children)])
    run_quality_scan(actor=mini_county.inspector, period=parse_period("2012Q1"), root=mini_county.county)
    return mini_county


@override_settings(ROOT_URLCONF="ducha.quality.tests.urls_quality")
def test_no_jargon_outside_method_notes(county: Any) -> None:
    client = Client()
    assert client.login(username="inspector1", password=PASSWORD)
    pregnancy = PregnancyRecord.objects.get(record_no="A003")
    child = ChildRecord.objects.get(record_no="C001")
    urls = ["/quality/?period=2012Q1&unit=T00", "/quality/checks/", "/quality/suspects/?period=2012Q1&unit=T00",
            f"/quality/suspects/pregnancy/{pregnancy.pk}/", f"/quality/suspects/child/{child.pk}/",
            "/registers/", "/registers/?tab=child", f"/registers/pregnancy/{pregnancy.pk}/",
            f"/registers/child/{child.pk}/", f"/registers/pregnancy/{pregnancy.pk}/edit/"]
    home = client.get(urls[0]).content.decode()
    assert "T = (n−1)s²/σ0²" in home and "<summary>方法说明</summary>" in home  # the method is there, folded
    found = {}
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        text = visible(response.content.decode())
        hits = [word for word in JARGON if word in text]
        if hits:
            found[url] = hits
    assert found == {}
    assert "2012年第一季度" in visible(home) and "王督查" in visible(home)
    assert "李专干" in visible(client.get(f"/registers/pregnancy/{pregnancy.pk}/").content.decode())
