"""§4 Digit preference: the SMART digit preference score of weights and lengths per unit, operator and
import batch, and blood-pressure last digits judged against peer units (not against 10 %).

Reading to a coarser step (0.5 cm, 0.2 kg, 2 or 5 mmHg) is a recording precision, not a preference: the scores
are taken *within the recording grid* (``within_grid``), and a unit, operator or batch is judged against the
reference (DPS > 20) and against its peers (``peers.judge``: county habits are reported once). The same readings
feed DQ-F13/F14 (heaping over every field); the verdict counts all of them as one group (``verdict.GROUPS``)."""

from __future__ import annotations

from typing import Any

import ibis
import ibis.expr.types as ir

from ducha.quality.checks.base import (
    METHOD_MARK,
    Labels,
    Level,
    Params,
    Row,
    ScanData,
    Severity,
    flag,
    fmt,
    verdict,
)
from ducha.quality.checks.fabrication import QUALITY_MD, _check
from ducha.quality.checks.peers import judge, judged_words
from ducha.quality.checks.records import blank

MEASURES = {"weight": "体重", "length": "身长/身高", "bp": "血压"}
DIGITS = range(10)
# Recording grids a measurer may read to, as the last digits they leave: a tape read to the half-centimetre (or a
# gauge read to 5 mmHg) ends in 0 or 5, a scale read to 0.2 kg (a mercury column read to 2 mmHg) in an even digit.
GRIDS: dict[str, tuple[int, ...]] = {"fine": (), "even": (0, 2, 4, 6, 8), "half": (0, 5)}
GRID_TEXT = {"fine": "", "even": "多读到偶数（0.2 kg/cm 或 2 mmHg 一格）", "half": "多读到半格（0.5 kg/cm 或 5 mmHg）"}
GRID_Z = 3.0        # a grid's digits must exceed their uniform share by this many binomial SDs


def last_digits(e: ir.Table, keys: dict[str, ir.Value]) -> ir.Table:
    """Long table (keys…, measure, digit) of the tenths digit of weight (kg) and length (cm). Reading to whole
    units leaves every tenths digit 0: that is rounding (WHO measures to 0.1), judged as preference."""
    base = e.select(**keys, weight_kg=e.weight_kg, length_cm=e.length_cm)
    parts = []
    for col, name in (("weight_kg", "weight"), ("length_cm", "length")):
        t = base.filter(base[col].notnull() & (base[col] >= 0))
        t10 = (t[col] * 10).round().cast("int64")
        parts.append(t.select(*keys, measure=ibis.literal(name), digit=t10 % 10))
    return ibis.union(*parts)


def _uniform(counts: list[ir.NumericValue], total: ir.NumericValue) -> ir.NumericValue:
    """χ² of ``counts`` against an even split of ``total`` (0 when total is 0)."""
    expected = total.cast("float64") / len(counts)
    parts = [(c - expected) ** 2 / expected for c in counts]
    return ibis.cases((total > 0, sum(parts[1:], parts[0])), else_=ibis.literal(0.0))


def within_grid(g: ir.Table) -> ir.Table:
    """``g`` with digit counts ``c0``…``c9`` and ``n`` scored for preference *within the recording grid*.

    Reading to a coarser step (0.5, 0.2; 5 or 2 mmHg) some or all of the time heaps the grid's digits; that is a
    recording precision. So each grid is fitted as a mixture (the grid digits share one mass, the others the rest)
    and only what is left is preference: digits favoured among the grid digits or among the others (0 over 5 is
    rounding to whole units). A grid is fitted only when its digits exceed their uniform share by ``GRID_Z``
    binomial SDs. Columns: ``raw_dps`` (SMART DPS, df 9), ``grid`` (the grid that explains the digits
    best, ``fine`` when none is over-represented), ``chi2``, ``df`` and ``dps`` = 100·√(χ²/(n·df)) within it.
    """
    c = [g[f"c{d}"] for d in DIGITS]
    n = g.n.cast("float64")
    raw = _uniform(c, g.n)
    options = {"fine": (raw, ibis.literal(9), ibis.literal(True))}
    for name, grid in GRIDS.items():
        if not grid:
            continue
        on = [c[d] for d in grid]
        off = [c[d] for d in DIGITS if d not in grid]
        mass = sum(on[1:], on[0])
        rest = g.n - mass
        chi2 = _uniform(on, mass) + _uniform(off, rest)
        df = ibis.cases((mass > 0, len(on) - 1), else_=0) + ibis.cases((rest > 0, len(off) - 1), else_=0)
        share = len(grid) / 10  # the grid is a precision only when its digits are over-represented beyond chance
        over = mass.cast("float64") - n * share >= GRID_Z * (n * share * (1 - share)).sqrt()
        options[name] = (chi2, ibis.greatest(df, 1), over)
    dps = {k: ibis.cases((ok, 100 * (chi2 / (n * df)).sqrt()), else_=ibis.null("float64"))
           for k, (chi2, df, ok) in options.items()}
    best = ibis.least(*dps.values())
    grid = ibis.cases(*[(v == best, k) for k, v in dps.items()], else_="fine")
    chi2 = ibis.cases(*[(grid == k, o[0]) for k, o in options.items()], else_=raw)
    df = ibis.cases(*[(grid == k, o[1]) for k, o in options.items()], else_=9)
    return g.mutate(raw_dps=100 * (raw / (n * 9)).sqrt(), grid=grid, chi2=chi2, df=df, dps=best)


def digit_table(long: ir.Table, keys: list[str]) -> ir.Table:
    """One row per keys with ``n`` and the counts ``c0``…``c9`` of ``long.digit``, scored by ``within_grid``."""
    g = long.group_by(keys).agg(n=long.count(), **{f"c{d}": flag(long.digit == d).sum() for d in DIGITS})
    return within_grid(g)


def dps(long: ir.Table, keys: list[str]) -> ir.Table:
    """SMART digit preference score 100·√(χ²/(n·df)), df = 9, per keys and measure (``raw_dps``), with the
    within-grid score beside it (``within_grid``)."""
    return digit_table(long, [*keys, "measure"])


def _dps_by(d: ScanData, p: Params, min_n: int, subject: Any) -> ir.Table:
    e = d["exams"].filter(ibis._.in_period)
    long = last_digits(e, {"unit_id": e.unit_id, "subject": subject(e)})
    scores = dps(long.filter(long.subject.notnull()), ["unit_id", "subject"])
    judged = scores.n >= min_n
    g = scores.group_by([scores.unit_id, scores.subject]).agg(
        n=scores.n.max(), judged=flag(judged).sum(), worst=scores.dps.max(where=judged),
        items=ibis.struct({"measure": scores.measure, "n": scores.n, "dps": scores.dps, "raw_dps": scores.raw_dps,
                           "grid": scores.grid}).collect())
    g = judge(g, "worst", g.worst > p["max_dps"], judged=g.judged > 0, direction="high", p=p)
    return verdict(g, n=g.n, measured=g.worst, threshold=p["max_dps"], fired=g.peer_fired, min_n=min_n,
                   subject=g.subject)


def operator_of(e: ir.Table) -> ir.StringValue:
    return ibis.cases((~blank(e.examiner), e.examiner.strip()),
                      (e.created_by.notnull(), "#" + e.created_by.cast("string")), else_=ibis.null().cast("string"))


def batch_of(e: ir.Table) -> ir.StringValue:
    return ibis.cases((e.batch_id.notnull(), "batch:" + e.batch_id.cast("string")), else_=ibis.null().cast("string"))


def band(score: float) -> str:
    return "优" if score <= 7 else "良" if score <= 12 else "可接受" if score <= 20 else "有问题"


def _measure_text(i: dict[str, Any]) -> str:
    grid = i.get("grid") or "fine"
    within = "" if grid == "fine" else f"，{GRID_TEXT[grid]}，读数格内 DPS = {fmt(i['dps'], 1)}"
    return f"{MEASURES[i['measure']]}小数位 DPS = {fmt(i['raw_dps'], 1)}{within}（{band(i['dps'])}，n = {i['n']}）"


def explain_dps(row: Row, p: Params, labels: Labels) -> str:
    found = sorted(row.get("items") or [], key=lambda i: i["measure"], reverse=True)
    precision = [f"{MEASURES[i['measure']]}{GRID_TEXT[i['grid']]}" for i in found if i.get("grid", "fine") != "fine"]
    words = "、".join(f"{MEASURES[i['measure']]}末位数字{band(i['dps'])}" for i in found)
    head = words + (f"（{'、'.join(precision)}，是读数精度，不算偏好）" if precision else "")
    tail = judged_words(row, p, fired="末位数字明显偏好，可能是估计或编造的数值", passed="末位数字分布正常", digits=1)
    return (head + tail if head else tail.lstrip("；")) + METHOD_MARK + "；".join(_measure_text(i) for i in found) + (
        f"；判定读数格内 DPS > {p['max_dps']}（SMART：> 20 有问题）且偏离同级 ≥ {p['peer_z']} 个稳健标准差")


def explain_dps_habit(row: Row, p: Params, labels: Labels) -> str:
    return f"的体重/身长末位数字偏好超出参考值（读数格内 DPS > {p['max_dps']}，各单位中位数 {fmt(row['peer_median'], 1)}）"


def build_bp_digits(d: ScanData, p: Params, min_n: int) -> ir.Table:
    a = d["antenatal"].filter(ibis._.in_period)
    long = ibis.union(
        a.filter(a.sbp.notnull()).select("unit_id", measure=ibis.literal("bp"), digit=a.sbp % 10),
        a.filter(a.dbp.notnull()).select("unit_id", measure=ibis.literal("bp"), digit=a.dbp % 10))
    s = dps(long, ["unit_id"])
    zeros = long.group_by("unit_id").agg(zero_share=flag(long.digit == 0).sum().cast("float64") / long.count())
    s = s.join(zeros, "unit_id")
    judged = s.filter(s.n >= min_n)
    med = judged.dps.median().over()
    judged = judged.mutate(med=med, peers=judged.count().over())
    judged = judged.mutate(mad=(judged.dps - judged.med).abs().median().over())
    mz = ibis.cases((judged.mad > 0, 0.6745 * (judged.dps - judged.med) / judged.mad),
                    else_=ibis.null().cast("float64"))
    judged = judged.mutate(mz=mz).select("unit_id", "med", "mad", "peers", "mz")
    j = s.left_join(judged, s.unit_id == judged.unit_id)
    g = j.select("unit_id", "n", "dps", "raw_dps", "grid", "zero_share", "med", "mad", "peers", "mz")
    fired = (g.mz > p["mz"]) & (g.dps - g.med >= p["min_gap"])
    return verdict(g, n=g.n, measured=g.mz, threshold=p["mz"], fired=fired, min_n=min_n,
                   undecided=[((g.n >= min_n) & (g.peers.fill_null(0) < p["min_peers"]), "peers"),
                              ((g.n >= min_n) & (g.mad == 0), "mad0")])


def explain_bp_digits(row: Row, p: Params, labels: Labels) -> str:
    tail = "明显高于同级单位" if row["status"] == "fired" else "与同级单位相当"
    grid = row.get("grid") or "fine"
    within = "" if grid == "fine" else f"（{GRID_TEXT[grid]}，是读数精度，按读数格判断）"
    return (f"本期 {row['n']} 个血压读数末位为 0 的占 {row['zero_share'] * 100:.0f}%{within}，末位数字偏好{tail}"
            f"{METHOD_MARK}末位 DPS = {fmt(row['raw_dps'], 1)}，读数格内 DPS = {fmt(row['dps'], 1)}；{row['peers']} 个单位 DPS 中位数 {fmt(row['med'], 1)}、"
            f"MAD {fmt(row['mad'], 1)}，修正 z = {fmt(row['measured'], 1)}（判定 > {p['mz']}）")


SMART_DPS = "SMART 方法：DPS = 100·√(χ²/(n·df))，0–7 优、8–12 良、13–20 可接受、> 20 有问题（quality.md §4）。"
SMALL_N = "数字均匀时 DPS 的期望约为 100/√n，n ≥ 100 时约 10，远低于 20；n 太小会误报。"
GRID_WORDS = ("读到较粗的一格（软尺读到 0.5 cm、秤读到 0.2 kg，血压计读到 2 或 5 mmHg）是读数精度，不是偏好：末位集中在 0 和 5"
              "（或偶数）上是这样读数的结果。所以先按读数格拟合（格上数字共享一份、其余数字共享其余），只把格内仍然偏好的"
              "数字（如 0 多于 5，即凑整）算作偏好；只读到整数（小数位全为 0）是凑整，仍算偏好（WHO 要求读到 0.1）。")
DIGIT_DEFAULTS = {"max_dps": 20}
DIGIT_THRESHOLD = "读数格内 DPS > {max_dps}（每项至少 {min_n} 个读数）"
_check("DQ-F06", "体重/身长末位数字偏好（单位）", Level.UNIT, Severity.MEDIUM,
       lambda d, p, n: _dps_by(d, p, n, lambda e: ibis.literal("")), explain_dps, DIGIT_DEFAULTS, 100,
       DIGIT_THRESHOLD, f"{SMART_DPS}{GRID_WORDS}{SMALL_N}", habit=True, explain_habit=explain_dps_habit)
_check("DQ-F07", "体重/身长末位数字偏好（检查者）", Level.OPERATOR, Severity.MEDIUM,
       lambda d, p, n: _dps_by(d, p, n, operator_of), explain_dps, DIGIT_DEFAULTS, 100, DIGIT_THRESHOLD,
       f"{SMART_DPS}{GRID_WORDS}按检查者（无检查者时按录入人）分别计算，同级为全县检查者。{SMALL_N}", habit=True,
       explain_habit=explain_dps_habit)
_check("DQ-F08", "体重/身长末位数字偏好（导入批次）", Level.BATCH, Severity.MEDIUM,
       lambda d, p, n: _dps_by(d, p, n, batch_of), explain_dps, DIGIT_DEFAULTS, 100, DIGIT_THRESHOLD,
       f"{SMART_DPS}{GRID_WORDS}按导入批次分别计算，同级为全县各批次。{SMALL_N}", habit=True,
       explain_habit=explain_dps_habit)
_check("DQ-F09", "血压末位数字偏好高于同级单位", Level.UNIT, Severity.LOW, build_bp_digits, explain_bp_digits,
       {"mz": 3.5, "min_peers": 5, "min_gap": 10}, 50,
       "血压读数格内末位 DPS 在同级单位中修正 z > {mz} 且比中位数高 ≥ {min_gap}（至少 {min_peers} 个单位）",
       f"{QUALITY_MD}：基层用水银血压计只读偶数，约 60% 读数末位为 0 是常态，不能按 10% 判断；{GRID_WORDS}"
       "与同级单位比较，稳健 z > 3.5 才判定，MAD = 0 时跳过。各单位 DPS 很接近时 MAD 很小，"
       "几分之差也会得到很大的 z，所以还要求比同级中位数高 10 分以上。")
