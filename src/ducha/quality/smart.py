"""SMART plausibility check for a batch of child measurements (``quality.md`` §4).

A batch is a unit's, an operator's or an import batch's child exams. Seven criteria, each with a value
and a penalty, add up to a score: 0–9 优秀, 10–14 良好, 15–24 可接受, ≥ 25 有问题.

| criterion | 0 | | | |
|---|---|---|---|---|
| flagged WHZ (outside the sample mean ± 3) | ≤ 2.5 % | ≤ 5 % → 5 | ≤ 7.5 % → 10 | > 7.5 % → 20 |
| sex ratio, χ² test against 1:1, p | > 0.1 | > 0.05 → 2 | > 0.001 → 4 | ≤ 0.001 → 10 |
| digit preference score, weight and height (each) | 0–7 | 8–12 → 2 | 13–20 → 4 | > 20 → 10 |
| SD of WHZ (flagged removed) | 0.90–1.10 | 0.85–1.15 → 5 | 0.80–1.20 → 10 | otherwise → 20 |
| skewness, kurtosis of WHZ (flagged removed), absolute | < 0.2 | < 0.4 → 1 | < 0.6 → 3 | ≥ 0.6 → 5 |

DPS = 100·√(χ²/(n·df)) on the last recorded digit (0.1 kg, 0.1 cm) against a uniform spread, df = 9;
it is banded after rounding to a whole number, as SMART's software shows it. The SD, skewness (G1) and
excess kurtosis (G2, sample-size adjusted) are banded at the 2 decimals shown. A batch with fewer than
``min_n`` records (30 by default) is not judged; a criterion that cannot be computed (too few values,
zero variance for skewness and kurtosis) is shown as not judged, and the batch is judged only if the
other criteria already reach 25 (more criteria can only add to the score).

Everything here is a pure function over pandas/numpy; the results are dataclasses.
"""

from __future__ import annotations

import math
from collections.abc import Hashable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ducha.quality.zscores import compute_zscores

MIN_N = 30
CRITERION_LABELS = {
    "flagged_whz": "WHZ 异常值比例（超出样本均值 ± 3）",
    "sex_ratio": "性别比（χ² 检验 p 值）",
    "dps_weight": "体重末位数字偏好（DPS）",
    "dps_height": "身长/身高末位数字偏好（DPS）",
    "sd_whz": "WHZ 标准差（去除异常值）",
    "skewness_whz": "WHZ 偏度（绝对值）",
    "kurtosis_whz": "WHZ 峰度（绝对值）",
}
GRADE_LABELS = ("优秀", "良好", "可接受", "有问题")
BANDS = (("excellent", "优秀", 9), ("good", "良好", 14), ("acceptable", "可接受", 24), ("problematic", "有问题", None))
NOT_JUDGED, NOT_JUDGED_LABEL = "not_judged", "无法判断"


@dataclass(frozen=True)
class Criterion:
    code: str
    label: str
    value: float | None  # None when not judged
    shown: str  # the value as a person reads it
    penalty: int | None  # None when not judged
    grade: str  # 优秀 / 良好 / 可接受 / 有问题 for this criterion, or 无法判断
    rule: str  # the bands, in words
    note: str = ""  # why it was not judged, or the counts behind the value


@dataclass(frozen=True)
class PlausibilityReport:
    n: int
    judged: bool
    total: int | None
    band: str  # excellent / good / acceptable / problematic / not_judged
    label: str  # 优秀 / 良好 / 可接受 / 有问题 / 无法判断
    reason: str
    criteria: tuple[Criterion, ...]

    @property
    def summary(self) -> str:
        if not self.judged:
            return f"{self.label}：{self.reason}"
        return f"{self.label}（{self.total} 分，{self.n} 条记录）"


PENALTIES = {"flagged_whz": (0, 5, 10, 20), "sex_ratio": (0, 2, 4, 10), "dps_weight": (0, 2, 4, 10),
             "dps_height": (0, 2, 4, 10), "sd_whz": (0, 5, 10, 20), "skewness_whz": (0, 1, 3, 5),
             "kurtosis_whz": (0, 1, 3, 5)}
RULES = {
    "flagged_whz": "≤ 2.5 % 得 0 分；≤ 5 % 得 5 分；≤ 7.5 % 得 10 分；> 7.5 % 得 20 分",
    "sex_ratio": "p > 0.1 得 0 分；> 0.05 得 2 分；> 0.001 得 4 分；≤ 0.001 得 10 分",
    "dps_weight": "DPS 0–7 得 0 分；8–12 得 2 分；13–20 得 4 分；> 20 得 10 分",
    "dps_height": "DPS 0–7 得 0 分；8–12 得 2 分；13–20 得 4 分；> 20 得 10 分",
    "sd_whz": "0.90–1.10 得 0 分；0.85–1.15 得 5 分；0.80–1.20 得 10 分；其他 20 分",
    "skewness_whz": "< 0.2 得 0 分；< 0.4 得 1 分；< 0.6 得 3 分；≥ 0.6 得 5 分",
    "kurtosis_whz": "< 0.2 得 0 分；< 0.4 得 1 分；< 0.6 得 3 分；≥ 0.6 得 5 分",
}


def _criterion(code: str, value: float | None, shown: str, penalty: int | None, note: str = "") -> Criterion:
    grade = NOT_JUDGED_LABEL if penalty is None else GRADE_LABELS[PENALTIES[code].index(penalty)]
    return Criterion(code, CRITERION_LABELS[code], value, shown, penalty, grade, RULES[code], note)


def _not_judged(code: str, note: str) -> Criterion:
    return _criterion(code, None, "—", None, note)


def flagged_penalty(percent: float) -> int:
    return 0 if percent <= 2.5 else 5 if percent <= 5 else 10 if percent <= 7.5 else 20


def sex_ratio_penalty(p: float) -> int:
    return 0 if p > 0.1 else 2 if p > 0.05 else 4 if p > 0.001 else 10


def dps_penalty(dps: float) -> int:
    whole = math.floor(dps + 0.5)
    return 0 if whole <= 7 else 2 if whole <= 12 else 4 if whole <= 20 else 10


def sd_penalty(sd: float) -> int:
    sd = round(sd, 2)
    return 0 if 0.9 <= sd <= 1.1 else 5 if 0.85 <= sd <= 1.15 else 10 if 0.8 <= sd <= 1.2 else 20


def shape_penalty(value: float) -> int:
    value = abs(round(value, 2))
    return 0 if value < 0.2 else 1 if value < 0.4 else 3 if value < 0.6 else 5


def _floats(values: np.ndarray | pd.Series) -> np.ndarray:
    return pd.to_numeric(pd.Series(values), errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)


def digit_preference_score(values: np.ndarray | pd.Series, decimals: int = 1) -> tuple[float, int]:
    """DPS of the last recorded digit (the ``decimals``-th after the point) and the count of values used."""
    numbers = _floats(values)
    numbers = numbers[np.isfinite(numbers)]
    if numbers.size == 0:
        return math.nan, 0
    digits = (np.rint(np.abs(numbers) * 10**decimals) % 10).astype(np.int64)
    observed = np.bincount(digits, minlength=10)
    expected = numbers.size / 10
    chi2 = float(((observed - expected) ** 2 / expected).sum())
    return 100 * math.sqrt(chi2 / (numbers.size * 9)), int(numbers.size)


def sex_ratio_test(sex: np.ndarray | pd.Series) -> tuple[int, int, float]:
    """Boys, girls and the p-value of the χ² test (1 df) against a 1:1 ratio."""
    codes = _floats(sex)
    boys, girls = int((codes == 1).sum()), int((codes == 2).sum())
    if boys + girls == 0:
        return 0, 0, math.nan
    chi2 = (boys - girls) ** 2 / (boys + girls)
    return boys, girls, math.erfc(math.sqrt(chi2 / 2))


def _digit_criterion(code: str, values: pd.Series, min_n: int) -> Criterion:
    dps, count = digit_preference_score(values)
    if count < min_n:
        return _not_judged(code, f"有数值的记录 {count} 条，少于 {min_n} 条")
    return _criterion(code, round(dps, 1), f"{dps:.0f}", dps_penalty(dps), f"{count} 个数值")


def _whz_criteria(whz: np.ndarray, min_n: int) -> list[Criterion]:
    codes = ("flagged_whz", "sd_whz", "skewness_whz", "kurtosis_whz")
    whz = whz[np.isfinite(whz)]
    if whz.size < min_n:
        return [_not_judged(c, f"有 WHZ 的记录 {whz.size} 条，少于 {min_n} 条") for c in codes]
    mean = float(whz.mean())
    flagged = np.abs(whz - mean) > 3
    percent = 100 * float(flagged.mean())
    kept = pd.Series(whz[~flagged])
    out = [_criterion("flagged_whz", round(percent, 1), f"{percent:.1f} %", flagged_penalty(percent),
                      f"{int(flagged.sum())}/{whz.size} 条超出均值 {mean:.2f} ± 3")]
    sd = float(kept.std(ddof=1))
    if not math.isfinite(sd):
        note = f"去除异常值后只剩 {len(kept)} 条，无法计算"
        return out + [_not_judged(c, note) for c in codes[1:]]
    out.append(_criterion("sd_whz", round(sd, 2), f"{sd:.2f}", sd_penalty(sd),
                          f"{len(kept)} 条（已去除异常值）"))
    for code, value in (("skewness_whz", kept.skew()), ("kurtosis_whz", kept.kurt())):
        if sd == 0:
            out.append(_not_judged(code, "WHZ 全部相同（标准差为 0），无法计算"))
        elif not math.isfinite(float(value)):
            out.append(_not_judged(code, f"去除异常值后只剩 {len(kept)} 条，无法计算"))
        else:
            out.append(_criterion(code, round(float(value), 2), f"{float(value):.2f}", shape_penalty(float(value))))
    return out


def _band(total: int) -> tuple[str, str]:
    for band, label, upper in BANDS:
        if upper is None or total <= upper:
            return band, label
    raise AssertionError("unreachable")


def plausibility(frame: pd.DataFrame, *, min_n: int = MIN_N) -> PlausibilityReport:
    """The SMART plausibility report of one batch.

    ``frame`` has ``sex`` (1/2), ``weight_kg``, ``length_cm`` and ``wlz`` (weight-for-length/height z);
    without ``wlz`` it is computed with :func:`ducha.quality.zscores.compute_zscores` (then ``age_days``
    and, if known, ``measure`` are needed).
    """
    n = len(frame)
    if n < min_n:
        return PlausibilityReport(n, False, None, NOT_JUDGED, NOT_JUDGED_LABEL,
                                  f"记录数 {n} 条，少于 {min_n} 条，无法判断", ())
    if "wlz" not in frame.columns:
        frame = compute_zscores(frame)
    whz = _floats(frame["wlz"])
    whz_criteria = _whz_criteria(whz, min_n)
    boys, girls, p = sex_ratio_test(frame["sex"])
    if boys + girls < min_n:
        sex_criterion = _not_judged("sex_ratio", f"性别有效的记录 {boys + girls} 条，少于 {min_n} 条")
    else:
        sex_criterion = _criterion("sex_ratio", round(p, 4), f"p = {p:.3f}", sex_ratio_penalty(p),
                                   f"男 {boys}，女 {girls}")
    criteria = (whz_criteria[0], sex_criterion,
                _digit_criterion("dps_weight", frame["weight_kg"], min_n),
                _digit_criterion("dps_height", frame["length_cm"], min_n), *whz_criteria[1:])
    total = sum(c.penalty for c in criteria if c.penalty is not None)
    missing = [c.label for c in criteria if c.penalty is None]
    if missing and total < 25:
        return PlausibilityReport(n, False, None, NOT_JUDGED, NOT_JUDGED_LABEL,
                                  "以下指标无法计算：" + "、".join(missing) + f"（其余指标合计 {total} 分）", criteria)
    band, label = _band(total)
    reason = f"合计 {total} 分" + (f"（另有 {len(missing)} 项无法计算，已足以判为有问题）" if missing else "")
    return PlausibilityReport(n, True, total, band, label, reason, criteria)


def plausibility_by(frame: pd.DataFrame, by: str | list[str], *, min_n: int = MIN_N,
                    ) -> dict[Hashable, PlausibilityReport]:
    """One report per group (unit, operator or import batch), in the groups' sorted order."""
    return {key: plausibility(group, min_n=min_n) for key, group in frame.groupby(by, sort=True, dropna=False)}
