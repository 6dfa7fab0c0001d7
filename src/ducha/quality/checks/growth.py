"""§4 Growth written from a chart instead of measured (DQ-F18): a child's z-scores barely move between exams.

A clerk who does not weigh a child writes the next exam by carrying the child forward along its centile (its
weight and length "where they should be" for its new age, from the last exam) — or copies the chart's median
(that one is DQ-F02–F04: too little spread). Real measurements of one child move: growth velocity varies from
month to month, and measurement error alone (±0.1 kg, ±0.5–1 cm) moves WAZ and LAZ by about 0.1–0.3 between exams
months apart. So a child whose every step — from the exam before to an exam in the period — changes *both* WAZ and
LAZ by less than ``bound`` is "too steady"; a few such children occur by chance, a unit where many are is not
measuring.

* Steps: each child's exams with both z-scores (not flagged implausible), in date order over the child's whole
  history the scan reads (the period's children with all their exams), the step ending at an exam in the period
  and ``min_gap_days``–``max_gap_days`` after the exam before (a re-check a few days later, or a duplicate entry,
  says nothing of growth). Window ``lag`` over each child's exams: no self-join.
* Unit statistic: the share of its children (with at least one such step) whose every step is too steady, judged
  against ``ref_share`` and the unit's peers (``peers.judge``, robust z, high side); a share most units show is a
  county habit. Honest habits that make steps smaller — an excellent measurer, exams a month apart — still leave
  steps of 0.2–0.4, so the bound is low and the peers decide; a county weighing to 0.5 kg has *larger* steps.
* Records: the too-steady children of a unit that fired, risk = steps × ``bound`` / the largest change (at most
  4 per step): the steadier and the more exams, the higher.
"""

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
    pct,
    shared_key,
    verdict,
)
from ducha.quality.checks.fabrication import QUALITY_MD, _check
from ducha.quality.checks.peers import judge, judged_words

MAX_RISK_PER_STEP = 4  # a change of a quarter of the bound or less counts as fully steady


def steps(d: ScanData, p: Params) -> ir.Table:
    """One row per step into the period: (unit_id, record_id, exam_on, prev_on, gap, waz, prev_waz, laz, prev_laz,
    dwaz, dlaz, size = the larger of |ΔWAZ| and |ΔLAZ|). Built once per scan (the check and its records read it)."""
    return d.shared(shared_key("growth.steps", p), lambda: _steps(d, p))


def _steps(d: ScanData, p: Params) -> ir.Table:
    e = d["exams"]
    valid = (e.waz.notnull() & ~e.waz.isnan() & e.laz.notnull() & ~e.laz.isnan() & e.exam_on.notnull()
             & ~(e.fwaz == 1).fill_null(False) & ~(e.flaz == 1).fill_null(False))
    e = e.filter(valid)
    w = ibis.window(group_by=e.record_id, order_by=[e.exam_on, e.exam_id])
    e = e.mutate(prev_on=e.exam_on.lag().over(w), prev_waz=e.waz.lag().over(w), prev_laz=e.laz.lag().over(w))
    e = e.filter(e.in_period & e.prev_on.notnull())
    e = e.mutate(gap=e.exam_on.delta(e.prev_on, unit="day"))
    e = e.filter((e.gap >= p["min_gap_days"]) & (e.gap <= p["max_gap_days"]))
    e = e.mutate(dwaz=e.waz - e.prev_waz, dlaz=e.laz - e.prev_laz)
    return e.select("unit_id", "record_id", "exam_on", "prev_on", "gap", "waz", "prev_waz", "laz", "prev_laz",
                    "dwaz", "dlaz", size=ibis.greatest(e.dwaz.abs(), e.dlaz.abs()))


def children(d: ScanData, p: Params) -> ir.Table:
    """One row per child with a step: its steps, the largest change and whether every step is below ``bound``."""
    s = steps(d, p)
    g = s.group_by([s.unit_id, s.record_id]).agg(
        steps=s.count(), largest=s["size"].max(),
        items=ibis.struct({"on": s.exam_on, "prev_on": s.prev_on, "gap": s.gap, "waz": s.waz, "prev_waz": s.prev_waz,
                           "laz": s.laz, "prev_laz": s.prev_laz}).collect())
    return g.mutate(steady=g.largest < p["bound"])


def build_steady(d: ScanData, p: Params, min_n: int) -> ir.Table:
    c = children(d, p)
    s = steps(d, p)
    typical = s.group_by(s_unit=s.unit_id).agg(step_waz=s.dwaz.abs().median(), step_laz=s.dlaz.abs().median(),
                                                 step_count=s.count())
    g = c.group_by(unit_id=c.unit_id).agg(n=c.count(), steady=flag(c.steady).sum())
    g = g.join(typical, g.unit_id == typical.s_unit).drop("s_unit")
    g = g.mutate(share=g.steady.cast("float64") / g.n)
    g = judge(g, "share", g.share >= p["ref_share"], judged=g.n >= min_n, direction="high", p=p)
    return verdict(g, n=g.n, measured=g.share, threshold=p["ref_share"], fired=g.peer_fired, min_n=min_n)


def explain_steady(row: Row, p: Params, labels: Labels) -> str:
    text = (f"本期 {row['n']} 名儿童有与上次体检（间隔 {p['min_gap_days']}–{p['max_gap_days']} 天）可比的体检，其中 "
            f"{row['steady']} 名（{pct(row['share'])}）每次体检的年龄别体重 z 和年龄别身长/身高 z 都与上次相差不到 "
            f"{p['bound']}（参考判定 ≥ {pct(p['ref_share'], 0)}；真实测量仅测量误差就会使 z 变化约 0.1–0.3）；"
            f"相邻两次体检 z 变化的中位数：体重 {fmt(row['step_waz'], 2)}、身长 {fmt(row['step_laz'], 2)}"
            + judged_words(row, p, fired="体格数值像是按生长曲线推算而非实测", passed="未见过于平稳",
                           digits=1, percent=True))
    return text + (f"{METHOD_MARK}每名儿童取本期每次体检与其上一次体检（z 评分齐全、未标记为不合理）的差值，"
                   f"max(|ΔWAZ|, |ΔLAZ|) < {p['bound']} 的每一步都满足才算“过于平稳”；统计量为过于平稳儿童的比例，"
                   f"共 {row['step_count']} 步")


def explain_steady_habit(row: Row, p: Params, labels: Labels) -> str:
    return (f"前后体检 z 评分变化不到 {p['bound']} 的儿童比例超过 {pct(p['ref_share'], 0)}（各单位中位数 "
            f"{pct(row['peer_median'])}）")


def implicate_steady(d: ScanData, p: Params, min_n: int) -> ir.Table:
    c = children(d, p)
    c = c.filter(c.steady)
    floor = float(p["bound"]) / MAX_RISK_PER_STEP
    risk = c.steps.cast("float64") * float(p["bound"]) / ibis.greatest(c.largest, ibis.literal(floor))
    return c.select(record_type=ibis.literal("child"), record_id=c.record_id, unit_id=c.unit_id, steps=c.steps,
                    largest=c.largest, items=c["items"], risk=risk.round(1))


def _step_text(i: dict[str, Any]) -> str:
    return (f"{fmt(i['prev_on'])}→{fmt(i['on'])}（{i['gap']} 天）年龄别体重 z {fmt(i['prev_waz'], 2)}→"
            f"{fmt(i['waz'], 2)}、年龄别身长 z {fmt(i['prev_laz'], 2)}→{fmt(i['laz'], 2)}")


def explain_steady_record(row: Row, p: Params, labels: Labels) -> str:
    found = sorted(row.get("items") or [], key=lambda i: i["on"])
    return (f"本期 {row['steps']} 次体检与上一次相比 z 评分几乎不变：" + "；".join(_step_text(i) for i in found)
            + f"（最大变化 {fmt(row['largest'], 2)}，不到 {p['bound']}），而本单位这样的儿童偏多")


_check("DQ-F18", "儿童体格测量前后过于平稳", Level.UNIT, Severity.MEDIUM, build_steady, explain_steady,
       {"bound": 0.1, "ref_share": 0.15, "min_gap_days": 28, "max_gap_days": 400}, 30,
       "每次体检与上次相比年龄别体重 z 和身长 z 变化都 < {bound} 的儿童占 ≥ {ref_share:.0%}"
       "（体检间隔 {min_gap_days}–{max_gap_days} 天，至少 {min_n} 名儿童）",
       f"{QUALITY_MD}“卡片主要指标基本一致，无差异”（同一儿童前后各次之间）。不称体重、不量身长的人往往按上次的百分位推算本次数值（照标准中位数写的见 DQ-F02–F04），"
       "z 评分前后几乎不变；真实测量中生长速度本身有波动，仅测量误差（体重 ±0.1 kg、身长 ±0.5–1 cm）就使相隔数月的两次"
       "体检 z 变化约 0.1–0.3，测量出色的单位也是如此，所以界限取 0.1、且年龄别体重和身长 z 都要满足；诚实单位这样的"
       "儿童一般只占几个百分点，取 15% 为参考界限。间隔不到 28 天的复查或重复录入不计，超过 400 天的不比较。"
       "一个季度内多数儿童只有一次体检，所以以上一次体检（可在本期之前）为起点，每名儿童至少一步即可参与统计。"
       "体重按 0.5 kg 读数的地方变化只会更大，不会触发。判定后列出过于平稳的儿童，步数越多、变化越小风险越高。",
       implicate=implicate_steady, explain_record=explain_steady_record, habit=True,
       explain_habit=explain_steady_habit)
