"""DQ-F18 (growth written from a chart: a child's z-scores barely move from exam to exam) on small synthetic
counties: a unit that carries children along their centile fires and lists them; honest habits that make steps
smaller (an excellent measurer, monthly exams of infants, a re-check days later) or larger (weights read to 0.5 kg)
do not; a steadiness every unit shares is a county habit; too few children cannot be judged."""

from __future__ import annotations

import random
from datetime import date, timedelta

import pytest

from ducha.quality.checks.base import FIRED, HABIT, PASSED, UNDECIDED, Labels, ScanData, catalogue
from ducha.quality.engine import Outcome, Result, run_checks
from ducha.quality.store import scan_data_from_arrow, table_from_columns
from ducha.quality.tests.checkdata import PERIOD, TODAY, merge

ROOT = 100
TOWNS = ["西簧乡", "毛堂乡", "大石桥乡", "香花镇", "厚坡镇", "九重镇", "上集镇", "马蹬镇"]
BEFORE, IN_PERIOD = date(2011, 10, 15), date(2012, 1, 13)   # 90 days apart; the period is 2012Q1


def child_exams(unit: int, n: int, *, sd: float, steady: int = 0, steady_sd: float = 0.02, seed: int = 0,
                dates: tuple[date, ...] = (BEFORE, IN_PERIOD), first: int = 0) -> dict[str, list]:
    """``n`` children of ``unit`` with one exam on each of ``dates``; their WAZ and LAZ move by N(0, ``sd``) from
    exam to exam, except the first ``steady`` children, carried along their centile (moves of N(0, ``steady_sd``))."""
    rng = random.Random(seed * 100 + unit)
    cols: dict[str, list] = {k: [] for k in ("exam_id", "record_id", "unit_id", "exam_on", "in_period", "waz", "laz",
                                             "fwaz", "flaz")}
    for c in range(n):
        record = unit * 10_000 + first + c
        waz, laz = rng.gauss(-0.3, 1.0), rng.gauss(-0.4, 1.1)
        step = steady_sd if c < steady else sd
        for k, on in enumerate(dates):
            if k:
                waz, laz = waz + rng.gauss(0, step), laz + rng.gauss(0, step)
            cols["exam_id"].append(record * 10 + k)
            cols["record_id"].append(record)
            cols["unit_id"].append(unit)
            cols["exam_on"].append(on)
            cols["in_period"].append(PERIOD.start <= on <= PERIOD.end)
            cols["waz"].append(round(waz, 2))
            cols["laz"].append(round(laz, 2))
            cols["fwaz"].append(0.0)
            cols["flaz"].append(0.0)
    return cols


def county(*parts: dict[str, list]) -> ScanData:
    labels = Labels(units={i + 1: name for i, name in enumerate(TOWNS)} | {ROOT: "淅川县"})
    return scan_data_from_arrow({"exams": table_from_columns("exams", merge(*parts))}, PERIOD, labels, today=TODAY)


def honest(units: range, n: int = 60, sd: float = 0.35) -> list[dict[str, list]]:
    return [child_exams(u, n, sd=sd + 0.02 * (u % 3)) for u in units]


def scan(data: ScanData, units: int = 8) -> Outcome:
    check = next(c for c in catalogue() if c.id == "DQ-F18")
    return run_checks(data, list(range(1, units + 1)), checks=[check], root=ROOT)


def of(outcome: Outcome, unit_id: int) -> Result:
    found = [r for r in outcome.results if r.unit_id == unit_id]
    assert len(found) == 1, [(r.unit_id, r.status, r.text) for r in outcome.results]
    return found[0]


def test_unit_carrying_children_along_their_centile_fires_and_lists_them() -> None:
    out = scan(county(child_exams(1, 60, sd=0.35, steady=24), *honest(range(2, 9))))
    r = of(out, 1)
    assert r.status == FIRED, r.text
    assert r.n == 60 and r.evidence["steady"] >= 24
    assert "本期 60 名儿童有与上次体检（间隔 28–400 天）可比的体检" in r.text
    assert "都与上次相差不到 0.1" in r.text and "全县各单位中位数" in r.text and "偏离" in r.text
    assert "体格数值像是按生长曲线推算而非实测" in r.text
    assert all(of(out, u).status == PASSED for u in range(2, 9))
    flagged = {h.record_id for h in out.hits}
    assert {10_000 + c for c in range(24)} <= flagged
    assert all(h.unit_id == 1 and h.check_id == "DQ-F18" and h.record_type == "child" for h in out.hits)
    hit = next(h for h in out.hits if h.record_id == 10_000)
    assert "本期 1 次体检与上一次相比 z 评分几乎不变：2011-10-15→2012-01-13（90 天）年龄别体重 z" in hit.text
    assert "而本单位这样的儿童偏多" in hit.text


def test_honest_units_with_small_or_large_steps_do_not_fire() -> None:
    # 1: an excellent measurer (steps of 0.3); 2: weights read to 0.5 kg (steps of 0.6); the rest ordinary
    out = scan(county(child_exams(1, 80, sd=0.3), child_exams(2, 80, sd=0.6), *honest(range(3, 9))))
    assert {of(out, u).status for u in range(1, 9)} == {PASSED}
    assert not out.hits
    assert not [r for r in out.results if r.status == HABIT]


def test_monthly_exams_of_infants_and_a_recheck_days_later_do_not_fire() -> None:
    monthly = (date(2011, 12, 1), date(2012, 1, 2), date(2012, 2, 2), date(2012, 3, 3))   # ~31 days apart
    recheck = child_exams(2, 60, sd=0.35, dates=(BEFORE, IN_PERIOD, IN_PERIOD + timedelta(days=6)))
    # the re-check six days later copies the exam before it (Δ 0): under 28 days apart, it is not a step
    rows = len(recheck["waz"])
    for i in range(2, rows, 3):
        recheck["waz"][i], recheck["laz"][i] = recheck["waz"][i - 1], recheck["laz"][i - 1]
    out = scan(county(child_exams(1, 60, sd=0.3, dates=monthly), recheck, *honest(range(3, 9))))
    assert of(out, 1).status == PASSED and of(out, 2).status == PASSED
    assert of(out, 2).n == 60 and of(out, 2).evidence["step_count"] == 60   # only the 90-day steps count


def test_steadiness_most_units_share_is_a_county_habit_not_unit_findings() -> None:
    parts = [child_exams(u, 60, sd=0.35, steady=18 + u) for u in range(1, 9)]
    out = scan(county(*parts))
    habit = [r for r in out.results if r.status == HABIT]
    assert len(habit) == 1 and habit[0].unit_id == ROOT and habit[0].check_id == "DQ-F18"
    assert "全县 8/8 个单位前后体检 z 评分变化不到 0.1 的儿童比例超过 15%" in habit[0].text
    assert "是全县的习惯，不作为各单位的问题" in habit[0].text
    assert not [r for r in out.results if r.status == FIRED] and not out.hits


def test_too_few_children_cannot_be_judged() -> None:
    out = scan(county(child_exams(1, 12, sd=0.35, steady=12), *honest(range(2, 9))))
    r = of(out, 1)
    assert r.status == UNDECIDED and r.text == "无法判断：样本量 12 少于判断所需的 30"
    assert not out.hits


def test_a_unit_without_exams_in_the_period_is_not_judged() -> None:
    old = child_exams(1, 60, sd=0.35, steady=60, dates=(date(2011, 6, 1), BEFORE))   # steps end before the period
    out = scan(county(old, *honest(range(2, 9))))
    assert of(out, 1).status == UNDECIDED and not out.hits


def test_flagged_zscores_are_skipped_and_the_step_runs_from_the_exam_before() -> None:
    dates = (date(2011, 7, 20), BEFORE, IN_PERIOD)
    fake = child_exams(1, 60, sd=0.35, steady=30, steady_sd=0.0, dates=dates)
    honest_unit = child_exams(2, 60, sd=0.35, dates=dates)
    # a flagged (implausible) exam in the middle is skipped: the step runs from the exam before it, 177 days
    for cols in (fake, honest_unit):
        for i in range(1, len(cols["waz"]), 3):
            cols["waz"][i], cols["fwaz"][i] = 9.0, 1.0
    out = scan(county(fake, honest_unit, *honest(range(3, 9))))
    assert of(out, 1).status == FIRED and of(out, 2).status == PASSED
    hit = next(h for h in out.hits if h.record_id == 10_000)
    assert "2011-07-20→2012-01-13（177 天）" in hit.text


def test_risk_grows_with_steadiness_and_the_number_of_steps() -> None:
    dates = (BEFORE, IN_PERIOD, date(2012, 3, 20))
    fake = child_exams(1, 60, sd=0.35, steady=30, steady_sd=0.0, dates=dates)   # two steps, no change at all
    # child 30 moves by 0.09 in one step only: steady, but barely, and one step (the second exam is not kept)
    fake["waz"][91], fake["laz"][91] = fake["waz"][90] + 0.09, fake["laz"][90]
    fake["waz"][92] = fake["laz"][92] = None
    out = scan(county(fake, *honest(range(2, 9))))
    weights = {h.record_id: h.weight for h in out.hits}
    check = next(c for c in catalogue() if c.id == "DQ-F18")
    assert weights[10_000] == 2 * check.weight()          # risk 2 steps × 4 = 8: severity doubled
    assert weights[10_030] == check.weight()              # risk 1.1: the severity alone
    assert "本期 2 次体检与上一次相比" in next(h.text for h in out.hits if h.record_id == 10_000)


@pytest.mark.parametrize("missing", ["waz", "laz"])
def test_a_step_needs_both_zscores(missing: str) -> None:
    fake = child_exams(1, 60, sd=0.35, steady=60)
    fake[missing] = [None if i % 2 else v for i, v in enumerate(fake[missing])]   # no z-score in the period
    out = scan(county(fake, *honest(range(2, 9))))
    assert of(out, 1).status == UNDECIDED and not out.hits
