"""SMART plausibility check on constructed batches whose answers are known."""

from __future__ import annotations

import math
from statistics import NormalDist

import numpy as np
import pandas as pd
import pytest

from ducha.quality.smart import (
    _band,
    digit_preference_score,
    dps_penalty,
    flagged_penalty,
    plausibility,
    plausibility_by,
    sd_penalty,
    sex_ratio_penalty,
    sex_ratio_test,
    shape_penalty,
)


def normal_whz(n: int) -> np.ndarray:
    """Standard-normal quantiles at Blom's positions: mean 0, SD ≈ 1, no skew, nothing beyond ± 3 (n ≤ 400)."""
    dist = NormalDist()
    return np.array([dist.inv_cdf((i + 1 - 0.375) / (n + 0.25)) for i in range(n)])


def batch(n: int = 400, **columns: object) -> pd.DataFrame:
    """A clean batch: half boys, last digits of weight and length spread evenly, WHZ normal."""
    frame = pd.DataFrame({
        "sex": [1 + i % 2 for i in range(n)],
        "weight_kg": [10 + (i % 10) / 10 + (i // 20) % 5 for i in range(n)],
        "length_cm": [80 + (i % 10) / 10 + (i // 30) % 7 for i in range(n)],
        "wlz": np.random.default_rng(3).permutation(normal_whz(n)),
    })
    for name, values in columns.items():
        frame[name] = values
    return frame


def by_code(report: object) -> dict[str, object]:
    return {c.code: c for c in report.criteria}  # type: ignore[attr-defined]


def test_clean_batch_is_excellent() -> None:
    report = plausibility(batch())
    assert report.judged and report.total == 0
    assert (report.band, report.label) == ("excellent", "优秀")
    criteria = by_code(report)
    assert list(criteria) == ["flagged_whz", "sex_ratio", "dps_weight", "dps_height", "sd_whz", "skewness_whz",
                              "kurtosis_whz"]
    assert criteria["dps_weight"].value == 0.0 and criteria["dps_height"].value == 0.0
    assert criteria["sex_ratio"].value == 1.0 and criteria["sex_ratio"].note == "男 200，女 200"
    assert criteria["flagged_whz"].value == 0.0
    assert 0.9 <= criteria["sd_whz"].value <= 1.1
    assert abs(criteria["skewness_whz"].value) < 0.2
    assert all(c.grade == "优秀" and c.label and c.rule for c in report.criteria)
    assert report.summary == "优秀（0 分，400 条记录）"


def test_uniform_last_digits_score_zero_and_all_zeros_score_100() -> None:
    assert digit_preference_score([1.0 + d / 10 for d in range(10)] * 7) == (0.0, 70)
    dps, count = digit_preference_score([12.0, 9.0, 15.0] * 20)
    assert (round(dps, 6), count) == (100.0, 60)
    # half .0, half .5: χ² = 2·40²/10 + 8·10²/10 = 400, DPS = 100·√(400/900)
    dps, _ = digit_preference_score([3.0] * 50 + [3.5] * 50)
    assert dps == pytest.approx(100 * math.sqrt(400 / 900))
    # float noise (9.6·10 = 96.00000000000001) still reads as digit 6
    assert digit_preference_score([9.6, 9.7, 9.8, 9.9, 10.0, 10.1, 10.2, 10.3, 10.4, 10.5])[0] == 0.0


def test_all_weights_ending_in_0_is_problematic_digit_preference() -> None:
    frame = batch(weight_kg=[float(8 + i % 9) for i in range(400)])
    report = plausibility(frame)
    weight = by_code(report)["dps_weight"]
    assert weight.value == 100.0 and weight.penalty == 10 and weight.grade == "有问题"
    assert report.total == 10 and report.label == "良好"


def test_three_records_are_not_judged() -> None:
    report = plausibility(batch(3))
    assert not report.judged and report.total is None
    assert (report.band, report.label) == ("not_judged", "无法判断")
    assert report.reason == "记录数 3 条，少于 30 条，无法判断"
    assert report.summary == "无法判断：记录数 3 条，少于 30 条，无法判断"
    assert plausibility(batch(10), min_n=10).judged  # the minimum is a parameter
    few = plausibility(batch(3), min_n=3)
    assert by_code(few)["kurtosis_whz"].note == "去除异常值后只剩 3 条，无法计算"
    assert not plausibility(batch(0)).judged


def test_sex_ratio() -> None:
    assert sex_ratio_test([1] * 215 + [2] * 185)[2] == pytest.approx(math.erfc(math.sqrt(2.25 / 2)))
    assert sex_ratio_penalty(sex_ratio_test([1] * 215 + [2] * 185)[2]) == 0  # p = 0.134
    assert sex_ratio_penalty(sex_ratio_test([1] * 217 + [2] * 183)[2]) == 2  # χ² 2.89, p = 0.089
    assert sex_ratio_penalty(sex_ratio_test([1] * 220 + [2] * 180)[2]) == 4  # χ² 4, p = 0.046
    report = plausibility(batch(sex=[1] * 300 + [2] * 100))
    sex = by_code(report)["sex_ratio"]
    assert sex.penalty == 10 and sex.note == "男 300，女 100" and sex.value < 0.001


def test_flagged_whz_outside_the_sample_mean_plus_minus_3() -> None:
    whz = np.concatenate([normal_whz(190), [8.0] * 5, [-8.0] * 5])
    report = plausibility(batch(200, wlz=whz))
    flagged = by_code(report)["flagged_whz"]
    assert (flagged.value, flagged.penalty) == (5.0, 5)
    assert flagged.note.startswith("10/200 条超出均值")
    # the flagged values are removed before the SD, skewness and kurtosis
    assert by_code(report)["sd_whz"].penalty == 0
    assert by_code(report)["kurtosis_whz"].penalty in (0, 1)


def test_zero_variance_and_nan() -> None:
    report = plausibility(batch(wlz=[0.5] * 400))
    criteria = by_code(report)
    assert (criteria["sd_whz"].value, criteria["sd_whz"].penalty) == (0.0, 20)
    assert criteria["skewness_whz"].penalty is None and "标准差为 0" in criteria["skewness_whz"].note
    assert not report.judged and report.label == "无法判断"
    assert report.reason.startswith("以下指标无法计算：WHZ 偏度（绝对值）、WHZ 峰度（绝对值）")
    # with all weights ending in .0 as well the batch is problematic whatever the missing criteria say
    report = plausibility(batch(wlz=[0.5] * 400, weight_kg=[10.0] * 400))
    assert report.judged and report.total == 30 and report.label == "有问题"
    # WHZ missing altogether: those four criteria are not judged, the others still are
    report = plausibility(batch(wlz=[np.nan] * 400))
    assert [c.penalty for c in report.criteria] == [None, 0, 0, 0, None, None, None]
    assert not report.judged
    # some WHZ missing: judged on the rest
    half = batch()
    half.loc[::2, "wlz"] = np.nan
    assert plausibility(half).judged


def test_bands_of_each_criterion() -> None:
    assert [flagged_penalty(p) for p in (0, 2.5, 2.6, 5, 7.5, 7.6)] == [0, 0, 5, 5, 10, 20]
    assert [sex_ratio_penalty(p) for p in (0.5, 0.1, 0.06, 0.05, 0.002, 0.001)] == [0, 2, 2, 4, 4, 10]
    assert [dps_penalty(d) for d in (0, 7.4, 7.5, 12.4, 12.6, 20.4, 20.6)] == [0, 0, 2, 2, 4, 4, 10]
    assert [sd_penalty(s) for s in (1.0, 0.9, 1.1, 0.86, 1.15, 0.8, 1.2, 0.79, 1.21)] == [0, 0, 0, 5, 5, 10, 10, 20, 20]
    assert [shape_penalty(x) for x in (0.1, -0.19, 0.2, -0.39, 0.4, 0.59, 0.6, -2.0)] == [0, 0, 1, 1, 3, 3, 5, 5]
    assert [_band(t) for t in (0, 9, 10, 14, 15, 24, 25)] == [
        ("excellent", "优秀"), ("excellent", "优秀"), ("good", "良好"), ("good", "良好"),
        ("acceptable", "可接受"), ("acceptable", "可接受"), ("problematic", "有问题")]


def test_per_unit_reports() -> None:
    frame = pd.concat([batch().assign(unit="T01"), batch(5).assign(unit="T02")], ignore_index=True)
    reports = plausibility_by(frame, "unit")
    assert list(reports) == ["T01", "T02"]
    assert reports["T01"].label == "优秀"
    assert reports["T02"].label == "无法判断" and reports["T02"].n == 5


def test_whz_is_computed_when_not_given() -> None:
    frame = pd.DataFrame({"sex": [1, 2] * 20, "age_days": [400] * 40, "measure": ["l"] * 40,
                          "weight_kg": [9.0 + (i % 10) / 10 for i in range(40)],
                          "length_cm": [76.0 + (i % 10) / 10 for i in range(40)]})
    report = plausibility(frame)
    assert by_code(report)["sd_whz"].value is not None
    assert by_code(report)["flagged_whz"].note.endswith("± 3") and "/40 条" in by_code(report)["flagged_whz"].note


def test_text_and_decimal_values_do_not_crash() -> None:
    frame = batch(40)
    frame["weight_kg"] = frame["weight_kg"].astype(str)
    frame.loc[0, "weight_kg"] = "缺"
    frame["sex"] = frame["sex"].astype(str)
    report = plausibility(frame)
    assert by_code(report)["dps_weight"].note == "39 个数值"
    assert by_code(report)["sex_ratio"].note == "男 20，女 20"
