"""§4 An examiner who writes only a few blood-pressure values (DQ-F17): a person who stopped measuring writes one
or two habitual values (110/70, 120/80) for most women.

DQ-F05 looks at the unit's single most common value; it misses one lazy examiner among several and two alternating
values. Here the statistic is per examiner (the 检查者/访视者 of the visit, or its 录入人 when none is written, as
DQ-F07): the share of their blood-pressure readings (antenatal and postpartum visits of the period, systolic and
diastolic as one pair) taken by their ``k`` most common pairs. Honest readings, even rounded to 0 or 5, spread over
many pairs; the examiner is judged against that reference (``share``) and against the other examiners of the scan
(``peers.judge``: robust z; most examiners above the reference is a county habit, reported once).

Linear: readings are counted by (examiner, pair) and ranked by a window; no pairs of records are formed.
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
    pct,
    shared_key,
    verdict,
)
from ducha.quality.checks.digits import operator_of
from ducha.quality.checks.fabrication import QUALITY_MD, _check
from ducha.quality.checks.peers import judge, judged_words

KEYS = ["unit_id", "subject"]
VISITS = (("antenatal", "产前检查"), ("postpartum", "产后访视"))


def readings(d: ScanData) -> ir.Table:
    """(unit_id, subject, record_id, sbp, dbp): every blood pressure of the period with who took it."""
    parts = []
    for table, _label in VISITS:
        t = d[table]
        t = t.filter(t.in_period & t.sbp.notnull() & t.dbp.notnull())
        parts.append(t.select(unit_id=t.unit_id, subject=operator_of(t), record_id=t.record_id,
                              sbp=t.sbp.cast("int64"), dbp=t.dbp.cast("int64")))
    r = ibis.union(*parts)
    return r.filter(r.subject.notnull())


def pair_counts(d: ScanData, p: Params) -> ir.Table:
    """Per examiner and (sbp, dbp) pair: how many readings, its rank, and whether it is one of the ``k`` most
    common; built once per scan (the check and its records read it: ``ScanData.shared``)."""
    return d.shared(shared_key("concentration.pairs", {"k": p["k"]}), lambda: _pair_counts(d, p))


def _pair_counts(d: ScanData, p: Params) -> ir.Table:
    r = readings(d)
    c = r.group_by([*KEYS, "sbp", "dbp"]).agg(count=r.count())
    rank = ibis.row_number().over(group_by=[c.unit_id, c.subject],
                                  order_by=[ibis.desc(c["count"]), c.sbp, c.dbp])
    c = c.mutate(rank=rank, total=c["count"].sum().over(group_by=[c.unit_id, c.subject]))
    return c.mutate(top=c["rank"] < int(p["k"]))


def build_few_values(d: ScanData, p: Params, min_n: int) -> ir.Table:
    c = pair_counts(d, p)
    women = readings(d).group_by(KEYS).agg(women=ibis._.record_id.nunique())
    g = c.group_by(KEYS).agg(
        n=c["count"].sum(), pairs=c.count(), top_count=c["count"].sum(where=c.top).fill_null(0),
        items=ibis.struct({"sbp": c.sbp, "dbp": c.dbp, "count": c["count"]}).collect(where=c.top))
    g = g.join(women, KEYS)
    g = g.mutate(share=g.top_count.cast("float64") / g.n.cast("float64"))
    enough = (g.n >= min_n) & (g.women >= int(p["min_women"]))
    g = judge(g, "share", g.share >= p["share"], judged=enough, direction="high", p=p)
    return verdict(g, n=g.n, measured=g.share, threshold=p["share"], fired=g.peer_fired, min_n=min_n,
                   subject=g.subject, undecided=[((g.n >= min_n) & (g.women < int(p["min_women"])), "few_women")])


def _pairs_text(row: Row) -> str:
    found = sorted(row.get("items") or [], key=lambda i: (-i["count"], i["sbp"], i["dbp"]))
    return "、".join(f"{i['sbp']}/{i['dbp']}（{i['count']} 次）" for i in found)


PEER_WORDS = (("全县各单位", "全县各检查者"), ("本单位与同级单位", "该检查者与其他检查者"), ("同级单位", "其他检查者"))


def _examiner_words(text: str) -> str:
    """The peers of this check are examiners, not units: say so."""
    for old, new in PEER_WORDS:
        text = text.replace(old, new)
    return text


def explain_few_values(row: Row, p: Params, labels: Labels) -> str:
    k = len(row.get("items") or [])
    peers = judged_words(row, p, fired="血压只写少数几个值，像是没有实测", passed="血压值分散，未见异常",
                         digits=1, percent=True)
    text = (f"本期 {row['women']} 名孕产妇的 {row['n']} 次血压中，最常见的 {k} 个血压值 {_pairs_text(row)} "
            f"占 {pct(row['measured'])}（参考判定 ≥ {pct(p['share'], 0)}），共只有 {row['pairs']} 种不同的血压值"
            + _examiner_words(peers))
    return text + (f"{METHOD_MARK}统计量 = 该检查者最常见的 {p['k']} 个（收缩压, 舒张压）组合的次数 ÷ 其血压总次数"
                   f"（产前检查和产后访视）；同级为全县血压读数达到最少样本量、涉及 ≥ {p['min_women']} 名孕产妇的检查者，"
                   f"稳健 z = (x − 中位数) / (1.4826 × MAD)，判定 ≥ {p['peer_z']}")


def explain_few_values_habit(row: Row, p: Params, labels: Labels) -> str:
    return (f"的检查者最常见的 {p['k']} 个血压值占其血压读数的 {pct(p['share'], 0)} 以上"
            f"（各检查者中位数 {pct(row['peer_median'])}）")


def implicate_few_values(d: ScanData, p: Params, min_n: int) -> ir.Table:
    """In a fired examiner's readings: the women most of whose readings by that examiner carry the examiner's
    habitual pairs — among the ``k`` most common, each holding ≥ ``min_share`` of the examiner's readings (a pair
    ranked second by a tie of two readings is no habit). Risk = those readings, doubled when every reading of hers
    by that examiner carries them."""
    fired = build_few_values(d, p, min_n).filter(ibis._.status == "fired").select(*KEYS)
    c = pair_counts(d, p)
    habitual = c.top & (c["count"] >= p["min_share"] * c.total)
    top = c.filter(habitual).select(*KEYS, "sbp", "dbp", hit=ibis.literal(1))
    r = readings(d).semi_join(fired, KEYS)
    r = r.left_join(top, [*KEYS, "sbp", "dbp"])
    g = r.group_by([r.unit_id, r.subject, r.record_id]).agg(readings=r.count(), hits=r.hit.fill_null(0).sum())
    g = g.filter((g.hits >= 1) & (g.hits >= p["record_share"] * g.readings))
    risk = ibis.cases((g.hits == g.readings, 2 * g.hits), else_=g.hits)
    g = g.group_by([g.unit_id, g.record_id]).agg(subject=g.subject.max(), readings=g.readings.sum(),
                                                 hits=g.hits.sum(), risk=risk.max())
    return g.select(record_type=ibis.literal("pregnancy"), record_id=g.record_id, unit_id=g.unit_id,
                    subject=g.subject, readings=g.readings, hits=g.hits, risk=g.risk)


def explain_few_values_record(row: Row, p: Params, labels: Labels) -> str:
    who = _who(str(row["subject"]), labels)
    every = "全部" if row["hits"] == row["readings"] else f" {row['hits']} 次"
    return (f"{who}为此孕产妇量的 {row['readings']} 次血压中{every}是该检查者惯写的血压值，"
            "而该检查者的血压只写少数几个值")


def _who(subject: str, labels: Labels) -> str:
    if subject.startswith("#") and subject[1:].isdigit():
        return "录入人 " + labels.users.get(int(subject[1:]), subject)
    return f"检查者 {subject}"


DEFAULTS: dict[str, Any] = {"k": 2, "share": 0.6, "min_women": 15, "min_share": 0.2, "record_share": 0.5}
RATIONALE = (f"{QUALITY_MD}：不再测量的人给多数孕产妇写一两个惯用的血压值（110/70、120/80）。DQ-F05 只看全单位最常见的一个值，"
             "几个检查者中只有一人这样写、或两个值交替写时看不出来，所以按检查者（无检查者时按录入人）计算最常见的 "
             "{k} 个血压组合占其血压读数的比例。参考值 {share:.0%} 的理由：孕产妇血压因人而异（收缩压标准差约 10 mmHg），"
             "即使全部读到整十（水银血压计只读 0 的习惯），收缩压最常见的一个整十值约占 35–45%，舒张压约 40–50%，"
             "最常见的两个组合合计一般不到四成；读到 2 或 5 mmHg 时更分散。检查的孕产妇少于 {min_women} 人时不判断："
             "同一人多次检查血压相近，人太少时组合自然集中。判定后列出该检查者为其量的血压有一半以上是其惯写值的孕产妇"
             "（惯写值：最常见的 {k} 个中各占其读数 ≥ {min_share:.0%} 的，诚实记录中最常见的一个值一般约占一成），"
             "全部都是时风险加倍。")
_check("DQ-F17", "检查者血压只写少数几个值", Level.OPERATOR, Severity.HIGH, build_few_values, explain_few_values,
       DEFAULTS, 30, "检查者最常见的 {k} 个血压值占其血压读数 ≥ {share:.0%}（至少 {min_n} 次、{min_women} 人）",
       RATIONALE.format(**DEFAULTS), implicate=implicate_few_values, explain_record=explain_few_values_record,
       habit=True, explain_habit=explain_few_values_habit)
