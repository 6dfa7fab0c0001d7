"""DQ-F17 (an examiner writes only a few blood-pressure values) and DQ-P16 (postpartum visits, no delivery)."""

from __future__ import annotations

import random
from datetime import date, timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.test import override_settings

import ducha.quality.checks.concentration  # noqa: F401  (registers DQ-F17)
import ducha.quality.checks.postpartum  # noqa: F401  (registers DQ-P16)
from ducha.quality.checks.base import FIRED, HABIT, PASSED, UNDECIDED, catalogue
from ducha.quality.engine import Outcome
from ducha.quality.tests.checkdata import result, run, scan
from ducha.quality.verdict import FABRICATION, group_of, kind_of

UNITS = [1, 2, 3, 4, 5, 6]
START = date(2012, 1, 4)


def _round(value: float, rnd: random.Random, zero: float) -> int:
    u = rnd.random()
    if u < zero:
        return int(round(value / 10) * 10)
    if u < zero + 0.2:
        return int(round(value / 5) * 5)
    return int(round(value / 2) * 2)


class Visits:
    """Antenatal visits built examiner by examiner: ids unique across the whole scan."""

    def __init__(self) -> None:
        self.cols: dict[str, list] = {k: [] for k in ("visit_id", "record_id", "unit_id", "visit_on", "sbp", "dbp",
                                                       "examiner", "created_by", "in_period")}
        self.next_woman = 1

    def add(self, unit: int, examiner: str | None, women: int, *, per_woman: int = 3, seed: int = 0,
            zero: float = 0.6, fixed: list[tuple[int, int]] | None = None, created_by: int | None = None) -> list[int]:
        rnd = random.Random(seed)
        ids = []
        for _ in range(women):
            woman, self.next_woman = self.next_woman, self.next_woman + 1
            ids.append(woman)
            base_s, base_d = rnd.gauss(110, 9), rnd.gauss(71, 7)
            for v in range(per_woman):
                if fixed:
                    sbp, dbp = fixed[rnd.randrange(len(fixed))]
                else:
                    sbp, dbp = _round(base_s + rnd.gauss(0, 6), rnd, zero), _round(base_d + rnd.gauss(0, 5), rnd, zero)
                self.cols["visit_id"].append(len(self.cols["visit_id"]) + 1)
                self.cols["record_id"].append(woman)
                self.cols["unit_id"].append(unit)
                self.cols["visit_on"].append(START + timedelta(days=20 * v + rnd.randrange(5)))
                self.cols["sbp"].append(sbp)
                self.cols["dbp"].append(dbp)
                self.cols["examiner"].append(examiner)
                self.cols["created_by"].append(created_by)
                self.cols["in_period"].append(True)
        return ids


def honest_county(v: Visits) -> None:
    for u in UNITS:
        v.add(u, f"医生{u}甲", 20, seed=10 * u)
        v.add(u, f"医生{u}乙", 20, seed=10 * u + 1)


def f17(v: Visits) -> Outcome:
    return run("DQ-F17", scan(antenatal=v.cols), units=UNITS)


def test_one_examiner_writing_110_70_and_120_80_fires_among_honest_colleagues_and_lists_her_women() -> None:
    v = Visits()
    honest_county(v)
    lazy = v.add(1, "王医生", 18, seed=99, fixed=[(110, 70), (120, 80)])
    out = f17(v)
    r = result(out, 1, "王医生")
    assert r.status == FIRED, r.text
    assert "110/70" in r.text and "120/80" in r.text and "占 100.0%" in r.text
    assert "全县各检查者中位数" in r.text and "血压只写少数几个值" in r.text
    others = [x for x in out.results if x.subject != "王医生"]
    assert others and all(x.status == PASSED for x in others), [(x.subject, x.text) for x in others if x.status != PASSED]
    hits = [h for h in out.hits if h.check_id == "DQ-F17"]
    assert sorted(h.record_id for h in hits) == lazy
    assert all(h.record_type == "pregnancy" and h.unit_id == 1 for h in hits)
    # every one of her 3 readings carries them: risk 2 × 3 = 6 → severity 3 + 2
    assert {h.weight for h in hits} == {5}
    assert "检查者 王医生为此孕产妇量的 3 次血压中全部是该检查者惯写的血压值" in hits[0].text
    # the unit's single most common value is far below half of its visits: DQ-F05 does not see it
    assert result(run("DQ-F05", scan(antenatal=v.cols)), 1).status == PASSED


def test_a_woman_mostly_measured_by_others_is_not_listed() -> None:
    v = Visits()
    honest_county(v)
    v.add(1, "王医生", 18, seed=99, fixed=[(110, 70), (120, 80)])
    # woman 999: three readings by 王医生, only one of them on her habitual values
    for i, (s, d) in enumerate([(110, 70), (132, 84), (126, 78)]):
        for key, value in (("visit_id", 90_000 + i), ("record_id", 999), ("unit_id", 1), ("sbp", s), ("dbp", d),
                           ("visit_on", START + timedelta(days=30 * i)), ("examiner", "王医生"), ("created_by", None),
                           ("in_period", True)):
            v.cols[key].append(value)
    out = f17(v)
    assert result(out, 1, "王医生").status == FIRED
    assert 999 not in {h.record_id for h in out.hits}


def test_a_pair_that_is_second_only_by_a_tie_of_two_readings_is_no_habit() -> None:
    v = Visits()
    honest_county(v)
    lazy = v.add(2, "刘医生", 20, seed=5, fixed=[(120, 80)])
    for i, (s, d) in enumerate([(104, 84), (104, 84), (98, 62)]):   # woman 888: measured for real
        for key, value in (("visit_id", 80_000 + i), ("record_id", 888), ("unit_id", 2), ("sbp", s), ("dbp", d),
                           ("visit_on", START + timedelta(days=30 * i)), ("examiner", "刘医生"), ("created_by", None),
                           ("in_period", True)):
            v.cols[key].append(value)
    out = f17(v)
    r = result(out, 2, "刘医生")
    assert r.status == FIRED and "120/80（60 次）、104/84（2 次）" in r.text, r.text
    assert sorted(h.record_id for h in out.hits) == lazy   # 888 carries only the tie-ranked 104/84


def test_honest_rounding_to_whole_tens_spreads_over_many_values_and_passes() -> None:
    v = Visits()
    honest_county(v)
    v.add(2, "赵医生", 30, seed=7, zero=1.0)    # a mercury gauge read only to 0: an honest habit
    out = f17(v)
    r = result(out, 2, "赵医生")
    assert r.status == PASSED, r.text
    assert r.measured is not None and r.measured < 0.6
    assert "血压值分散，未见异常" in r.text
    assert not [x for x in out.results if x.status in (FIRED, HABIT)]


def test_a_county_where_most_examiners_write_few_values_is_a_habit_not_unit_findings() -> None:
    v = Visits()
    mixes = [[(110, 70)] * 4 + [(120, 80)] * 3 + [(100, 60), (118, 76)]] * 2  # about 75 % on two pairs
    for u in UNITS:
        for k, name in enumerate(("甲", "乙")):
            v.add(u, f"医生{u}{name}", 20, seed=u * 7 + k, fixed=mixes[k] + [(106 + 2 * u, 64 + 2 * k)])
    v.add(3, "孙医生", 20, seed=5, fixed=[(120, 80)])
    out = f17(v)
    habit = [r for r in out.results if r.status == HABIT]
    assert len(habit) == 1 and "是全县的习惯" in habit[0].text and "检查者最常见的 2 个血压值" in habit[0].text
    assert "孙医生" not in habit[0].text or "仍判为可疑" in habit[0].text
    own = [r for r in out.results if r.status != HABIT]
    assert result(out, 3, "孙医生").status == FIRED
    spared = [r for r in own if r.subject != "孙医生"]
    assert all(r.status == PASSED and r.evidence["habit_spared"] for r in spared), [r.text for r in spared]
    assert "全县多数单位如此" in spared[0].text and "该检查者与其他检查者相比不突出" in spared[0].text


def test_too_few_readings_or_too_few_women_cannot_be_judged() -> None:
    v = Visits()
    honest_county(v)
    v.add(4, "钱医生", 6, seed=3, fixed=[(120, 80)])                 # 18 readings
    v.add(5, "周医生", 5, per_woman=8, seed=4, fixed=[(120, 80)])    # 40 readings of 5 women
    out = f17(v)
    few = result(out, 4, "钱医生")
    assert few.status == UNDECIDED and "样本量 18 少于判断所需的 30" in few.text
    women = result(out, 5, "周医生")
    assert women.status == UNDECIDED and "不到 15 名孕产妇" in women.text, women.text
    assert not [h for h in out.hits if h.unit_id in (4, 5)]


def test_missing_bp_is_ignored_and_a_visit_without_examiner_counts_for_its_entry_operator() -> None:
    v = Visits()
    honest_county(v)
    lazy = v.add(6, None, 18, seed=8, fixed=[(110, 70), (120, 80)], created_by=7)
    v.cols["sbp"][-1] = None   # one reading without systolic: not a pair, not counted
    out = f17(v)
    r = result(out, 6, "录入人 张三")
    assert r.status == FIRED and r.n == 18 * 3 - 1, r.text
    assert {h.record_id for h in out.hits} == set(lazy)
    assert "录入人 张三为此孕产妇量的" in out.hits[0].text


def test_f17_counts_with_the_same_bp_check_as_one_signal() -> None:
    check = next(c for c in catalogue() if c.id == "DQ-F17")
    assert kind_of(check) == FABRICATION and group_of("DQ-F17") == group_of("DQ-F05")
    assert check.params()["k"] == 2 and "不到四成" in check.rationale


# ---- DQ-P16 ------------------------------------------------------------------------------------------

def test_postpartum_visits_without_any_delivery_are_listed_and_transfers_with_a_delivery_are_not() -> None:
    edd = date(2012, 2, 1)
    data = scan(
        pregnancies={"record_id": [1, 2, 3, 4, 5, 6], "unit_id": [1] * 6, "edd": [edd] * 6,
                     "delivered_on": [None, None, date(2012, 1, 28), None, date(2012, 1, 30), None],
                     "delivery_place": ["", "", "外地", "外院", "县人民医院", ""],
                     "check_42d_on": [None, date(2012, 3, 15), None, None, None, None]},
        antenatal={"visit_id": [1, 2], "record_id": [1, 6], "unit_id": [1, 1],
                   "visit_on": [date(2012, 1, 20), date(2012, 1, 25)], "in_period": [True, True]},
        postpartum={"visit_id": [1, 2, 3, 4, 5], "record_id": [1, 1, 3, 4, 5], "unit_id": [1] * 5,
                    "visit_on": [date(2012, 2, 6), date(2012, 2, 14), date(2012, 2, 2), date(2012, 2, 5),
                                 date(2012, 2, 4)], "in_period": [True] * 5})
    out = run("DQ-P16", data)
    hits = {h.record_id: h for h in out.hits}
    assert sorted(hits) == [1, 2]   # 3: delivered 外地 with a date; 4: 外院 without a date; 5: here; 6: no visits
    assert hits[1].text.startswith("有 2 次产后访视（2012-02-06 至 2012-02-14），但没有分娩日期和任何分娩情况")
    assert "预产期 2012-02-01，第一次访视在预产期后 5 天，最后一次产前检查 2012-01-20" in hits[1].text
    assert hits[2].text.startswith("有 产后42天检查（2012-03-15），但没有分娩日期")
    assert hits[1].weight == 3
    r = result(out)
    assert r.status == FIRED and r.evidence["flagged"] == 2 and r.n == 6


def test_postpartum_check_passes_a_unit_whose_visits_all_follow_a_delivery() -> None:
    data = scan(pregnancies={"record_id": [1, 2], "unit_id": [1, 1], "delivered_on": [date(2012, 1, 10), None]},
                postpartum={"visit_id": [1], "record_id": [1], "unit_id": [1], "visit_on": [date(2012, 1, 15)],
                            "in_period": [True]})
    r = result(run("DQ-P16", data))
    assert r.status == PASSED and "2 份手册均未发现此问题" in r.text


def test_postpartum_without_delivery_is_a_fabrication_sign() -> None:
    check = next(c for c in catalogue() if c.id == "DQ-P16")
    assert kind_of(check) == FABRICATION and check.is_record_check
    assert "外地" in check.rationale and "记录不全" in check.rationale


def test_the_lazy_examiner_fixture_really_differs_from_honest_ones() -> None:
    # guards the fixture: the honest examiners' two most common pairs hold well under the reference share
    v = Visits()
    honest_county(v)
    out = f17(v)
    shares = [r.measured or 0.0 for r in out.results if r.status == PASSED]
    assert len(shares) == 12 and max(shares) < 0.45, shares


@pytest.mark.parametrize(("conf", "words"), [
    ({"k": 0}, ['DUCHA_QUALITY["DQ-F17"]["k"]', "超出范围", "不小于 1 的整数"]),
    ({"min_women": 2.5}, ['DUCHA_QUALITY["DQ-F17"]["min_women"]', "类型不对", "应为整数"]),
    ({"record_share": 1.5}, ['DUCHA_QUALITY["DQ-F17"]["record_share"]', "比例写成 0 到 1 之间的小数"]),
])
def test_bad_settings_of_f17_are_start_up_errors_in_chinese(conf: dict, words: list[str]) -> None:
    with override_settings(DUCHA_QUALITY={"DQ-F17": conf}), pytest.raises(SystemCheckError) as raised:
        call_command("check")
    assert all(w in str(raised.value) for w in words), str(raised.value)
