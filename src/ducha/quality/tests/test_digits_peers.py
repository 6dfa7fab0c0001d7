"""DQ-F06–F09: digit preference judged within the recording grid (0.5 cm, 2 mmHg … is precision, not preference)
and against peer units (a county habit is reported once, not against every unit)."""

from __future__ import annotations

import random

from ducha.quality.checks.base import FIRED, HABIT, PASSED, catalogue
from ducha.quality.engine import Outcome, Result
from ducha.quality.scoring import score_units
from ducha.quality.tests.checkdata import merge, result, run, scan

UNITS = [1, 2, 3, 4, 5, 6]


def child_exams(unit: int, n: int, length: list[float], weight: list[float]) -> dict[str, list]:
    return {"exam_id": [unit * 1000 + i for i in range(n)], "record_id": [unit * 1000 + i for i in range(n)],
            "unit_id": [unit] * n, "in_period": [True] * n, "weight_kg": weight, "length_cm": length}


def readings(n: int, seed: int, *, half: float = 0.0, whole: float = 0.0, low: float = 60, high: float = 90) -> list[float]:
    """``n`` readings to 0.1, a share ``half`` of them read to 0.5 and a share ``whole`` rounded to whole units."""
    rnd = random.Random(seed)
    out = []
    for i in range(n):
        value = rnd.uniform(low, high)
        share = i / n
        value = round(value) if share < whole else round(value * 2) / 2 if share < whole + half else round(value, 1)
        out.append(round(value, 1))
    return out


def unit_exams(unit: int, *, half: float = 0.0, whole: float = 0.0, n: int = 200) -> dict[str, list]:
    return child_exams(unit, n, readings(n, unit, half=half, whole=whole),
                       readings(n, unit + 50, low=6, high=14))


def test_a_tape_read_to_the_half_centimetre_is_precision_not_preference() -> None:
    out = run("DQ-F06", scan(exams=unit_exams(1, half=0.6)))
    r = result(out)
    length = next(i for i in r.evidence["items"] if i["measure"] == "length")
    assert length["raw_dps"] > 20, length          # the plain SMART score would call it 有问题
    assert length["grid"] == "half" and length["dps"] < 12, length
    assert r.status == "passed", r.text
    assert "身长/身高多读到半格" in r.text and "是读数精度，不算偏好" in r.text


def test_rounding_to_whole_centimetres_within_the_grid_is_preference() -> None:
    r = result(run("DQ-F06", scan(exams=unit_exams(1, whole=0.5))))
    length = next(i for i in r.evidence["items"] if i["measure"] == "length")
    assert length["dps"] > 20, length
    assert r.status == "fired", r.text
    assert "末位数字明显偏好" in r.text


def test_invented_heap_on_0_only_fires_for_the_examiner_not_for_the_half_centimetre_one() -> None:
    a, b = unit_exams(1, whole=0.6, n=150), unit_exams(1, half=0.8, n=150)
    cols = merge(a, b) | {"examiner": ["李医生"] * 150 + ["王医生"] * 150}
    cols["exam_id"] = cols["record_id"] = list(range(300))
    out = run("DQ-F07", scan(exams=cols))
    assert result(out, subject="李医生").status == "fired"
    assert result(out, subject="王医生").status == "passed", result(out, subject="王医生").text


def test_a_county_habit_is_spared_and_only_the_unit_far_beyond_its_peers_fires() -> None:
    units = [unit_exams(u, whole=0.40 + 0.02 * u) for u in UNITS[1:]] + [unit_exams(1, whole=0.9)]
    out = run("DQ-F06", scan(exams=merge(*units)), units=UNITS)
    own = {r.unit_id: r for r in out.results if r.status != HABIT}
    assert own[1].status == "fired", own[1].text
    spared = [own[u] for u in UNITS[1:]]
    assert all(r.status == "passed" and r.evidence["ref_fired"] for r in spared), [r.text for r in spared]
    assert "全县多数单位如此" in spared[0].text
    habit = [r for r in out.results if r.status == HABIT]
    assert len(habit) == 1 and "是全县的习惯" in habit[0].text and "体重/身长末位数字偏好" in habit[0].text


def test_honest_units_pass_and_judge_against_peers() -> None:
    out = run("DQ-F06", scan(exams=merge(*[unit_exams(u) for u in UNITS])), units=UNITS)
    assert [result(out, u).status for u in UNITS] == ["passed"] * 6
    assert "全县各单位中位数" in result(out, 1).text


def anc_bp(unit: int, n: int, even: bool, seed: int) -> dict[str, list]:
    rnd = random.Random(seed)
    sbp = [2 * rnd.randint(45, 70) if even else rnd.randint(90, 140) for _ in range(n)]
    dbp = [2 * rnd.randint(28, 45) if even else rnd.randint(56, 90) for _ in range(n)]
    return {"visit_id": [unit * 1000 + i for i in range(n)], "record_id": [unit * 1000 + i // 4 for i in range(n)],
            "unit_id": [unit] * n, "sbp": sbp, "dbp": dbp, "in_period": [True] * n}


def test_a_mercury_gauge_read_to_2_mmhg_is_not_a_preference() -> None:
    units = [anc_bp(u, 80, even=u == 1, seed=u) for u in UNITS]
    out = run("DQ-F09", scan(antenatal=merge(*units)), units=UNITS)
    r = result(out, 1)
    assert r.evidence["grid"] == "even" and r.evidence["raw_dps"] > 20, r.evidence
    assert r.status == "passed" and "多读到偶数" in r.text, r.text


def test_the_same_heap_in_the_digit_checks_and_heaping_is_one_signal_in_the_verdict() -> None:
    fired = {"DQ-F06", "DQ-F08", "DQ-F09", "DQ-F13"}
    outcome = Outcome()
    for unit in (1, 2, 3):
        outcome.results += [Result(c.id, unit, "", FIRED if unit == 1 and c.id in fired else PASSED, 1.0, 0.0, 100,
                                   {}, "") for c in catalogue()]
        outcome.records[(unit, "child")] = 100
    s = next(s for s in score_units(outcome, catalogue(), [1, 2, 3]) if s.unit_id == 1)
    assert len(s.signals) == 1 and s.signals[0]["group"] == "digits", s.signals
    assert s.verdict == "verify" and "（共 4 项检查可疑）" in s.verdict_text
