"""Registers for the mini county built through the ORM: one township with cards written in one sitting,
one with ordinary records, monthly reports for the verification factor."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from ducha.registers.models import AntenatalVisit, PregnancyRecord
from ducha.reporting.models import DataElement, DataValue

TZ = ZoneInfo("Asia/Shanghai")
BURST_CARDS = 30


def _at(day: date, hour: int, minute: int = 0, second: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, second, tzinfo=TZ)


def made_up_township(unit: Any, user: Any) -> list[PregnancyRecord]:
    """30 cards entered on 2012-03-14 from 09:02, 20 s apart, whose visit dates span Oct–Mar; BP 120/80 each."""
    start = _at(date(2012, 3, 14), 9, 2)
    records = PregnancyRecord.objects.bulk_create([
        PregnancyRecord(org_unit=unit, record_no=f"A{i:03d}", name=f"甲{i}", birth_date=date(1990, 1, 1 + i % 28),
                        village="甲村", registered_on=date(2011, 10, 5) + timedelta(days=5 * i),
                        lmp=date(2011, 8, 20) + timedelta(days=5 * i), created_at=start + timedelta(seconds=20 * i),
                        created_by=user)
        for i in range(BURST_CARDS)])
    AntenatalVisit.objects.bulk_create([
        AntenatalVisit(record=r, visit_on=r.registered_on, weeks=6.7, weight_kg=55, sbp=120, dbp=80, hb=120,
                       created_at=r.created_at + timedelta(seconds=10), created_by=user) for r in records])
    delivered = PregnancyRecord.objects.create(
        org_unit=unit, record_no="A900", name="甲无产检", birth_date=date(1991, 2, 2), village="甲村",
        registered_on=date(2012, 1, 3), delivered_on=date(2012, 2, 20), delivery_mode="vaginal", outcome="live",
        created_at=_at(date(2012, 1, 3), 10), created_by=user)
    AntenatalVisit.objects.create(record=records[0], visit_on=date(2012, 4, 20), weeks=37, weight_kg=60, sbp=120,
                                  dbp=80, created_at=start, created_by=user)
    return [*records, delivered]


def ordinary_township(unit: Any, user: Any) -> list[PregnancyRecord]:
    """30 records entered one a day, each with two visits entered on the visit day, varied BP."""
    records = PregnancyRecord.objects.bulk_create([
        PregnancyRecord(org_unit=unit, record_no=f"B{i:03d}", name=f"乙{i}", birth_date=date(1989, 3, 1 + i % 28),
                        village="乙村", registered_on=date(2012, 1, 2) + timedelta(days=2 * i),
                        lmp=date(2011, 11, 10) + timedelta(days=2 * i),
                        created_at=_at(date(2012, 1, 2) + timedelta(days=2 * i), 10), created_by=user)
        for i in range(30)])
    visits = []
    rng = random.Random(unit.code)  # measured values: no pattern in their last digits
    for r in records:
        for k in range(2):
            day = r.registered_on + timedelta(days=28 * k)
            visits.append(AntenatalVisit(record=r, visit_on=day, weeks=round((day - r.lmp).days / 7, 1),
                                         weight_kg=round(rng.uniform(46, 72), 1), sbp=rng.randint(96, 138),
                                         dbp=rng.randint(58, 89), hb=rng.randint(100, 139), created_at=_at(day, 11),
                                         created_by=user))
    AntenatalVisit.objects.bulk_create(visits)
    return records


def reported(unit: Any, code: str, months: dict[str, int]) -> None:
    element = DataElement.objects.get(code=code)
    DataValue.objects.bulk_create([DataValue(data_element=element, org_unit=unit, period=m, value=v)
                                   for m, v in months.items()])


def build_registers(county: Any) -> None:
    made_up_township(county.town_a, county.officer_a)
    ordinary_township(county.town_b, county.officer_b)
    reported(county.town_a, "PREG_REGISTERED", {"201201": 30, "201202": 30, "201203": 30})
    reported(county.town_b, "PREG_REGISTERED", {"201201": 10, "201202": 10, "201203": 9})
