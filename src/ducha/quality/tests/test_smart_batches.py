"""Issue 7 §5: the "按导入批次" SMART view said there were no child exams for a township whose exams were all
entered by hand (no import batch): those exams were dropped. Hand entry is now a source of its own per unit,
and two imports of the same file name stay two batches."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.test import Client, override_settings

from ducha.conftest import PASSWORD
from ducha.core.periods import parse_period
from ducha.quality.selectors import smart_reports
from ducha.registers.models import ChildExam, ChildRecord, ImportBatch

TZ = ZoneInfo("Asia/Shanghai")
Q1 = parse_period("2012Q1")


def exams(unit: Any, user: Any, n: int, prefix: str, batch: ImportBatch | None = None) -> None:
    """``n`` children, each with one exam in Jan–Mar 2012 (varied weights and lengths)."""
    children = ChildRecord.objects.bulk_create([
        ChildRecord(org_unit=unit, record_no=f"{prefix}{i:03d}", name=f"{prefix}{i}", sex=1 + i % 2,
                    birth_date=date(2011, 3, 1) + timedelta(days=3 * i), village="村", created_by=user, batch=batch,
                    created_at=datetime(2012, 3, 1, 9, tzinfo=TZ))
        for i in range(n)])
    ChildExam.objects.bulk_create([
        ChildExam(child=c, exam_on=date(2012, 1, 5) + timedelta(days=i), weight_kg=Decimal(f"{8 + (i * 7 % 30) / 10:.1f}"),
                  length_cm=Decimal(f"{70 + (i * 13 % 80) / 10:.1f}"), measured_lying=True, created_by=user, batch=batch,
                  created_at=datetime(2012, 3, 1, 9, tzinfo=TZ) + timedelta(minutes=i))
        for i, c in enumerate(children)])


@pytest.fixture
def hand_and_import(mini_county: Any) -> Any:
    exams(mini_county.town_a, mini_county.officer_a, 40, "A")  # entered by hand: no batch
    first = ImportBatch.objects.create(kind="child", file_name="乙乡体检.xlsx", rows=35, created_by=mini_county.officer_b,
                                       created_at=datetime(2012, 3, 2, 10, tzinfo=TZ))
    second = ImportBatch.objects.create(kind="child", file_name="乙乡体检.xlsx", rows=31, created_by=mini_county.officer_b,
                                        created_at=datetime(2012, 3, 9, 15, tzinfo=TZ))
    exams(mini_county.town_b, mini_county.officer_b, 35, "B", first)
    exams(mini_county.town_b, mini_county.officer_b, 31, "C", second)
    return mini_county


def test_hand_entered_exams_are_a_source_of_their_own(hand_and_import: Any) -> None:
    mc = hand_and_import
    smart = smart_reports(mc.inspector, period=Q1, root=mc.county)
    batches = {row.name: row.report.n for row in smart.batches}
    assert batches == {"甲镇 手工录入": 40, "乙乡体检.xlsx（2012-03-02 10:00 导入）": 35,
                       "乙乡体检.xlsx（2012-03-09 15:00 导入）": 31}
    assert {row.name: row.report.n for row in smart.units} == {"甲镇": 40, "乙乡": 66}


def test_a_township_seen_by_its_officer(hand_and_import: Any) -> None:
    mc = hand_and_import
    smart = smart_reports(mc.officer_a, period=Q1, root=mc.town_a)
    assert [(row.name, row.report.n) for row in smart.batches] == [("甲镇 手工录入", 40)]


@override_settings(ROOT_URLCONF="ducha.quality.tests.urls_quality")
def test_page_lists_hand_entry_under_the_batch_view(hand_and_import: Any) -> None:
    client = Client()
    assert client.login(username="inspector1", password=PASSWORD)
    page = client.get("/quality/?period=2012Q1&unit=T01").content.decode()
    batch_section = page.split("<h3>按导入批次</h3>")[1].split("</table>")[0]
    assert "甲镇 手工录入" in batch_section and ">40<" in batch_section
    assert "本期没有儿童体检记录" not in batch_section
