"""§4 Digit preference: the SMART digit preference score of weights and lengths per unit, operator and
import batch, and blood-pressure last digits judged against peer units (not against 10 %).

Reading to a coarser step (0.5 cm, 0.2 kg, 2 or 5 mmHg) is a recording precision, not a preference: the scores
are taken *within the recording grid* (``fit_grids``), and a unit, operator or batch is judged against the
reference (DPS > 20) and against its peers (``peers.judge``: county habits are reported once). The same readings
feed DQ-F13/F14 (heaping over every field); the verdict counts all of them as one group (``verdict.GROUPS``).

Cost: the grids are fitted on the digit counts, long — one row per (group, digit) and grid side, a few small
group-bys — never as one wide expression per grid (that version, with ten count columns and nested cases
re-referencing every option, made the four checks 30× slower to compile and plan)."""

from __future__ import annotations

from functools import cache
from typing import Any

import ibis
import ibis.expr.types as ir
import pandas as pd

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
from ducha.quality.checks.peers import MAD_TO_SD, judge, judged_words, peer_columns
from ducha.quality.checks.records import blank

MEASURES = {"weight": "体重", "length": "身长/身高", "bp": "血压"}
DIGITS = range(10)
# Recording grids a measurer may read to, as the last digits they leave: a tape read to the half-centimetre (or a
# gauge read to 5 mmHg) ends in 0 or 5, a scale read to 0.2 kg (a mercury column read to 2 mmHg) in an even digit.
# "fine" (every digit on the grid) is the plain SMART score; the order breaks ties in its favour.
GRIDS: dict[str, tuple[int, ...]] = {"fine": tuple(DIGITS), "even": (0, 2, 4, 6, 8), "half": (0, 5)}
GRID_TEXT = {"fine": "", "even": "多读到偶数（0.2 kg/cm 或 2 mmHg 一格）", "half": "多读到半格（0.5 kg/cm 或 5 mmHg）"}
GRID_Z = 3.0        # a grid's digits must exceed their uniform share by this many binomial SDs
TIE = 1e-9          # a grid must score lower than an earlier one by more than this to be chosen


@cache
def grid_sides() -> ir.Table:
    """(grid, rank, digit, on, size, share): for each grid, each digit's side — on the grid or off it —, the
    number of digits on that side and the share of digits on the grid (30 rows)."""
    rows = [{"grid": name, "rank": rank, "digit": d, "on": d in grid,
             "size": len(grid) if d in grid else 10 - len(grid), "share": len(grid) / 10}
            for rank, (name, grid) in enumerate(GRIDS.items()) for d in DIGITS]
    return ibis.memtable(pd.DataFrame(rows))


def fit_grids(counts: ir.Table, keys: list[str]) -> ir.Table:
    """One row per ``keys`` from digit counts (keys…, digit, count), scored *within the recording grid*.

    Reading to a coarser step some or all of the time heaps the grid's digits; that is a recording precision. So
    each grid is fitted as a mixture (the grid digits share one mass, the others the rest) and only what is left
    is preference: digits favoured among the grid digits or among the others (0 over 5 is rounding to whole
    units). A grid is fitted only when its digits exceed their uniform share by ``GRID_Z`` binomial SDs.

    Per side with mass M over s digits the χ² against an even split is Σc²·s/M − M (absent digits count as 0),
    df = s − 1; a grid's χ² and df are the sums over its sides. Columns: ``n``, ``zeros`` (digit 0),
    ``raw_dps`` (SMART DPS, df 9), ``grid`` (the grid that explains the digits best, ``fine`` when none is
    over-represented), ``chi2``, ``df`` and ``dps`` = 100·√(χ²/(n·df)) within it.
    """
    j = counts.join(grid_sides(), "digit")
    c = j["count"].cast("float64")
    sides = j.group_by([*keys, "grid", "rank", "on"]).agg(
        mass=c.sum(), squares=(c * c).sum(), size=j["size"].max(), share=j.share.max(),
        zeros=c.sum(where=j.digit == 0).fill_null(0))
    chi2 = ibis.greatest(sides.squares * sides["size"] / sides.mass - sides.mass, 0)
    g = sides.group_by([*keys, "grid", "rank"]).agg(
        n=sides.mass.sum(), on=sides.mass.sum(where=sides.on).fill_null(0), chi2=chi2.sum(),
        df=(sides["size"] - 1).sum(), share=sides.share.max(), zeros=sides.zeros.sum())
    expected = g.n * g.share
    over = (g.grid == "fine") | (g.on - expected >= GRID_Z * (expected * (1 - g.share)).sqrt())
    g = g.filter(over)
    score = 100 * (g.chi2 / (g.n * ibis.greatest(g.df, 1))).sqrt()
    g = g.mutate(dps=score, key=score + TIE * g["rank"])
    return g.group_by(keys).agg(
        n=g.n.max().cast("int64"), zeros=g.zeros.max(), raw_dps=g.dps.max(where=g.grid == "fine"),
        grid=g.grid.argmin(g.key), chi2=g.chi2.argmin(g.key), df=g.df.argmin(g.key), dps=g.dps.argmin(g.key))


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


def dps(long: ir.Table, keys: list[str]) -> ir.Table:
    """SMART digit preference score 100·√(χ²/(n·df)), df = 9, per keys and measure (``raw_dps``), with the
    within-grid score beside it (``fit_grids``): the digits are counted once, long, then fitted."""
    by = [*keys, "measure"]
    counts = long.group_by([*by, "digit"]).agg(count=long.count())
    return fit_grids(counts, by)


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
    s = s.mutate(zero_share=s.zeros / s.n)
    g = peer_columns(s, "dps", judged=s.n >= min_n, min_peers=int(p["min_peers"]))
    # the evidence names of this check: peers judged, their median and MAD (a robust SD is 1.4826·MAD)
    g = g.mutate(peers=g.peer_units, med=g.peer_median, mad=g.peer_sd / MAD_TO_SD)
    fired = (g.peer_z > p["mz"]) & (g.dps - g.med >= p["min_gap"])
    judged = g.n >= min_n
    return verdict(g, n=g.n, measured=g.peer_z, threshold=p["mz"], fired=fired, min_n=min_n,
                   undecided=[(judged & (g.peers < p["min_peers"]), "peers"), (judged & g.peer_z.isnull(), "mad0")])


def explain_bp_digits(row: Row, p: Params, labels: Labels) -> str:
    tail = "明显高于同级单位" if row["status"] == "fired" else "与同级单位相当"
    grid = row.get("grid") or "fine"
    within = "" if grid == "fine" else f"（{GRID_TEXT[grid]}，是读数精度，按读数格判断）"
    return (f"本期 {row['n']} 个血压读数末位为 0 的占 {row['zero_share'] * 100:.0f}%{within}，末位数字偏好{tail}"
            f"{METHOD_MARK}末位 DPS = {fmt(row['raw_dps'], 1)}，读数格内 DPS = {fmt(row['dps'], 1)}；"
            f"{row['peers']} 个单位读数格内 DPS 中位数 {fmt(row['med'], 1)}、MAD {fmt(row['mad'], 1)}，"
            f"修正 z = {fmt(row['measured'], 1)}（判定 > {p['mz']} 且比中位数高 ≥ {p['min_gap']}）")


SMART_DPS = "SMART 方法：DPS = 100·√(χ²/(n·df))，0–7 优、8–12 良、13–20 可接受、> 20 有问题（quality.md §4）。"
SMALL_N = "数字均匀时 DPS 的期望约为 100/√n，n ≥ 100 时约 10，远低于 20；n 太小会误报。"
GRID_WORDS = ("读到较粗的一格（软尺读到 0.5 cm、秤读到 0.2 kg，血压计读到 2 或 5 mmHg）是读数精度，不是偏好：末位集中在 0 和 5"
              "（或偶数）上是这样读数的结果。所以先按读数格拟合（格上数字共享一份、其余数字共享其余；格上数字比均匀时多出"
              f" {GRID_Z:g} 个二项标准差才算这样读数），只把格内仍然偏好的数字（如 0 多于 5，即凑整）算作偏好；"
              "只读到整数（小数位全为 0）是凑整，仍算偏好（WHO 要求读到 0.1）。")
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
