"""Issue 7 §5: a suspect record's page shows why it is suspect (checks with evidence, exam z-scores and flags,
verification status), scoped to the actor; the suspect list is paged, filtered by unit and check, and shows
each township's top records instead of the county's top 100 from one township."""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from ducha.conftest import login
from ducha.core.periods import parse_period
from ducha.quality.actions import run_quality_scan
from ducha.quality.models import CheckResult, QualityRun, SuspectRecord
from ducha.quality.selectors_suspects import suspect_page, top_by_unit
from ducha.quality.tests.registerdata import build_registers
from ducha.registers.models import ChildExam, ChildRecord, PregnancyRecord

pytestmark = pytest.mark.usefixtures("quality_urls")  # quality/tests/conftest.py
TZ = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def scanned(mini_county: Any) -> Any:
    """The quality test registers (甲镇's cards written in one sitting) plus a child in 乙乡 with an
    impossible weight, scanned for 2012Q1."""
    build_registers(mini_county)
    child = ChildRecord.objects.create(org_unit=mini_county.town_b, record_no="C001", name="乙童", sex=1,
                                       birth_date=date(2011, 7, 1), village="乙村", created_by=mini_county.officer_b,
                                       created_at=datetime(2012, 2, 1, 9, tzinfo=TZ))
    ChildExam.objects.create(child=child, exam_on=date(2012, 1, 1), weight_kg=Decimal("19.0"),
                             length_cm=Decimal("68.0"), measured_lying=True, examiner="乙医生",
                             created_at=datetime(2012, 2, 1, 9, 5, tzinfo=TZ))
    ChildExam.objects.create(child=child, exam_on=date(2012, 3, 1), weight_kg=Decimal("8.6"),
                             length_cm=Decimal("70.5"), measured_lying=True, examiner="乙医生",
                             created_at=datetime(2012, 3, 1, 9, 5, tzinfo=TZ))
    mini_county.child = child
    mini_county.run = run_quality_scan(actor=mini_county.inspector, period=parse_period("2012Q1"),
                                       root=mini_county.county)
    return mini_county


def test_child_page_shows_checks_zscores_and_verification(scanned: Any) -> None:
    child = scanned.child
    page = login("inspector1").get(f"/quality/suspects/child/{child.pk}/").content.decode()
    assert "C001 乙童" in page and f'href="/registers/child/{child.pk}/"' in page
    reasons = page.split('id="reasons"')[1].split("</section>")[0]
    assert "DQ-C07" in reasons and "体格测量 z 评分不可信" in reasons and "年龄别体重 z = " in reasons
    exams = page.split('id="exam-scores"')[1].split("</table>")[0]
    first, second = exams.split("<tr data-exam=")[1:3]
    assert "2012-01-01" in first and 'class="z-flag"' in first  # 19 kg at 6 months: flagged
    assert "2012-03-01" in second and 'class="z-flag"' not in second
    assert re.search(r"<td[^>]*>-?\d+\.\d\d</td>", second)  # a plain z-score shown
    assert 'id="verification"' in page and "尚未入户核实" in page


def test_pregnancy_page_shows_unit_evidence(scanned: Any) -> None:
    record = PregnancyRecord.objects.get(record_no="A003")
    page = login("inspector1").get(f"/quality/suspects/pregnancy/{record.pk}/").content.decode()
    reasons = page.split('id="reasons"')[1].split("</section>")[0]
    assert "DQ-F01 集中录入（一次写成）" in reasons and "录入 30 张卡片" in reasons
    assert 'id="exam-scores"' not in page
    fired = CheckResult.objects.get(run=scanned.run, check_id="DQ-F01", unit=scanned.town_a)
    assert fired.evidence_text[:20] in reasons  # the unit-level evidence behind the record's reason


def test_record_not_flagged_says_so(scanned: Any) -> None:
    record = PregnancyRecord.objects.get(record_no="B001")
    assert not SuspectRecord.objects.filter(record_type="pregnancy", record_id=record.pk).exists()
    page = login("inspector1").get(f"/quality/suspects/pregnancy/{record.pk}/").content.decode()
    assert "未被判为可疑" in page


def test_suspect_page_is_scoped(scanned: Any) -> None:
    child = scanned.child
    assert login("officer_a").get(f"/quality/suspects/child/{child.pk}/").status_code == 404
    assert login("outsider").get(f"/quality/suspects/child/{child.pk}/").status_code == 404
    own = login("officer_b").get(f"/quality/suspects/child/{child.pk}/")
    assert own.status_code == 200 and "DQ-C07" in own.content.decode()
    assert "inspector1" not in own.content.decode() and "测试县" not in own.content.decode()  # who ran the county scan
    assert login("inspector1").get(f"/quality/suspects/child/{child.pk}/?run=999999").status_code == 404
    assert login("inspector1").get(f"/quality/suspects/dog/{child.pk}/").status_code == 404


def test_home_links_the_suspect_page(scanned: Any) -> None:
    page = login("inspector1").get("/quality/?period=2012Q1&unit=T00").content.decode()
    assert f'href="/quality/suspects/child/{scanned.child.pk}/?run={scanned.run.pk}"' in page
    assert "全部可疑手册" in page


# ---- the list: per unit, paged, filtered -----------------------------------------------------------

@pytest.fixture
def many(mini_county: Any) -> Any:
    """A hand-built run: 甲镇 120 suspects of weight 9 (DQ-F02), 乙乡 6 of weight 2 (DQ-P11), 丙镇 1 (DQ-C07)."""
    mc = mini_county
    run = QualityRun.objects.create(period="2012Q1", root=mc.county, created_by=mc.inspector,
                                    started_at=timezone.now(), finished_at=timezone.now())

    def suspects(unit: Any, n: int, weight: int, check: str, start: int) -> None:
        SuspectRecord.objects.bulk_create([
            SuspectRecord(run=run, record_type="pregnancy", record_id=start + i, record_no=f"{unit.code}-{i:03d}",
                          name=f"{unit.short_name}{i}", unit=unit, risk_weight=weight,
                          reasons=[{"check_id": check, "title": "标题", "text": "原因"}]) for i in range(n)])

    suspects(mc.town_a, 120, 9, "DQ-F02", 1000)
    suspects(mc.town_b, 6, 2, "DQ-P11", 2000)
    suspects(mc.town_c, 1, 1, "DQ-C07", 3000)
    mc.run = run
    return mc


def test_each_township_has_its_top_records(many: Any) -> None:
    tops = top_by_unit(many.inspector, many.run, many.county)
    assert [(t.unit.code, t.total, len(t.top)) for t in tops] == [("T01", 120, 3), ("T02", 6, 3), ("T03", 1, 1)]
    page = login("inspector1").get("/quality/suspects/?period=2012Q1&unit=T00").content.decode()
    by_unit = page.split('id="by-unit"')[1].split("</section>")[0]
    assert "T02-000" in by_unit and "T03-000" in by_unit and "共 120 本" in by_unit


def test_list_is_paged(many: Any) -> None:
    assert suspect_page(many.inspector, many.run, many.county).paginator.count == 127
    client = login("inspector1")
    page3 = client.get("/quality/suspects/?period=2012Q1&unit=T00&page=3").content.decode()
    table = page3.split('id="suspects"')[1].split("</table>")[0]
    assert table.count("<tr data-suspect") == 27 and "T03-000" in table and "第 3/3 页" in page3


def test_list_filtered_by_unit_and_check(many: Any) -> None:
    client = login("inspector1")
    by_unit = client.get("/quality/suspects/?period=2012Q1&unit=T02").content.decode()
    table = by_unit.split('id="suspects"')[1].split("</table>")[0]
    assert table.count("<tr data-suspect") == 6 and "T01-" not in table
    by_check = client.get("/quality/suspects/?period=2012Q1&unit=T00&check=DQ-C07").content.decode()
    table = by_check.split('id="suspects"')[1].split("</table>")[0]
    assert table.count("<tr data-suspect") == 1 and "T03-000" in table


def test_unknown_check_is_a_chinese_error(many: Any) -> None:
    response = login("inspector1").get("/quality/suspects/?period=2012Q1&unit=T00&check=DQ-X99")
    page = response.content.decode()
    assert response.status_code == 400 and "没有编号为“DQ-X99”的检查" in page
    assert page.split('id="suspects"')[1].split("</table>")[0].count("<tr data-suspect") == 50


def test_list_is_scoped(many: Any) -> None:
    page = login("officer_b").get("/quality/suspects/?period=2012Q1").content.decode()
    table = page.split('id="suspects"')[1].split("</table>")[0]
    assert table.count("<tr data-suspect") == 6 and "T01-" not in page
    assert login("officer_b").get("/quality/suspects/?period=2012Q1&unit=T01").status_code == 404
