"""Indicator formulas against hand-computed cases: aggregation up the tree, factors, ranks, targets."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.cache import caches

from ducha.core.periods import parse_period
from ducha.indicators.models import Indicator, Target
from ducha.indicators.selectors import indicator_table
from ducha.reporting.actions import save_report


def enter(mc, unit, period, **values):
    save_report(actor=mc.admin, data_set=mc.data_set, unit_code=unit.code, period=parse_period(period),
                values=values)


@pytest.fixture
def filled(mini_county):
    mc = mini_county
    # 甲镇: two months; 乙乡: one; 丙镇: nothing reported.
    enter(mc, mc.town_a, "201201", PREG_TOTAL=30, PREG_REGISTERED=21, PARTURIENTS=20, LIVE_BIRTHS=20,
          MATERNAL_DEATHS=1, CHILD_U3=1000, CHILD_U3_SYS=10, FOLIC_NEW=40)
    enter(mc, mc.town_a, "201202", PREG_TOTAL=10, PREG_REGISTERED=9, PARTURIENTS=10, LIVE_BIRTHS=10,
          CHILD_U3=1010, CHILD_U3_SYS=5, FOLIC_NEW=20)
    enter(mc, mc.town_b, "201203", PREG_TOTAL=60, PREG_REGISTERED=30, PARTURIENTS=30, LIVE_BIRTHS=30,
          CHILD_U3=2000, CHILD_U3_SYS=0, FOLIC_NEW=10)
    return mc


def test_rate_sums_numerators_and_denominators_up_the_tree(filled):
    table = indicator_table(filled.inspector, period=parse_period("2012Q1"), root=filled.county,
                            codes=["REG_RATE"])
    county = table.total("REG_RATE")
    # (21 + 9 + 30) / (30 + 10 + 60) = 60 %, not the mean of 75 % and 50 %.
    assert (county.numerator, county.denominator) == (60, 100)
    assert county.value == pytest.approx(60.0)
    by_unit = {r.unit_code: r for r in table.peers("REG_RATE")}
    assert by_unit["T01"].value == pytest.approx(75.0)
    assert by_unit["T02"].value == pytest.approx(50.0)
    assert by_unit["T03"].value is None  # nothing reported: no rate, no rank
    assert by_unit["T03"].rank is None


def test_per_100k_and_per_mille_factors(filled):
    table = indicator_table(filled.inspector, period=parse_period("2012Q1"), root=filled.county,
                            codes=["MMR", "MATERNAL_POP_RATIO"])
    # 1 death among 60 live births = 1666.67 /10万
    assert table.total("MMR").value == pytest.approx(1 / 60 * 100000)
    # (PREG_TOTAL 100 + PARTURIENTS 60) / population 30,000 (sum of the townships' 10k+12k+8k) = 5.333 ‰
    ratio = table.total("MATERNAL_POP_RATIO")
    assert ratio.denominator == 30000
    assert ratio.value == pytest.approx(160 / 30000 * 1000)


def test_stock_elements_take_the_latest_month(filled):
    table = indicator_table(filled.inspector, period=parse_period("2012Q1"), root=filled.county,
                            codes=["CHILD_SYS_RATE"])
    town_a = next(r for r in table.peers("CHILD_SYS_RATE") if r.unit_code == "T01")
    assert town_a.denominator == 1010  # February's roll, not 1000 + 1010
    assert town_a.numerator == 15
    assert table.total("CHILD_SYS_RATE").denominator == 1010 + 2000


def test_month_period_only_counts_that_month(filled):
    table = indicator_table(filled.inspector, period=parse_period("201201"), root=filled.county,
                            codes=["REG_RATE"])
    assert table.total("REG_RATE").value == pytest.approx(70.0)


def test_ranks_share_ties_and_lower_is_better(filled):
    enter(filled, filled.town_c, "201203", PREG_TOTAL=4, PREG_REGISTERED=3, LIVE_BIRTHS=10, MATERNAL_DEATHS=0)
    table = indicator_table(filled.inspector, period=parse_period("2012Q1"), root=filled.county,
                            codes=["REG_RATE", "MMR"])
    ranks = {r.unit_code: r.rank for r in table.peers("REG_RATE")}
    assert ranks == {"T01": 1, "T03": 1, "T02": 3, "T10": None}  # 75 %, 75 %, 50 %
    mmr = {r.unit_code: r.rank for r in table.peers("MMR")}
    assert mmr["T02"] == 1 and mmr["T03"] == 1 and mmr["T01"] == 3  # 0 deaths rank before 1


def test_count_target_split_by_quarter_and_summed_for_the_county(filled):
    folic = Indicator.objects.get(code="FOLIC_COUNT")
    Target.objects.create(indicator=folic, org_unit=filled.town_a, year=2012, annual_value=Decimal(240))
    Target.objects.create(indicator=folic, org_unit=filled.town_b, year=2012, annual_value=Decimal(400),
                          q1=Decimal(40))
    table = indicator_table(filled.inspector, period=parse_period("2012Q1"), root=filled.county,
                            codes=["FOLIC_COUNT"])
    rows = {r.unit_code: r for r in table.peers("FOLIC_COUNT")}
    assert rows["T01"].target == 60 and rows["T01"].attainment == pytest.approx(100.0)
    assert rows["T01"].target_met is True
    assert rows["T02"].target == 40 and rows["T02"].attainment == pytest.approx(25.0)
    assert rows["T02"].target_met is False
    county = table.total("FOLIC_COUNT")
    assert county.value == 70 and county.target == 100 and county.attainment == pytest.approx(70.0)
    year = indicator_table(filled.inspector, period=parse_period("2012"), root=filled.county,
                           codes=["FOLIC_COUNT"])
    assert year.total("FOLIC_COUNT").target == 640


def test_rate_target_inherited_from_the_county_and_split(filled):
    rate = Indicator.objects.get(code="REG_RATE")
    Target.objects.create(indicator=rate, org_unit=filled.county, year=2012, annual_value=Decimal(60))
    table = indicator_table(filled.inspector, period=parse_period("2012Q1"), root=filled.county,
                            codes=["REG_RATE"])
    rows = {r.unit_code: r for r in table.peers("REG_RATE")}
    assert rows["T01"].target == 60 and rows["T01"].target_met is True
    assert rows["T02"].target_met is False
    assert table.total("REG_RATE").target_met is True  # 60.00 ≥ 60
    Target.objects.filter(indicator=rate).update(split_by_quarter=True)
    caches["results"].clear()  # the ORM update above records no audit row, unlike every real write path
    table = indicator_table(filled.inspector, period=parse_period("2012Q1"), root=filled.county,
                            codes=["REG_RATE"])
    assert table.total("REG_RATE").target == 15  # a quarter of the annual task


def test_officer_sees_only_own_subtree(filled):
    table = indicator_table(filled.officer_a, period=parse_period("2012Q1"), codes=["REG_RATE"])
    assert table.root.code == "T01"
    assert {r.unit_code for r in table.rows} <= {"T01", "T0101"}
    assert table.total("REG_RATE").value == pytest.approx(75.0)
