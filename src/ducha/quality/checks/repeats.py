"""§4 Repeated and near-duplicate values (DQ-F15 across records, DQ-F16 within a record): many children or women
with the same value tuple (weight + length + Hb; weight + BP + Hb), and records whose successive visits are
(nearly) identical. Linear in a unit's size: tuples are grouped by hash, successive visits compared by a window
ordered by date (no pairs of all records). Judged against a reference share and against the peers."""

from __future__ import annotations

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
from ducha.quality.checks.peers import peer_columns

# (table, record type, date column, tuple columns, tolerances for "nearly the same" on successive visits)
TUPLES = {"exams": ("child", "exam_on", ("weight_kg", "length_cm", "hb"), "儿童体检（体重、身长、血红蛋白）"),
          "antenatal": ("pregnancy", "visit_on", ("weight_kg", "sbp", "dbp", "hb"), "产前检查（体重、血压、血红蛋白）")}


def _tol(p: Params, column: str) -> float:
    return float(p["tolerance_bp"] if column in ("sbp", "dbp") else p["tolerance_hb"] if column == "hb"
                 else p["tolerance_length"] if column == "length_cm" else p["tolerance_weight"])


def tuples(d: ScanData) -> ir.Table:
    """(unit_id, record_type, record_id, source, key): each visit's value tuple as one string key."""
    parts = []
    for table, (kind, _on, cols, _label) in TUPLES.items():
        t = d[table].filter(ibis._.in_period)
        t = t.filter(ibis.and_(*[t[c].notnull() for c in cols[:2]]))
        key = ibis.literal("|").join([t[c].cast("float64").round(1).cast("string").fill_null("-") for c in cols])
        parts.append(t.select(unit_id=t.unit_id, record_type=ibis.literal(kind), record_id=t.record_id,
                              source=ibis.literal(table), key=key))
    return ibis.union(*parts)


def repeated(d: ScanData, p: Params) -> ir.Table:
    """Each visit's value tuple with how many records of its unit hold it; built once per scan (DQ-F15 and its
    records read it: ``ScanData.shared``)."""
    return d.shared(shared_key("repeats.repeated", p), lambda: _repeated(d, p))


def _repeated(d: ScanData, p: Params) -> ir.Table:
    t = tuples(d)
    k = t.group_by(["unit_id", "source", "key"]).agg(holders=t.record_id.nunique())
    j = t.join(k, ["unit_id", "source", "key"])
    return j.mutate(rep=j.holders >= p["min_records"])


def _judge(g: ir.Table, p: Params, min_n: int, limit: float) -> ir.Table:
    g = g.mutate(share=g.hits.cast("float64") / g.n, judged=g.n >= min_n)
    g = g.mutate(ref=g.judged & (g.share >= limit))
    g = peer_columns(g, "share", by="source", judged=g.judged, min_peers=p["min_peers"])
    deviates = (g.peer_z >= p["peer_z"]) & (g.share - g.peer_median >= p["min_gap"])
    return g.mutate(fired=(g.ref & (g.peer_z.isnull() | deviates.fill_null(False))).fill_null(False))


def _unit(s: ir.Table, p: Params, min_n: int, threshold: float) -> ir.Table:
    g = s.group_by("unit_id").agg(
        n=s.n.max(), bad=flag(s.fired).sum(), worst=s.share.max(where=s.judged),
        items=ibis.struct({"source": s.source, "n": s.n, "hits": s.hits, "share": s.share,
                           "peer_median": s.peer_median, "peer_z": s.peer_z, "fired": s.fired}).collect(where=s.judged))
    return verdict(g, n=g.n, measured=g.worst, threshold=threshold, fired=g.bad > 0, min_n=min_n)


def across_scores(d: ScanData, p: Params, min_n: int) -> ir.Table:
    r = repeated(d, p)
    g = r.group_by(["unit_id", "source"]).agg(n=r.count(), hits=flag(r.rep).sum())
    return _judge(g, p, min_n, p["share"])


def build_across(d: ScanData, p: Params, min_n: int) -> ir.Table:
    return _unit(across_scores(d, p, min_n), p, min_n, p["share"])


def _items_text(row: Row, what: str) -> str:
    return "；".join(
        f"{TUPLES[i['source']][3]} {i['n']} {what}中 {i['hits']} 个（{pct(i['share'])}）"
        + ("" if i.get("peer_median") is None else f"，全县各单位中位数 {pct(i['peer_median'])}")
        for i in sorted(row.get("items") or [], key=lambda i: (not i["fired"], -i["share"])))


def _method(row: Row, p: Params, limit: float) -> str:
    zs = "；".join(f"{TUPLES[i['source']][3]} 稳健 z = {fmt(i['peer_z'], 1)}" for i in row.get("items") or []
                   if i.get("peer_z") is not None)
    return (METHOD_MARK + (zs + "。" if zs else "") + f"判定：比例 ≥ {pct(limit, 0)}，且比同级中位数高 ≥ "
            f"{pct(p['min_gap'], 0)}、稳健 z ≥ {p['peer_z']}（同级不足 {p['min_peers']} 个单位时只看参考值）")


def explain_across(row: Row, p: Params, labels: Labels) -> str:
    tail = "：许多人的数值一模一样，像是照抄" if row["status"] == "fired" else "：重复数值的比例正常"
    return (f"与至少 {p['min_records']} 人完全相同的数值组合——" + _items_text(row, "次") + tail
            + _method(row, p, p["share"]))


def implicate_across(d: ScanData, p: Params, min_n: int) -> ir.Table:
    s = across_scores(d, p, min_n).filter(ibis._.fired).select("unit_id", "source")
    r = repeated(d, p).semi_join(s, ["unit_id", "source"])
    g = r.group_by(["unit_id", "record_type", "record_id"]).agg(events=r.count(), risk=flag(r.rep).sum(),
                                                                most=r.holders.max(where=r.rep))
    return g.filter((g.risk >= 1) & (g.risk >= p["record_share"] * g.events))


def explain_across_record(row: Row, p: Params, labels: Labels) -> str:
    return (f"本期 {row['events']} 次检查中 {row['risk']} 次的数值组合与本单位其他手册完全相同"
            f"（最多 {row['most']} 份手册相同），且本单位重复数值异常多")


def successive(d: ScanData, p: Params) -> ir.Table:
    """Per record with ≥ ``min_visits`` visits: successive pairs and how many are nearly the same (once per scan,
    for DQ-F16 and its records: ``ScanData.shared``)."""
    return d.shared(shared_key("repeats.successive", p), lambda: _successive(d, p))


def _successive(d: ScanData, p: Params) -> ir.Table:
    parts = []
    for table, (kind, on, cols, _label) in TUPLES.items():
        t = d[table].filter(ibis._[on].notnull())   # the card's whole history: copying goes on across quarters
        w = ibis.window(group_by=[t.unit_id, t.record_id], order_by=[t[on], t[t.columns[0]]])
        same = [((t[c] - t[c].lag().over(w)).abs() <= _tol(p, c) + 1e-6) | (t[c].isnull() & t[c].lag().over(w).isnull())
                for c in cols]
        first = t[on].lag().over(w).isnull()
        t = t.mutate(pair=~first, near=ibis.and_(*same).fill_null(False) & ~first)
        g = t.group_by([t.unit_id, t.record_id]).agg(visits=t.count(), pairs=flag(t.pair).sum(),
                                                      near=flag(t.near).sum())
        parts.append(g.select("unit_id", record_type=ibis.literal(kind), record_id=g.record_id,
                              source=ibis.literal(table), visits=g.visits, pairs=g.pairs, near=g.near))
    r = ibis.union(*parts)
    r = r.filter(r.visits >= p["min_visits"])
    return r.mutate(stuck=r.near >= p["record_share"] * r.pairs)


def within_scores(d: ScanData, p: Params, min_n: int) -> ir.Table:
    r = successive(d, p)
    g = r.group_by(["unit_id", "source"]).agg(n=r.count(), hits=flag(r.stuck).sum())
    return _judge(g, p, min_n, p["share"])


def build_within(d: ScanData, p: Params, min_n: int) -> ir.Table:
    return _unit(within_scores(d, p, min_n), p, min_n, p["share"])


def explain_within(row: Row, p: Params, labels: Labels) -> str:
    tail = "：每次检查的数值几乎不变，像是照上次抄写" if row["status"] == "fired" else "：未见多次检查数值雷同"
    return (f"至少 {p['min_visits']} 次检查、相邻两次几乎相同（≥ {pct(p['record_share'], 0)}）的手册——"
            + _items_text(row, "份手册") + tail + _method(row, p, p["share"]))


def implicate_within(d: ScanData, p: Params, min_n: int) -> ir.Table:
    s = within_scores(d, p, min_n).filter(ibis._.fired).select("unit_id", "source")
    r = successive(d, p).semi_join(s, ["unit_id", "source"]).filter(ibis._.stuck)
    return r.select("unit_id", "record_type", "record_id", "visits", "pairs", risk=r.near)


def explain_within_record(row: Row, p: Params, labels: Labels) -> str:
    return f"{row['visits']} 次检查中相邻两次 {row['risk']}/{row['pairs']} 次几乎相同，且本单位此类手册异常多"


TOLERANCES = {"tolerance_weight": 0.5, "tolerance_length": 0.5, "tolerance_bp": 2, "tolerance_hb": 2}
PEERS = {"peer_z": 3.5, "min_peers": 5, "min_gap": 0.15}
_check("DQ-F15", "许多人数值完全相同", Level.UNIT, Severity.MEDIUM, build_across, explain_across,
       {"share": 0.25, "min_records": 3, "record_share": 0.5, **PEERS}, 50,
       "与 ≥ {min_records} 人相同的数值组合占 ≥ {share:.0%}，且比同级中位数高 ≥ {min_gap:.0%}、稳健 z ≥ {peer_z}",
       f"{QUALITY_MD}：卡片主要指标基本一致。体重、身长到 0.1、再加血红蛋白，三人以上完全相同的组合在真实记录中很少"
       "（同龄儿童也各不相同）；取整习惯会使重复增多，所以还与同级单位比较。按数值组合分组计数，不两两比较。"
       "判定后列出一半以上检查与他人完全相同的手册，按相同次数排序。",
       implicate=implicate_across, explain_record=explain_across_record)
_check("DQ-F16", "同一手册多次检查数值雷同", Level.UNIT, Severity.MEDIUM, build_within, explain_within,
       {"share": 0.2, "min_visits": 3, "record_share": 0.8, **TOLERANCES, **PEERS}, 20,
       "相邻检查几乎相同（体重 ±{tolerance_weight}、身长 ±{tolerance_length}、血压 ±{tolerance_bp}、"
       "血红蛋白 ±{tolerance_hb}）的手册占 ≥ {share:.0%}，且高于同级",
       f"{QUALITY_MD}：同一孕妇或儿童每次检查的数值几乎一样（不只是完全相同）。孕期体重每月增加约 1–2 kg、儿童在长，"
       "血压和血红蛋白也有波动，连续多次都在容差内的手册很少。按手册内日期排序与上一次比较（线性）。",
       implicate=implicate_within, explain_record=explain_within_record)
