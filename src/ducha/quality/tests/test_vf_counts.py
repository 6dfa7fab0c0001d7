"""The verification factor counts the same thing on both sides: 0-3岁儿童体检人数 is a monthly count of
children, so a child examined in two months of the quarter counts twice in the register recount as in the
sum of the monthly reports."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from ducha.core.periods import parse_period
from ducha.quality.checks.base import catalogue
from ducha.quality.engine import run_checks
from ducha.quality.register_indicators import register_indicator_table
from ducha.quality.store import load_scan_data
from ducha.quality.tests.checkdata import merge, result, run, scan
from ducha.registers.models import ChildExam, ChildRecord
from ducha.reporting.actions import save_report

Q1 = parse_period("2012Q1")
MONTHS = ("201201", "201202", "201203")
CHILDREN = 40


def examined_children(unit: Any, prefix: str) -> dict[str, int]:
    """40 children under 3: each examined in January and again in March (twice in March for every fourth
    child), the first ten also in February. Returns the distinct children examined per month."""
    per_month = dict.fromkeys(MONTHS, 0)
    for i in range(CHILDREN):
        kid = ChildRecord.objects.create(org_unit=unit, record_no=f"{prefix}{i:03d}", sex=1 + i % 2,
                                         birth_date=date(2011, 3, 1) - timedelta(days=9 * i))
        days = [date(2012, 1, 5 + i % 20), date(2012, 3, 2 + i % 20)]
        if i % 4 == 0:
            days.append(date(2012, 3, 25))
        if i < 10:
            days.append(date(2012, 2, 14))
        for day in days:
            ChildExam.objects.create(child=kid, exam_on=day, weight_kg=9.5, length_cm=76)
        for month in {d.strftime("%Y%m") for d in days}:
            per_month[month] += 1
    return per_month


def report(mc: Any, unit_code: str, per_month: dict[str, int], factor: float = 1.0) -> None:
    for month, n in per_month.items():
        save_report(actor=mc.admin, data_set=mc.data_set, unit_code=unit_code, period=parse_period(month),
                    values={"CHILD_U3_EXAMS": round(n * factor)})


@pytest.fixture
def exams(mini_county: Any) -> Any:
    mc = mini_county
    honest = examined_children(mc.town_a, "A")
    report(mc, "T01", honest)
    over = examined_children(mc.town_b, "B")
    report(mc, "T02", over, factor=1.3)
    assert honest == {"201201": 40, "201202": 10, "201203": 40}
    return mc


def exam_row(mc: Any, unit_code: str) -> Any:
    rows = register_indicator_table(mc.inspector, period=Q1, root=mc.county)
    return next(r for r in rows if r.unit_code == unit_code and r.indicator_code == "REGISTER_CHILD_EXAMS")


def test_children_examined_in_two_months_count_in_each_month(exams: Any) -> None:
    honest = exam_row(exams, "T01")
    assert (honest.register_numerator, honest.reported_numerator) == (90, 90)  # 40 children, 90 child-months
    assert honest.verification_factor == pytest.approx(1.0) and honest.vf_status == "ok"
    over = exam_row(exams, "T02")
    assert (over.register_numerator, over.reported_numerator) == (90, 117)
    assert over.verification_factor == pytest.approx(90 / 117) and over.vf_status == "over"


def test_one_month_counts_distinct_children(exams: Any) -> None:
    rows = register_indicator_table(exams.inspector, period=parse_period("201203"), root=exams.county)
    march = next(r for r in rows if r.unit_code == "T01" and r.indicator_code == "REGISTER_CHILD_EXAMS")
    assert (march.register_numerator, march.reported_numerator) == (40, 40)  # 50 exams of 40 children


def test_scan_passes_the_honest_unit_and_names_the_over_reporting_one(exams: Any) -> None:
    mc = exams
    units = [mc.town_a, mc.town_b]
    data = load_scan_data(mc.inspector, units=units, period=Q1, root=mc.county, core=[])
    check = next(c for c in catalogue() if c.id == "DQ-V01")
    results = {r.unit_id: r for r in run_checks(data, [u.pk for u in units], checks=[check]).results}
    assert results[mc.town_a.pk].status == "passed"
    assert results[mc.town_b.pk].status == "fired"
    assert "0-3岁儿童体检人数（个案登记） 登记簿 90、月报 117，核实系数 0.77，多报（报表多于登记）" in \
        results[mc.town_b.pk].text


# ---- DQ-V02: a low caesarean share that the unit's own reports share is a poor area, not a register problem --

def deliveries(unit: int, n: int, caesareans: int) -> dict[str, list]:
    return {"record_id": [unit * 1000 + i for i in range(n)], "unit_id": [unit] * n,
            "delivered_on": [date(2012, 1, 10 + i % 60) if i % 60 < 20 else date(2012, 2, 1 + i % 25)
                             for i in range(n)],
            "delivery_mode": ["caesarean"] * caesareans + ["vaginal"] * (n - caesareans)}


def reported_births(unit: int, births: int, caesareans: int) -> dict[str, list]:
    """One report month holding the quarter's live births and caesareans (January), plus last year's December
    (outside the period: not counted)."""
    rows = [("201201", "LIVE_BIRTHS", births), ("201201", "CAESAREAN", caesareans),
            ("201112", "LIVE_BIRTHS", 500), ("201112", "CAESAREAN", 0)]
    return {"unit_id": [unit] * len(rows), "month": [m for m, _, _ in rows], "code": [c for _, c, _ in rows],
            "value": [float(v) for _, _, v in rows], "aggregation": ["sum"] * len(rows),
            "midx": [2012 * 12 if m == "201201" else 2011 * 12 + 11 for m, _, _ in rows]}


def caesarean_outcome(units_reports: dict[int, tuple[int, int] | None]) -> Any:
    pregnancies = merge(deliveries(1, 60, 5), deliveries(2, 60, 3), deliveries(3, 60, 22), deliveries(4, 60, 24))
    reports = merge(*[reported_births(u, *rep) for u, rep in units_reports.items() if rep is not None])
    return run("DQ-V02", scan(pregnancies=pregnancies, reports=reports), units=[1, 2, 3, 4])


def test_poor_area_reporting_the_same_low_share_passes() -> None:
    out = caesarean_outcome({1: (60, 5), 2: (60, 18), 3: (60, 22), 4: (60, 24)})
    poor = result(out, 1)
    assert poor.status == "passed"
    assert "本单位月报 8.3%，低于其他单位，但与本单位月报相符（本地剖宫产本来就少），不算登记问题" in poor.text
    faked = result(out, 2)   # register 3 of 60 (5.0 %), its own reports 18 of 60 (30.0 %)
    assert faked.status == "fired"
    assert "本单位月报 30.0%，明显偏低，也低于本单位月报，可能把剖宫产登记为平产" in faked.text
    assert result(out, 3).status == "passed" and result(out, 4).status == "passed"


def test_without_a_report_only_the_peers_count() -> None:
    out = caesarean_outcome({1: None, 2: None, 3: (60, 22), 4: (60, 24)})
    for unit in (1, 2):
        r = result(out, unit)
        assert r.status == "fired" and "本单位没有月报可比" in r.text and "可能把剖宫产登记为平产" in r.text


# ---- DQ-V01 on small counts: one or two records are recording slips, not a discrepancy ------------------------

def vf_rows(*rows: tuple[int, str, int, int]) -> dict[str, list]:
    return {"unit_id": [u for u, _, _, _ in rows], "indicator_code": [c for _, c, _, _ in rows],
            "indicator_name": [c for _, c, _, _ in rows], "register_numerator": [r for _, _, r, _ in rows],
            "reported_numerator": [p for _, _, _, p in rows], "vf": [r / p for _, _, r, p in rows]}


def test_small_count_differences_within_recording_slips_do_not_fire() -> None:
    vf = vf_rows((1, "剖宫产率", 12, 14), (2, "系统管理率", 17, 10), (3, "体检人数", 16, 20), (4, "活产数", 200, 230))
    out = run("DQ-V01", scan(register_vf=vf), units=[1, 2, 3, 4])
    small = result(out, 1)   # VF 0.86 but 2 records of 14: within 4 % slips at 3 SD (2.8)
    assert small.status == "passed"
    assert small.text == "1 项指标中 1 项的核实系数超出 0.9–1.1，但相差的例数在登记误差之内（计数小，一两例之差），不算不符"
    assert result(out, 2).status == "fired" and "系统管理率 登记簿 17、月报 10，核实系数 1.7，少报" in result(out, 2).text
    assert result(out, 3).status == "fired"      # 4 of 20 > 3.4
    assert result(out, 4).status == "fired"      # 30 of 230, VF 0.87


def test_slip_allowance_grows_with_the_count() -> None:
    from ducha.quality.checks.verification import slip_allowance

    p = {"slip": 0.04, "z": 3.0}
    assert [round(slip_allowance(n, p), 2) for n in (10, 20, 50, 100)] == [2.26, 3.43, 6.16, 9.88]
