"""DQ-F06–F09: digit preference judged within the recording grid (0.5 cm, 2 mmHg … is precision, not preference)
and against peer units (a county habit is reported once, not against every unit)."""

from __future__ import annotations

import random

import ibis
import pandas as pd
import pytest

from ducha.quality.checks.base import FIRED, HABIT, PASSED, catalogue
from ducha.quality.checks.digits import fit_grids
from ducha.quality.engine import Outcome, Result
from ducha.quality.scoring import score_units
from ducha.quality.tests.checkdata import merge, result, run, scan

UNITS = [1, 2, 3, 4, 5, 6]
DIGITS = range(10)


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


def fitted(counts: dict[int, int]) -> dict:
    t = ibis.memtable(pd.DataFrame({"g": 1, "digit": list(counts), "count": list(counts.values())}))
    return fit_grids(t.filter(t["count"] > 0), ["g"]).to_pandas().iloc[0].to_dict()


def test_the_grid_fit_is_the_chi_square_written_out() -> None:
    # read to 0.5 most of the time: 0 and 5 hold 120 of 200, the other eight digits 10 each
    fit = fitted({0: 64, 5: 56} | {d: 10 for d in (1, 2, 3, 4, 6, 7, 8, 9)})
    raw = sum((c - 20) ** 2 / 20 for c in [64, 56] + [10] * 8)
    assert fit["n"] == 200 and fit["raw_dps"] == pytest.approx(100 * (raw / (200 * 9)) ** 0.5)
    within = (64 - 60) ** 2 / 60 + (56 - 60) ** 2 / 60  # the other side is even: χ² 0, df 7
    assert fit["grid"] == "half" and fit["df"] == 1 + 7
    assert fit["chi2"] == pytest.approx(within) and fit["dps"] == pytest.approx(100 * (within / (200 * 8)) ** 0.5)
    assert fit["zeros"] == 64


def test_digits_missing_altogether_count_and_uniform_digits_keep_the_fine_grid() -> None:
    only_zero = fitted({0: 150})  # rounded to whole units: preference on every grid, the plain score kept
    assert only_zero["grid"] == "fine" and only_zero["raw_dps"] == pytest.approx(100) and only_zero["dps"] == pytest.approx(100)
    even = fitted({d: 30 for d in DIGITS})
    assert even["grid"] == "fine" and even["dps"] == pytest.approx(0) and even["df"] == 9
    # a few more 0s and 5s than chance, but not the 3 binomial SDs of a reading habit: no grid is fitted
    slight = fitted({0: 24, 5: 24} | {d: 19 for d in (1, 2, 3, 4, 6, 7, 8, 9)})
    assert slight["grid"] == "fine"


def test_among_peers_the_half_centimetre_reader_passes_and_the_rounder_fires() -> None:
    units = [unit_exams(1, whole=0.6), unit_exams(3, half=0.8)] + [unit_exams(u) for u in (2, 4, 5, 6)]
    out = run("DQ-F06", scan(exams=merge(*units)), units=UNITS)
    rounder, reader = result(out, 1), result(out, 3)
    assert rounder.status == FIRED, rounder.text
    assert "末位数字明显偏好" in rounder.text and "全县各单位中位数" in rounder.text and "判定读数格内 DPS > 20" in rounder.text
    assert reader.status == PASSED and "身长/身高多读到半格" in reader.text, reader.text
    length = next(i for i in reader.evidence["items"] if i["measure"] == "length")
    assert length["raw_dps"] > 20 and length["dps"] < 20, length
    assert [result(out, u).status for u in (2, 4, 5, 6)] == [PASSED] * 4
    assert not [r for r in out.results if r.status == HABIT]


def test_a_batch_read_to_the_half_centimetre_is_not_flagged() -> None:
    cols = merge(unit_exams(1, half=0.7, n=150), unit_exams(1, whole=0.7, n=150))
    cols |= {"exam_id": list(range(300)), "record_id": list(range(300)), "batch_id": [11] * 150 + [12] * 150}
    out = run("DQ-F08", scan(exams=cols))
    half, whole = result(out, subject="导入批次 batch:11"), result(out, subject="导入批次 batch:12")
    assert half.status == PASSED and "身长/身高多读到半格" in half.text, half.text
    assert whole.status == FIRED and "末位数字明显偏好" in whole.text, whole.text


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


def test_bp_evidence_says_the_grid_the_reference_score_and_the_peers() -> None:
    units = [anc_bp(u, 80, even=False, seed=u) for u in UNITS[1:]] + [anc_bp(1, 80, even=True, seed=1)]
    r = result(run("DQ-F09", scan(antenatal=merge(*units)), units=UNITS), 1)
    assert r.evidence["peers"] == 6 and r.evidence["med"] == pytest.approx(r.evidence["peer_median"])
    assert r.evidence["mad"] == pytest.approx(r.evidence["peer_sd"] / 1.4826)
    assert "末位 DPS = " in r.text and "读数格内 DPS = " in r.text and "6 个单位读数格内 DPS 中位数" in r.text


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
