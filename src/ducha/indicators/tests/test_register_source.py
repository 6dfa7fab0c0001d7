"""Register indicators (source 个案登记) computed by the indicator engine, against hand-counted registers.

The registers below are small enough to count by hand (2012Q1 = 1 January – 31 March):

甲镇 (T01) pregnancies                                       | 乙乡 (T02)
- A1 建册 2012-01-05, 10 周, 5 次产检, 2-10 活产顺产, 产后 7 天访视 | - B1 建册 2011-06-01, 11 周, 6 次产检,
- A2 建册 2012-01-20, 15 周, 5 次产检, 3-01 活产剖宫产, 7 天访视    |   1-15 活产剖宫产, 产后 3 天访视
- A3 建册 2011-10-01, 8 周, 4 次产检, 3-15 活产双胎, 40 天才访视
- A4 建册 2012-02-01, 9 周, 未分娩
- A5 建册 2011-09-01, 12 周, 1-10 死胎

so 甲镇: 本期建册 3 (A1 A2 A4), 早孕建册 2 (A1 A4), 活产 4 (A3 twins), ≥5 次产检 2 (A1 A2), 系统管理 1 (A1),
28 天内产后访视 2 (A1 A2), 剖宫产 1 (A2); 乙乡: 活产 1, and B1 counts everywhere but 本期建册.
甲镇 children: C1 turns 3 on 2012-02-01 with a full 4:2:2 record, C2 turns 3 on 2012-02-29 with only 3
checks in year 1, C3 (born 2011-06-01) examined 2012-01-10: 满3岁 2, 达到 4:2:2 1, 本期体检 3.
"""

from __future__ import annotations

import io
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from openpyxl import load_workbook

from ducha.core.periods import month, parse_period
from ducha.indicators.mch_pack import REGISTER_INDICATORS, install_mch_indicators
from ducha.indicators.models import Indicator, IndicatorSource, Target
from ducha.indicators.register_source import MEASURES, RegisterMeasure, measure_errors
from ducha.indicators.selectors import indicator_table
from ducha.registers.models import AntenatalVisit, ChildExam, ChildRecord, PostpartumVisit, PregnancyRecord
from ducha.reporting.actions import save_report

Q1 = parse_period("2012Q1")
CODES = [row[0] for row in REGISTER_INDICATORS]


def pregnancy(unit: Any, no: str, registered: date, weeks: float, visits: int, *, delivered: date | None = None,
              outcome: str = "live", mode: str = "vaginal", babies: int = 1, post_days: int | None = None) -> None:
    rec = PregnancyRecord.objects.create(
        org_unit=unit, record_no=no, registered_on=registered, weeks_at_registration=weeks, delivered_on=delivered,
        outcome=outcome if delivered else "", delivery_mode=mode if delivered else "", babies=babies)
    for i in range(visits):
        AntenatalVisit.objects.create(record=rec, visit_on=registered + timedelta(days=21 * i), weeks=weeks + 3 * i)
    if post_days is not None and delivered:
        PostpartumVisit.objects.create(record=rec, visit_on=delivered + timedelta(days=post_days))


def child(unit: Any, no: str, birth: date, exam_ages: list[int]) -> None:
    kid = ChildRecord.objects.create(org_unit=unit, record_no=no, sex=1, birth_date=birth)
    for age in exam_ages:
        ChildExam.objects.create(child=kid, exam_on=birth + timedelta(days=age), weight_kg=10, length_cm=80)


@pytest.fixture
def registers(mini_county: Any) -> Any:
    mc = mini_county
    pregnancy(mc.town_a, "A1", date(2012, 1, 5), 10, 5, delivered=date(2012, 2, 10), post_days=7)
    pregnancy(mc.town_a, "A2", date(2012, 1, 20), 15, 5, delivered=date(2012, 3, 1), mode="caesarean", post_days=7)
    pregnancy(mc.town_a, "A3", date(2011, 10, 1), 8, 4, delivered=date(2012, 3, 15), babies=2, post_days=40)
    pregnancy(mc.town_a, "A4", date(2012, 2, 1), 9, 1)
    pregnancy(mc.town_a, "A5", date(2011, 9, 1), 12, 2, delivered=date(2012, 1, 10), outcome="stillbirth")
    pregnancy(mc.town_b, "B1", date(2011, 6, 1), 11, 6, delivered=date(2012, 1, 15), mode="caesarean", post_days=3)
    full = [90, 180, 240, 365, 545, 730, 900, 1090]
    child(mc.town_a, "C1", date(2009, 2, 1), full)
    child(mc.town_a, "C2", date(2009, 3, 1), full[:3] + full[4:])
    child(mc.town_a, "C3", date(2011, 6, 1), [223])
    save_report(actor=mc.admin, data_set=mc.data_set, unit_code="T01", period=month(2012, 2),
                values={"SYS_MANAGED": 1, "LIVE_BIRTHS": 5, "CAESAREAN": 3, "PREG_REGISTERED": 3})
    return mc


def by_unit(actor: Any, root: Any, **kwargs: Any) -> dict[tuple[str, str], Any]:
    table = indicator_table(actor, period=Q1, root=root, codes=CODES, **kwargs)
    return {(r.unit_code, r.indicator_code): r for r in table.rows}


# (indicator, unit) → (numerator, denominator) counted by hand from the docstring's registers
EXPECTED = {
    ("REGISTER_PREG_COUNT", "T01"): (3, None), ("REGISTER_PREG_COUNT", "T02"): (0, None),
    ("REGISTER_EARLY_REG_RATE", "T01"): (2, 4), ("REGISTER_EARLY_REG_RATE", "T02"): (0, 1),
    ("REGISTER_ANC5_RATE", "T01"): (2, 4), ("REGISTER_ANC5_RATE", "T02"): (1, 1),
    ("REGISTER_MAT_SYS_RATE", "T01"): (1, 4), ("REGISTER_MAT_SYS_RATE", "T02"): (1, 1),
    ("REGISTER_POSTPARTUM_RATE", "T01"): (2, 4), ("REGISTER_POSTPARTUM_RATE", "T02"): (1, 1),
    ("REGISTER_CAESAREAN_RATE", "T01"): (1, 4), ("REGISTER_CAESAREAN_RATE", "T02"): (1, 1),
    ("REGISTER_LIVE_BIRTHS", "T01"): (4, None), ("REGISTER_LIVE_BIRTHS", "T02"): (1, None),
    ("REGISTER_CHILD_SYS_RATE", "T01"): (1, 2), ("REGISTER_CHILD_SYS_RATE", "T02"): (0, 0),
    ("REGISTER_CHILD_EXAMS", "T01"): (3, None), ("REGISTER_CHILD_EXAMS", "T02"): (0, None),
}


def expected_value(numerator: int, denominator: int | None) -> float | None:
    if denominator is None:
        return numerator  # a count
    return numerator / denominator * 100 if denominator else None  # nobody turned 3: no rate, not 0 %


def test_engine_counts_the_registers_as_counted_by_hand(registers: Any) -> None:
    rows = by_unit(registers.inspector, registers.county)
    got = {(code, unit): (rows[(unit, code)].numerator, rows[(unit, code)].denominator) for code, unit in EXPECTED}
    assert got == EXPECTED
    for (code, unit), (numerator, denominator) in EXPECTED.items():
        row = rows[(unit, code)]
        assert row.source == "registers"
        assert row.value == pytest.approx(expected_value(numerator, denominator)), (code, unit)


def test_county_total_sums_numerators_and_denominators_up_the_tree(registers: Any) -> None:
    rows = by_unit(registers.inspector, registers.county)
    county = {code: (rows[("T00", code)].numerator, rows[("T00", code)].denominator) for code in CODES}
    assert county["REGISTER_MAT_SYS_RATE"] == (2, 5)
    assert county["REGISTER_LIVE_BIRTHS"] == (5, None)
    assert county["REGISTER_CAESAREAN_RATE"] == (2, 5)
    assert rows[("T00", "REGISTER_MAT_SYS_RATE")].value == pytest.approx(40.0)


def test_report_side_and_ranking(registers: Any) -> None:
    rows = by_unit(registers.inspector, registers.county)
    sys_a = rows[("T01", "REGISTER_MAT_SYS_RATE")]
    assert (sys_a.reported_numerator, sys_a.reported_value) == (1, pytest.approx(20.0))  # 1 of 5 reported births
    assert rows[("T01", "REGISTER_LIVE_BIRTHS")].reported_value == 5
    assert rows[("T02", "REGISTER_LIVE_BIRTHS")].reported_numerator is None  # 乙乡 reported nothing
    assert rows[("T01", "REGISTER_CHILD_SYS_RATE")].reported_value is None  # no report denominator declared
    # higher is better for management, lower for caesareans; units without live births are not ranked
    assert (sys_a.rank, rows[("T02", "REGISTER_MAT_SYS_RATE")].rank, sys_a.rank_of) == (2, 1, 2)
    assert (rows[("T01", "REGISTER_CAESAREAN_RATE")].rank, rows[("T02", "REGISTER_CAESAREAN_RATE")].rank) == (1, 2)
    assert rows[("T03", "REGISTER_MAT_SYS_RATE")].rank is None
    assert rows[("T10", "REGISTER_LIVE_BIRTHS")].numerator == 0  # every unit takes part, even without records


def test_targets_apply_to_register_indicators(registers: Any) -> None:
    count = Indicator.objects.get(code="REGISTER_PREG_COUNT")
    Target.objects.create(indicator=count, org_unit=registers.town_a, year=2012, annual_value=Decimal(24))
    row = by_unit(registers.inspector, registers.county)[("T01", "REGISTER_PREG_COUNT")]
    assert (row.target, row.attainment, row.target_met) == (6, 50, False)  # 3 of the quarter's 6


def test_an_officer_sees_only_her_unit(registers: Any) -> None:
    rows = by_unit(registers.officer_b, registers.town_b, level="all")
    assert {unit for unit, _ in rows} == {"T02"}
    assert rows[("T02", "REGISTER_LIVE_BIRTHS")].numerator == 1  # 甲镇's records are not counted in


def test_the_other_source_in_the_same_table(registers: Any) -> None:
    table = indicator_table(registers.inspector, period=Q1, root=registers.county,
                            codes=["CAESAREAN_RATE", "REGISTER_CAESAREAN_RATE"])
    rows = {(r.unit_code, r.indicator_code): r for r in table.rows}
    assert (rows[("T01", "CAESAREAN_RATE")].numerator, rows[("T01", "CAESAREAN_RATE")].denominator) == (3, 5)
    assert rows[("T01", "CAESAREAN_RATE")].source == "data_values"
    assert (rows[("T01", "REGISTER_CAESAREAN_RATE")].numerator, rows[("T01", "REGISTER_CAESAREAN_RATE")].denominator) \
        == (1, 4)


def login(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_indicator_page_export_and_api_show_register_indicators(registers: Any) -> None:
    client = login(registers.inspector)
    query = {"period": "2012Q1", "unit": "T00", "indicator": "REGISTER_MAT_SYS_RATE"}
    page = client.get("/indicators/", query)
    assert page.status_code == 200 and "孕产妇系统管理率（个案登记）" in page.content.decode()
    assert [(r.unit_code, r.numerator) for r in page.context["rows"]][:3] == [("T00", 2), ("T02", 1), ("T01", 1)]
    sheet = load_workbook(io.BytesIO(client.get("/indicators/export.xlsx", query).content)).active
    assert [c.value for c in sheet[3]][:6] == ["孕产妇系统管理率（个案登记）", "T00", "测试县", 2, 5, 40]
    body = client.get("/api/indicator-values", {"period": "2012Q1", "unit": "T00",
                                                 "codes": "REGISTER_MAT_SYS_RATE"}).json()
    api = {r["unit_code"]: r for r in body["rows"]}
    assert (api["T01"]["numerator"], api["T01"]["denominator"], api["T01"]["value"]) == (1, 4, 25)
    assert (api["T01"]["source"], api["T01"]["reported_numerator"], api["T01"]["reported_value"]) == \
        ("registers", 1, 20)
    definition = next(i for i in client.get("/api/indicators").json() if i["code"] == "REGISTER_MAT_SYS_RATE")
    assert (definition["source"], definition["source_label"], definition["numerator"],
            definition["reported_numerator"]) == ("registers", "个案登记", "SYS_MANAGED_DELIVERED", "SYS_MANAGED")


def test_api_is_scoped_for_an_officer(registers: Any) -> None:
    body = login(registers.officer_a).get("/api/indicator-values", {
        "period": "2012Q1", "codes": "REGISTER_LIVE_BIRTHS", "level": "all"}).json()
    assert {r["unit_code"] for r in body["rows"]} <= {"T01", "T0101"} and body["unit"] == "T01"
    assert next(r for r in body["rows"] if r["unit_code"] == "T01")["numerator"] == 4
    forbidden = login(registers.officer_a).get("/api/indicator-values", {
        "period": "2012Q1", "unit": "T02", "codes": "REGISTER_LIVE_BIRTHS"})
    assert forbidden.status_code in (403, 404)


def test_dashboard_shows_a_key_register_indicator(registers: Any) -> None:
    Indicator.objects.filter(code="REGISTER_MAT_SYS_RATE").update(is_key=True)
    response = login(registers.inspector).get("/?period=2012Q1&unit=T00")
    panels = {p.code: p for p in response.context["panels"]}
    assert panels["REGISTER_MAT_SYS_RATE"].total.value == pytest.approx(40.0)
    assert "孕产妇系统管理率（个案登记）" in response.content.decode()


def test_install_is_idempotent_and_keeps_the_admins_choices(registers: Any) -> None:
    Indicator.objects.filter(code="REGISTER_LIVE_BIRTHS").update(is_key=True, numerator="PREG_RECORDS")
    before = Indicator.objects.count()
    install_mch_indicators()
    assert Indicator.objects.count() == before
    births = Indicator.objects.get(code="REGISTER_LIVE_BIRTHS")
    assert (births.numerator, births.is_key, births.source) == ("LIVE_DELIVERED", True, IndicatorSource.REGISTERS)


def test_every_measure_is_declared_validly() -> None:
    assert {code: measure_errors(m) for code, m in MEASURES.items() if measure_errors(m)} == {}
    used = {c for row in REGISTER_INDICATORS for c in (row[2], row[4]) if c}
    assert used <= set(MEASURES)


def test_a_bad_measure_declaration_is_named_in_chinese() -> None:
    bad = RegisterMeasure("X", "坏", "pregnancy", "outcome", (("colour", "~", 1),), weight="outcome")
    assert measure_errors(bad) == [
        "登记指标量 X：期间字段“outcome”不是该登记簿的日期列",
        "登记指标量 X：条件中的“colour”不是该登记簿的列",
        "登记指标量 X：条件中的运算符“~”不可用（可用 == != >= <= > <）",
        "登记指标量 X：累加列“outcome”不是该登记簿的整数列",
    ]
    assert measure_errors(RegisterMeasure("Y", "坏", "tooth", None)) == ["登记指标量 Y：没有登记簿“tooth”"]
