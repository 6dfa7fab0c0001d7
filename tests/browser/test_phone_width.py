"""Issue 7 §5: register record pages, their list and forms, and the suspect page fit a 390 px phone screen
(tables scroll inside their own container, the page itself never scrolls sideways)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from ducha.core.periods import parse_period
from ducha.quality.actions import run_quality_scan
from ducha.quality.tests.registerdata import build_registers
from ducha.registers.models import AntenatalVisit, ChildExam, ChildRecord, PregnancyRecord

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]
TZ = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def records(mini_county: Any) -> Any:
    build_registers(mini_county)
    pregnancy = PregnancyRecord.objects.get(record_no="A003")
    AntenatalVisit.objects.filter(record=pregnancy).update(examiner="甲镇卫生院妇产科主治医师张某某")
    child = ChildRecord.objects.create(org_unit=mini_county.town_a, record_no="T01-2012-C000123", name="欧阳小明",
                                       sex=1, birth_date=date(2011, 7, 1), village="甲镇第一村民委员会第三村民小组",
                                       created_by=mini_county.officer_a, created_at=datetime(2012, 2, 1, 9, tzinfo=TZ))
    ChildExam.objects.create(child=child, exam_on=date(2012, 1, 1), weight_kg=Decimal("19.0"), length_cm=Decimal("68.0"),
                             measured_lying=True, examiner="甲镇卫生院儿保科医师", conclusion="生长发育正常，建议按时体检",
                             created_by=mini_county.officer_a, created_at=datetime(2012, 2, 1, 9, 5, tzinfo=TZ))
    run_quality_scan(actor=mini_county.inspector, period=parse_period("2012Q1"), root=mini_county.county)
    return pregnancy, child


def test_record_pages_fit_a_phone(phone: Any, live_server: Any, records: Any, ui: Any, tmp_path: Path) -> None:
    pregnancy, child = records
    ui.log_in(phone, live_server.url, "inspector1")
    pages = {
        "list": "/registers/", "list-child": "/registers/?tab=child",
        "pregnancy": f"/registers/pregnancy/{pregnancy.pk}/", "child": f"/registers/child/{child.pk}/",
        "pregnancy-edit": f"/registers/pregnancy/{pregnancy.pk}/edit/", "child-new": "/registers/child/new/",
        "exam-new": f"/registers/child/{child.pk}/exam/new/",
        "suspect-pregnancy": f"/quality/suspects/pregnancy/{pregnancy.pk}/",
        "suspect-child": f"/quality/suspects/child/{child.pk}/",
        "suspects": "/quality/suspects/?period=2012Q1&unit=T00",
    }
    widths = {}
    for name, url in pages.items():
        response = phone.goto(f"{live_server.url}{url}")
        assert response.status == 200, url
        widths[name] = phone.evaluate("document.documentElement.scrollWidth")
        phone.screenshot(path=str(tmp_path / f"phone-{name}.png"), full_page=True)
    assert {name: w for name, w in widths.items() if w > 390} == {}
    assert (tmp_path / "phone-suspect-child.png").stat().st_size > 0
