"""§4 Digit preference: the SMART digit preference score of weights and lengths per unit, operator and
import batch, and blood-pressure last digits judged against peer units (not against 10 %)."""

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
from ducha.quality.checks.records import blank

MEASURES = {"weight": "体重", "length": "身长/身高", "bp": "血压"}


def last_digits(e: ir.Table, keys: dict[str, ir.Value]) -> ir.Table:
    """Long table (keys…, measure, digit) of the tenths digit of weight (kg) and length (cm)."""
    parts = [e.filter(e[col].notnull()).select(
        **keys, measure=ibis.literal(name), digit=((e[col] * 10).round().cast("int64") % 10))
        for col, name in (("weight_kg", "weight"), ("length_cm", "length"))]
    return ibis.union(*parts)


def dps(long: ir.Table, keys: list[str]) -> ir.Table:
    """Digit preference score 100·√(χ²/(n·df)), df = 9, per keys and measure (absent digits count too)."""
    c = long.group_by([*keys, "measure", "digit"]).agg(count=long.count())
    c = c.mutate(n=c["count"].sum().over(group_by=[*[c[k] for k in keys], c.measure]))
    expected = c.n.cast("float64") / 10
    c = c.mutate(part=(c["count"] - expected) ** 2 / expected, expected=expected)
    g = c.group_by([*keys, "measure"]).agg(n=c.n.max(), chi2=c.part.sum(), present=c.count(),
                                          expected=c.expected.max())
    chi2 = g.chi2 + (10 - g.present) * g.expected
    return g.mutate(chi2=chi2, dps=100 * (chi2 / (g.n * 9)).sqrt())


def _dps_by(d: ScanData, p: Params, min_n: int, subject: Any) -> ir.Table:
    e = d["exams"].filter(ibis._.in_period)
    scores = dps(last_digits(e, {"unit_id": e.unit_id, "subject": subject(e)}), ["unit_id", "subject"])
    scores = scores.filter(scores.subject.notnull())
    judged = scores.n >= min_n
    bad = judged & (scores.dps > p["max_dps"])
    g = scores.group_by([scores.unit_id, scores.subject]).agg(
        n=scores.n.max(), judged=flag(judged).sum(), bad=flag(bad).sum(), worst=scores.dps.max(where=judged),
        items=ibis.struct({"measure": scores.measure, "n": scores.n, "dps": scores.dps}).collect())
    return verdict(g, n=g.n, measured=g.worst, threshold=p["max_dps"], fired=g.bad > 0, min_n=min_n,
                   subject=g.subject)


def operator_of(e: ir.Table) -> ir.StringValue:
    return ibis.cases((~blank(e.examiner), e.examiner.strip()),
                      (e.created_by.notnull(), "#" + e.created_by.cast("string")), else_=ibis.null().cast("string"))


def batch_of(e: ir.Table) -> ir.StringValue:
    return ibis.cases((e.batch_id.notnull(), "batch:" + e.batch_id.cast("string")), else_=ibis.null().cast("string"))


def band(score: float) -> str:
    return "优" if score <= 7 else "良" if score <= 12 else "可接受" if score <= 20 else "有问题"


def explain_dps(row: Row, p: Params, labels: Labels) -> str:
    parts = [f"{MEASURES[i['measure']]}小数位 DPS = {fmt(i['dps'], 1)}（{band(i['dps'])}，n = {i['n']}）"
             for i in sorted(row.get("items") or [], key=lambda i: i["measure"], reverse=True)]
    tail = "末位数字明显偏好，可能是估计或编造的数值" if row["status"] == "fired" else "末位数字分布正常"
    words = "、".join(f"{MEASURES[i['measure']]}末位数字{band(i['dps'])}"
                     for i in sorted(row.get("items") or [], key=lambda i: i["measure"], reverse=True))
    return (f"{words}：{tail}" if words else tail) + \
        METHOD_MARK + "；".join(parts) + f"；判定 DPS > {p['max_dps']}（SMART：> 20 有问题）"


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
    g = j.select("unit_id", "n", "dps", "zero_share", "med", "mad", "peers", "mz")
    fired = (g.mz > p["mz"]) & (g.dps - g.med >= p["min_gap"])
    return verdict(g, n=g.n, measured=g.mz, threshold=p["mz"], fired=fired, min_n=min_n,
                   undecided=[((g.n >= min_n) & (g.peers.fill_null(0) < p["min_peers"]), "peers"),
                              ((g.n >= min_n) & (g.mad == 0), "mad0")])


def explain_bp_digits(row: Row, p: Params, labels: Labels) -> str:
    tail = "明显高于同级单位" if row["status"] == "fired" else "与同级单位相当"
    return (f"本期 {row['n']} 个血压读数末位为 0 的占 {row['zero_share'] * 100:.0f}%，末位数字偏好{tail}"
            f"{METHOD_MARK}末位 DPS = {fmt(row['dps'], 1)}；{row['peers']} 个单位 DPS 中位数 {fmt(row['med'], 1)}、"
            f"MAD {fmt(row['mad'], 1)}，修正 z = {fmt(row['measured'], 1)}（判定 > {p['mz']}）")


SMART_DPS = "SMART 方法：DPS = 100·√(χ²/(n·df))，0–7 优、8–12 良、13–20 可接受、> 20 有问题（quality.md §4）。"
SMALL_N = "数字均匀时 DPS 的期望约为 100/√n，n ≥ 100 时约 10，远低于 20；n 太小会误报。"
_check("DQ-F06", "体重/身长末位数字偏好（单位）", Level.UNIT, Severity.MEDIUM,
       lambda d, p, n: _dps_by(d, p, n, lambda e: ibis.literal("")), explain_dps, {"max_dps": 20}, 100,
       "DPS > {max_dps}（每项至少 {min_n} 个读数）", f"{SMART_DPS}{SMALL_N}")
_check("DQ-F07", "体重/身长末位数字偏好（检查者）", Level.OPERATOR, Severity.MEDIUM,
       lambda d, p, n: _dps_by(d, p, n, operator_of), explain_dps, {"max_dps": 20}, 100,
       "DPS > {max_dps}（每项至少 {min_n} 个读数）", f"{SMART_DPS}按检查者（无检查者时按录入人）分别计算。{SMALL_N}")
_check("DQ-F08", "体重/身长末位数字偏好（导入批次）", Level.BATCH, Severity.MEDIUM,
       lambda d, p, n: _dps_by(d, p, n, batch_of), explain_dps, {"max_dps": 20}, 100,
       "DPS > {max_dps}（每项至少 {min_n} 个读数）", f"{SMART_DPS}按导入批次分别计算。{SMALL_N}")
_check("DQ-F09", "血压末位数字偏好高于同级单位", Level.UNIT, Severity.LOW, build_bp_digits, explain_bp_digits,
       {"mz": 3.5, "min_peers": 5, "min_gap": 10}, 50,
       "血压末位 DPS 在同级单位中修正 z > {mz} 且比中位数高 ≥ {min_gap}（至少 {min_peers} 个单位）",
       f"{QUALITY_MD}：基层用水银血压计只读偶数，约 60% 读数末位为 0 是常态，不能按 10% 判断；"
       "与同级单位比较，稳健 z > 3.5 才判定，MAD = 0 时跳过。各单位 DPS 很接近时 MAD 很小，"
       "几分之差也会得到很大的 z，所以还要求比同级中位数高 10 分以上。")
