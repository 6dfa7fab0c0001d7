"""Register-derived indicators against hand-counted registers, and the verification factor."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from ducha.core.periods import parse_period
from ducha.quality.register_indicators import register_indicator_table
from ducha.registers.models import AntenatalVisit, ChildExam, ChildRecord, PostpartumVisit, PregnancyRecord
from ducha.reporting.actions import save_report

Q1 = parse_period("2012Q1")


def pregnancy(unit, no, *, weeks=10.0, visits=5, post_days=7, delivered=date(2012, 2, 10), mode="vaginal",
              outcome="live"):
    rec = PregnancyRecord.objects.create(
        org_unit=unit, record_no=no, registered_on=date(2011, 9, 1), weeks_at_registration=weeks,
        delivered_on=delivered, outcome=outcome, delivery_mode=mode, babies=1)
    for i in range(visits):
        AntenatalVisit.objects.create(record=rec, visit_on=date(2011, 9, 1) + timedelta(days=30 * i), weeks=weeks + 4 * i)
    if post_days is not None and delivered:
        PostpartumVisit.objects.create(record=rec, visit_on=delivered + timedelta(days=post_days))
    return rec


def child(unit, no, birth, exam_ages):
    kid = ChildRecord.objects.create(org_unit=unit, record_no=no, sex=1, birth_date=birth)
    for age in exam_ages:
        ChildExam.objects.create(child=kid, exam_on=birth + timedelta(days=age), weight_kg=10, length_cm=80)
    return kid


@pytest.fixture
def registers(mini_county):
    mc = mini_county
    pregnancy(mc.town_a, "A1")                              # managed
    pregnancy(mc.town_a, "A2", weeks=15)                    # late first check
    pregnancy(mc.town_a, "A3", visits=4)                    # only 4 visits
    pregnancy(mc.town_a, "A4", post_days=40)                # postpartum visit too late
    pregnancy(mc.town_a, "A5", mode="caesarean")            # managed, caesarean
    pregnancy(mc.town_a, "A6", delivered=date(2012, 4, 2))  # delivers after the quarter
    full = [90, 180, 240, 365, 545, 730, 900, 1090]
    child(mc.town_a, "C1", date(2009, 2, 1), full)            # turns 3 in Q1 2012, 4:2:2 complete
    child(mc.town_a, "C2", date(2009, 3, 1), full[:3] + full[4:])  # only 3 checks in year 1
    child(mc.town_a, "C3", date(2009, 8, 1), full[:6])        # turns 3 later
    save_report(actor=mc.admin, data_set=mc.data_set, unit_code="T01", period=parse_period("201202"),
                values={"SYS_MANAGED": 2, "LIVE_BIRTHS": 4, "CAESAREAN": 3, "CHILD_U3_SYS": 1})
    return mc


def rows_for(mc, unit="T01"):
    table = register_indicator_table(mc.inspector, period=Q1, root=mc.county)
    return {r.indicator_code: r for r in table if r.unit_code == unit}


def test_systematic_management_by_the_official_rule(registers):
    rows = rows_for(registers)
    sys = rows["REGISTER_MAT_SYS_RATE"]
    assert (sys.register_numerator, sys.register_denominator) == (2, 5)   # A1, A5 of 5 live births in Q1
    assert sys.register_value == pytest.approx(40.0)
    assert rows["REGISTER_ANC5_RATE"].register_numerator == 4
    assert rows["REGISTER_POSTPARTUM_RATE"].register_numerator == 4
    assert rows["REGISTER_EARLY_REG_RATE"].register_numerator == 0  # registered in 2011, not in the quarter


def test_verification_factor_names_over_and_under_reporting(registers):
    rows = rows_for(registers)
    assert rows["REGISTER_MAT_SYS_RATE"].verification_factor == pytest.approx(1.0) and rows["REGISTER_MAT_SYS_RATE"].vf_status == "ok"
    caes = rows["REGISTER_CAESAREAN_RATE"]
    assert caes.verification_factor == pytest.approx(1 / 3) and caes.vf_status == "over"
    births = rows["REGISTER_LIVE_BIRTHS"]
    assert births.verification_factor == pytest.approx(5 / 4) and births.vf_status == "under"
    assert rows["REGISTER_PREG_COUNT"].vf_status is None  # nothing reported: cannot compare


def test_child_422_rule(registers):
    row = rows_for(registers)["REGISTER_CHILD_SYS_RATE"]
    assert (row.register_numerator, row.register_denominator) == (1, 2)
    assert row.verification_factor == pytest.approx(1.0)


def test_other_units_and_scope(registers):
    assert rows_for(registers, "T02")["REGISTER_MAT_SYS_RATE"].register_numerator == 0
    officer_rows = register_indicator_table(registers.officer_b, period=Q1, root=registers.town_b)
    assert all(r.unit_code != "T01" for r in officer_rows)
