"""§2 Register vs report: the verification factor per unit and indicator, and the caesarean share of the
registers against peer units ("将剖宫产在分娩登记簿上登记为平产")."""

from __future__ import annotations

import math
from typing import Any

import ibis
import ibis.expr.types as ir

from ducha.quality.checks.base import (
    METHOD_MARK,
    Check,
    Family,
    Labels,
    Level,
    Params,
    Row,
    ScanData,
    Severity,
    flag,
    fmt,
    pct,
    register,
    verdict,
)
from ducha.quality.checks.reports import items


def build_vf(d: ScanData, p: Params, min_n: int) -> ir.Table:
    """Register recount ÷ reported count per unit and indicator (``register_indicator_table``)."""
    t = d["register_vf"]
    size = ibis.greatest(t.register_numerator, t.reported_numerator.fill_null(0))
    judged = t.vf.notnull() & (size >= min_n)
    bad = judged & ((t.vf < p["low"]) | (t.vf > p["high"]))
    g = t.group_by(unit_id=t.unit_id).agg(
        judged=flag(judged).sum(), bad=flag(bad).sum(), any_vf=t.vf.notnull().any(),
        items=ibis.struct({"name": t.indicator_name, "register": t.register_numerator,
                           "reported": t.reported_numerator, "vf": t.vf}).collect(where=bad))
    return verdict(g, n=g.judged, measured=g.bad.cast("float64"), threshold=p["high"], fired=g.bad > 0, min_n=1,
                   undecided=[(~g.any_vf, "noreport"), (g.judged == 0, "small")])


def _vf_text(i: dict[str, Any]) -> str:
    direction = "少报（登记多于报表）" if i["vf"] > 1 else "多报（报表多于登记）"
    return f"{i['name']} 登记簿 {i['register']}、月报 {i['reported']}，核实系数 {fmt(i['vf'], 2)}，{direction}"


def explain_vf(row: Row, p: Params, labels: Labels) -> str:
    found = [_vf_text(i) for i in items(row)]
    window = f"{fmt(p['low'], 2)}–{fmt(p['high'], 2)}"
    return (f"核实系数（登记簿重新计数 ÷ 月报数）超出 {window}：" + "；".join(found)) if found else \
        f"{row['n']} 项指标的核实系数都在 {window} 之内"


def build_caesarean(d: ScanData, p: Params, min_n: int) -> ir.Table:
    """Caesarean share among the register's deliveries in the period vs all other units pooled."""
    t = d["pregnancies"]
    start, end = ibis.date(d.period.start), ibis.date(d.period.end)
    t = t.filter((t.delivered_on >= start) & (t.delivered_on <= end) & t.delivery_mode.notnull()
                 & (t.delivery_mode != ""))
    g = t.group_by(unit_id=t.unit_id).agg(n=t.count(), cs=flag(t.delivery_mode == "caesarean").sum())
    g = g.mutate(all_n=g.n.sum().over(), all_cs=g.cs.sum().over())
    peer_n = g.all_n - g.n
    peer_rate = ibis.cases((peer_n > 0, (g.all_cs - g.cs).cast("float64") / peer_n),
                           else_=ibis.null().cast("float64"))
    rate = g.cs.cast("float64") / g.n
    se = (peer_rate * (1 - peer_rate) / g.n).sqrt()
    z = ibis.cases((se > 0, (rate - peer_rate) / se), else_=ibis.null().cast("float64"))
    g = g.mutate(rate=rate, peer_rate=peer_rate, peer_n=peer_n, z=z)
    return verdict(g, n=g.n, measured=g.z, threshold=p["z"], fired=g.z < -p["z"], min_n=min_n,
                   undecided=[((g.n >= min_n) & (peer_n < min_n), "peer_small")])


def explain_caesarean(row: Row, p: Params, labels: Labels) -> str:
    tail = "明显偏低，可能把剖宫产登记为平产" if row["status"] == "fired" else "与其他单位相比无显著差异"
    peer = row["peer_rate"]
    peer_text = "空" if peer is None or (isinstance(peer, float) and math.isnan(peer)) else pct(peer)
    return (f"登记簿本期分娩 {row['n']} 例中剖宫产 {row['cs']} 例（{pct(row['rate'])}），其他单位合计 {peer_text}"
            f"（{row['peer_n']} 例），{tail}{METHOD_MARK}二项 z = {fmt(row['measured'], 2)}（判定 z < −{fmt(p['z'])}）")


register(Check(
    id="DQ-V01", title="登记簿与月报不符（核实系数）", family=Family.VERIFICATION, level=Level.UNIT,
    severity=Severity.HIGH, build=build_vf, explain=explain_vf, defaults={"low": 0.90, "high": 1.10}, min_n=10,
    threshold="核实系数 < {low} 或 > {high}（计数 ≥ {min_n}）",
    rationale="WHO DQR 数据核实：核实系数 = 登记簿重新计数 ÷ 上报数，0.90–1.10 可接受，> 1.10 少报，< 0.90 多报"
              "（quality.md §2）。计数少于 10 时一两例之差就会超出 ±10%，不判断。"))
register(Check(
    id="DQ-V02", title="登记簿剖宫产比例明显低于其他单位", family=Family.VERIFICATION, level=Level.UNIT,
    severity=Severity.MEDIUM, build=build_caesarean, explain=explain_caesarean, defaults={"z": 3.0}, min_n=30,
    threshold="与其他单位合计比例比较 z < −{z}（分娩 ≥ {min_n} 例）",
    rationale="督查通报：“将剖宫产在分娩登记簿上登记为平产”。单位剖宫产比例与其他单位合计比例的二项 z 检验，"
              "|z| > 3 在 30 例以上时偶然出现的概率约 0.1%；与月报的比较见 DQ-V01 剖宫产率。"))
