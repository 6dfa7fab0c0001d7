"""The demo county reproduces the seed bulletin's first quarter of 2012, number by number."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from ducha.audit.models import AuditEntry
from ducha.core.periods import quarter
from ducha.demo import county as C
from ducha.demo.build import build_demo
from ducha.indicators.selectors import indicator_table
from ducha.orgs.models import OrgUnit
from ducha.reporting.models import DataValue, Submission
from ducha.reporting.selectors import get_data_set, reporting_status

Q1 = quarter(2012, 1)


@pytest.fixture
def demo(db):
    summary = build_demo()
    from django.contrib.auth import get_user_model

    return summary, get_user_model().objects.get(username="duchayuan")


def by_label(table, code, keep=lambda r: True):
    return {r.unit_label for r in table.peers(code) if keep(r)}


def test_county_totals_equal_the_seed(demo):
    _, inspector = demo
    for code, total in C.SEED_TOTALS.items():
        got = sum(DataValue.objects.filter(data_element__code=code, period__in=Q1.month_codes())
                  .values_list("value", flat=True))
        assert got == total, code
    assert sum(t.population for t in C.TOWNSHIPS) == 660000


def test_headline_rates_are_the_seeds(demo):
    _, inspector = demo
    table = indicator_table(inspector, period=Q1)
    assert round(table.total("REG_RATE").value, 0) == 70
    assert round(table.total("MATERNAL_POP_RATIO").value, 1) == 4.7
    assert round(table.total("FOLIC_COUNT").attainment, 0) == 79
    assert round(table.total("TRIPLE_TEST_COUNT").attainment, 1) == 77.4
    assert round(table.total("MAT_SYS_RATE").value, 1) == 15.3
    assert round(table.total("CHILD_SYS_RATE").value, 2) == 1.42


def test_townships_named_in_the_bulletin_come_out_as_it_says(demo):
    _, inspector = demo
    table = indicator_table(inspector, period=Q1)
    assert by_label(table, "REG_RATE", lambda r: r.value is not None and r.value >= 99.995) == \
        {"马蹬", "九重", "盛湾", "大石桥"}
    ratio = table.peers("MATERNAL_POP_RATIO")
    assert {r.unit_label for r in ratio if r.value >= 5} == {"香花", "厚坡", "九重", "仓房", "盛湾", "大石桥", "毛堂",
                                                          "西簧", "寺湾"}
    assert {r.unit_label for r in ratio if r.value >= 6} == {"西簧", "毛堂", "仓房", "香花"}
    assert round(min(r.value for r in ratio), 1) == 1.5
    folic = table.peers("FOLIC_COUNT")
    assert {r.unit_label for r in folic if r.attainment > 100} == {"马蹬", "厚坡", "大石桥", "老城", "西簧"}
    assert round(min(r.attainment for r in folic), 1) == 7.3
    triple = table.peers("TRIPLE_TEST_COUNT")
    assert len([r for r in triple if r.value == 0]) == 2
    assert {r.unit_label for r in triple if r.rank <= 3} == {"西簧", "上集", "仓房"}  # ranked by attainment
    assert by_label(table, "MAT_SYS_RATE", lambda r: r.target_met) == {"西簧", "毛堂", "香花"}
    assert by_label(table, "CHILD_SYS_RATE", lambda r: (r.value or 0) > 0) == {"老城", "大石桥", "仓房"}


def test_hospitals_are_not_ranked_on_township_work(demo):
    _, inspector = demo
    table = indicator_table(inspector, period=Q1, codes=["FOLIC_COUNT", "FAC_CAESAREAN_RATE"])
    assert len(table.peers("FOLIC_COUNT")) == 17
    assert {r.unit_label for r in table.peers("FAC_CAESAREAN_RATE")} == {f[2] for f in C.FACILITIES}


def test_late_missing_reports_and_planted_violations(demo):
    summary, inspector = demo
    county = OrgUnit.objects.get(code=C.COUNTY_CODE)
    status = {s.unit.code: s for s in reporting_status(inspector, data_set=get_data_set(), period=Q1, root=county)}
    assert status[f"{C.COUNTY_CODE}007"].missing_periods == ["201202"]
    assert status[f"{C.COUNTY_CODE}006"].late_periods == ["201201"]
    assert status[f"{C.COUNTY_CODE}008"].completeness == 100 and status[f"{C.COUNTY_CODE}008"].timeliness == 100
    assert sorted((v.org_unit_code, v.rule_code) for v in summary.violations) == \
        sorted((u, rule) for u, _e, _f, _t, _n, rule in C.PLANTED_VIOLATIONS)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_demo_command_rebuilds_cleanly(capsys):
    # A real transaction per step: PostgreSQL refuses TRUNCATE inside the test's wrapping transaction.
    call_command("demo")
    first = (OrgUnit.objects.count(), DataValue.objects.count(), Submission.objects.count())
    call_command("demo")
    out = capsys.readouterr().out
    assert (OrgUnit.objects.count(), DataValue.objects.count(), Submission.objects.count()) == first
    assert "ducha-duchayuan-2012" in out and "督查员" in out
    assert "70.0%" in out and "79.1%" in out and "77.4%" in out
    assert AuditEntry.objects.filter(action="reporting.save_report").count() == first[2]


def test_bulk_validation_finds_exactly_the_planted_violations(demo):
    from ducha.reporting.bulk_validation import validate_period
    from ducha.reporting.models import ValidationRule

    _, inspector = demo
    county = OrgUnit.objects.get(code=C.COUNTY_CODE)
    found = validate_period(inspector, period=Q1, root=county, rules=list(ValidationRule.objects.all()))
    assert sorted((v.org_unit_code, v.rule_code) for v in found) == \
        sorted((u, rule) for u, _e, _f, _t, _n, rule in C.PLANTED_VIOLATIONS)
    assert all(v.left_value > v.right_value for v in found)


def test_registers_agree_with_reports_except_where_made_up(demo):
    from ducha.demo.fabrication import PLANTED
    from ducha.demo.models import PlantedFabrication
    from ducha.quality.register_indicators import register_indicator_table

    _, inspector = demo
    county = OrgUnit.objects.get(code=C.COUNTY_CODE)
    rows = register_indicator_table(inspector, period=Q1, root=county)
    off = {(r.unit_label, r.indicator_code) for r in rows if r.vf_status in ("under", "over")}
    assert off == {("荆紫关", "REGISTER_CAESAREAN_RATE")}  # caesareans registered as normal deliveries
    judged = [r for r in rows if r.vf_status == "ok"]
    assert len(judged) >= 17 * 6
    planted_units = set(PlantedFabrication.objects.values_list("unit_code", flat=True))
    assert {t.short for t in C.TOWNSHIPS if t.code in planted_units} == set(PLANTED)
    assert PlantedFabrication.objects.filter(unit_code=f"{C.COUNTY_CODE}006", kind="burst").count() > 40


EXPECTED_CHECKS = {
    "burst": {"DQ-F01", "DQ-F05"}, "no_antenatal": {"DQ-P09"}, "child_ahead": {"DQ-C01", "DQ-C02", "DQ-C04"},
    "identical_child": {"DQ-F02", "DQ-F03", "DQ-F04"}, "caesarean_as_vaginal": {"DQ-V01", "DQ-V02"},
    "implausible": {"DQ-P06", "DQ-P07", "DQ-P11", "DQ-P12"},
}


def test_quality_scan_finds_the_made_up_townships_for_the_right_reasons(demo):
    from ducha.demo.fabrication import PLANTED
    from ducha.quality.actions import run_quality_scan
    from ducha.quality.models import CheckResult, UnitQualityScore

    _, inspector = demo
    run = run_quality_scan(actor=inspector, period=Q1, root=OrgUnit.objects.get(code=C.COUNTY_CODE))
    fired: dict[str, set[str]] = {}
    for label, check in CheckResult.objects.filter(run=run, status="fired").values_list("unit__short_name",
                                                                                        "check_id"):
        fired.setdefault(label, set()).add(check)
    for town, kind in PLANTED.items():
        assert EXPECTED_CHECKS[kind] & fired.get(town, set()), (town, kind, fired.get(town))
    scores = {s.unit.short_name: s for s in UnitQualityScore.objects.filter(run=run).select_related("unit")}
    for t in C.TOWNSHIPS:
        if t.short in PLANTED:
            continue
        assert not {c for c in fired.get(t.short, set()) if c.startswith(("DQ-F", "DQ-V"))}, t.short
        assert scores[t.short].suspect_records <= 0.02 * scores[t.short].records, t.short
    worst = sorted((s for s in scores.values() if s.unit.kind == "township_centre"), key=lambda s: s.score)
    assert {s.unit.short_name for s in worst[:5]} <= set(PLANTED)
