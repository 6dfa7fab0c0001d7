"""Peer-relative judgement in the §4 distribution checks and the county-habit note (quality.checks.peers).

Synthetic counties of many units whose honest spread differs from the survey reference: a unit fires only
when it is unusual among its peers as well, a signal most units share is reported once for the scan's root.
"""

from __future__ import annotations

import random
from datetime import date

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.test import override_settings

from ducha.quality.checks.base import FIRED, HABIT, PASSED, Labels, ScanData, catalogue
from ducha.quality.engine import Outcome, Result, run_checks
from ducha.quality.store import scan_data_from_arrow, table_from_columns
from ducha.quality.tests.checkdata import PERIOD, TODAY, days, merge

ROOT = 100
TOWNS = ["西簧乡", "毛堂乡", "大石桥乡", "香花镇", "厚坡镇", "九重镇", "上集镇", "马蹬镇", "盛湾镇", "滔河乡", "盛湾镇",
         "老城镇"]
HONEST_SDS = [0.85, 0.95, 1.0, 1.02, 1.05, 1.08, 1.1, 1.15, 1.3, 1.5]  # honest units of one county differ


def county(**tables: dict[str, list]) -> ScanData:
    labels = Labels(units={i + 1: name for i, name in enumerate(TOWNS)} | {ROOT: "淅川县"})
    arrow = {name: table_from_columns(name, cols) for name, cols in tables.items()}
    return scan_data_from_arrow(arrow, PERIOD, labels, today=TODAY)


def scan(check_id: str, data: ScanData, units: int, *, root: int | None = ROOT) -> Outcome:
    check = next(c for c in catalogue() if c.id == check_id)
    return run_checks(data, list(range(1, units + 1)), checks=[check], root=root)


def of(outcome: Outcome, unit_id: int) -> Result:
    found = [r for r in outcome.results if r.unit_id == unit_id]
    assert len(found) == 1, [(r.unit_id, r.status, r.text) for r in outcome.results]
    return found[0]


def exactly(n: int, sd: float, mean: float = -0.4, seed: int = 1) -> list[float]:
    """``n`` values whose sample SD is exactly ``sd`` (a normal sample, rescaled)."""
    rng = random.Random(seed)
    raw = [rng.gauss(0, 1) for _ in range(n)]
    m = sum(raw) / n
    s = (sum((x - m) ** 2 for x in raw) / (n - 1)) ** 0.5
    return [mean + (x - m) / s * sd for x in raw]


def laz_exams(sds: list[float], n: int = 120) -> dict[str, list]:
    parts = []
    for unit, sd in enumerate(sds, start=1):
        start = unit * 1000
        parts.append({"exam_id": list(range(start, start + n)), "record_id": list(range(start, start + n)),
                      "unit_id": [unit] * n, "in_period": [True] * n, "laz": exactly(n, sd, seed=unit),
                      "flaz": [0.0] * n})
    return merge(*parts)


def statuses(outcome: Outcome, units: int) -> dict[int, str]:
    return {u: of(outcome, u).status for u in range(1, units + 1)}


def test_only_the_unit_far_below_its_peers_fires_when_honest_sds_range_from_085_to_15() -> None:
    out = scan("DQ-F03", county(exams=laz_exams([*HONEST_SDS, 0.6])), 11)
    assert statuses(out, 11) == {**{u: PASSED for u in range(1, 11)}, 11: FIRED}
    fired = of(out, 11)
    assert "标准差为 0.6，正常人群约 1.35–1.95；全县各单位中位数 1.05，偏离 3.0 个稳健标准差，测量值过于一致" in fired.text
    assert fired.evidence["peer_median"] == pytest.approx(1.05) and fired.evidence["peer_z"] == pytest.approx(-3.035, abs=0.01)
    honest = of(out, 1)  # 0.85 is below the survey's 1.35 × 0.65, but ordinary in this county
    assert "标准差为 0.85" in honest.text and "按参考值可疑，但与同级单位相比不突出，不判为可疑" in honest.text
    assert not [r for r in out.results if r.status == HABIT]
    assert {h.unit_id for h in out.hits} <= {11}


def test_a_county_where_every_unit_has_sd_08_gets_one_habit_note_and_no_unit_fires() -> None:
    out = scan("DQ-F03", county(exams=laz_exams([0.8] * 8)), 8)
    assert set(statuses(out, 8).values()) == {PASSED} and not out.hits
    habit = [r for r in out.results if r.status == HABIT]
    assert len(habit) == 1 and habit[0].unit_id == ROOT and habit[0].check_id == "DQ-F03"
    assert habit[0].text.startswith("全县 8/8 个单位的年龄别身长/身高 z 标准差低于参考值 0.88（各单位中位数 0.8）："
                                    "是全县的习惯，不作为各单位的问题")
    assert habit[0].evidence["habit_units"] == 8 and habit[0].evidence["peer_units"] == 8
    assert "全县习惯" in of(out, 3).text


def test_in_a_habit_county_a_unit_that_deviates_from_its_peers_still_fires() -> None:
    sds = [0.78, 0.8, 0.82, 0.79, 0.81, 0.8, 0.83, 0.77, 0.4]
    out = scan("DQ-F03", county(exams=laz_exams(sds)), 9)
    assert statuses(out, 9) == {**{u: PASSED for u in range(1, 9)}, 9: FIRED}
    habit = next(r for r in out.results if r.status == HABIT)
    assert "全县 9/9 个单位" in habit.text and "其中偏离同级单位的 盛湾镇 仍判为可疑" in habit.text
    assert habit.evidence["kept"] == ["盛湾镇"]


def test_with_fewer_units_than_min_peers_the_reference_alone_decides_and_says_so() -> None:
    out = scan("DQ-F03", county(exams=laz_exams([0.6, 1.2, 1.3])), 3)
    assert statuses(out, 3) == {1: FIRED, 2: PASSED, 3: PASSED}
    assert "可比较的同级单位只有 3 个（少于 5 个），仅与参考值比较，测量值过于一致" in of(out, 1).text
    assert not [r for r in out.results if r.status == HABIT]


def test_without_a_root_the_habit_note_goes_to_the_first_unit() -> None:
    out = scan("DQ-F03", county(exams=laz_exams([0.8] * 6)), 6, root=None)
    assert [r.unit_id for r in out.results if r.status == HABIT] == [1]


def anc(unit: int, same_share: float, n: int = 60) -> dict[str, list]:
    same = round(n * same_share)
    sbp = [120] * same + [100 + (i * 7) % 45 for i in range(n - same)]
    dbp = [80] * same + [60 + (i * 3) % 29 for i in range(n - same)]
    start = unit * 1000
    return {"visit_id": list(range(start, start + n)), "record_id": [start + i // 4 for i in range(n)],
            "unit_id": [unit] * n, "visit_on": days(date(2012, 1, 4), n), "sbp": sbp, "dbp": dbp,
            "in_period": [True] * n}


def test_a_county_writing_120_80_for_most_visits_is_a_habit_and_a_unit_at_100_percent_stands_out() -> None:
    shares = [0.55, 0.6, 0.58, 0.62, 0.57, 0.6, 1.0]
    out = scan("DQ-F05", county(antenatal=merge(*[anc(u, s) for u, s in enumerate(shares, start=1)])), 7)
    assert statuses(out, 7) == {**{u: PASSED for u in range(1, 7)}, 7: FIRED}
    habit = next(r for r in out.results if r.status == HABIT)
    assert habit.text.startswith("全县 7/7 个单位最常见的一个血压值占本单位产检的 50% 以上（各单位中位数 60.0%）")
    assert "全县各单位中位数 60.0%，偏离" in of(out, 7).text and "血压千篇一律" in of(out, 7).text
    assert {h.unit_id for h in out.hits} == {7}


def test_same_bp_in_one_unit_of_an_ordinary_county_fires_without_a_habit_note() -> None:
    shares = [0.1, 0.15, 0.12, 0.2, 0.18, 0.9]
    out = scan("DQ-F05", county(antenatal=merge(*[anc(u, s) for u, s in enumerate(shares, start=1)])), 6)
    assert statuses(out, 6) == {**{u: PASSED for u in range(1, 6)}, 6: FIRED}
    assert not [r for r in out.results if r.status == HABIT]


def check_output(conf: dict) -> str:
    with override_settings(DUCHA_QUALITY=conf), pytest.raises(SystemCheckError) as raised:
        call_command("check")
    return str(raised.value)


@pytest.mark.parametrize(("conf", "words"), [
    ({"DQ-F03": {"peer_z": 0}}, ['DUCHA_QUALITY["DQ-F03"]["peer_z"]', "应为大于 0 的数"]),
    ({"DQ-F03": {"habit_share": 0.3}}, ['["habit_share"]', "应在 0.5 到 1 之间"]),
    ({"DQ-F05": {"habit_share": 1.5}}, ['["habit_share"]', "比例写成 0 到 1 之间的小数"]),
    ({"DQ-F02": {"min_peers": 2.5}}, ['["min_peers"]', "应为整数"]),
])
def test_peer_settings_are_validated(conf: dict, words: list[str]) -> None:
    text = check_output(conf)
    assert "ducha.E02" in text and all(w in text for w in words), text


def test_peer_settings_change_the_verdict() -> None:
    data = county(exams=laz_exams([*HONEST_SDS, 0.6]))
    with override_settings(DUCHA_QUALITY={"DQ-F03": {"peer_z": 3.5}}):
        assert of(scan("DQ-F03", data, 11), 11).status == PASSED
    with override_settings(DUCHA_QUALITY={"DQ-F03": {"min_peers": 20}}):
        assert statuses(scan("DQ-F03", data, 11), 11)[1] == FIRED  # too few peers: the reference alone
