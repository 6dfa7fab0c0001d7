"""Judging a unit against its peers in the same scan, robustly (median and MAD), as well as against a reference.

A fixed reference (a survey SD, an expected share of 0/5 endings) describes other countries and measuring
habits; honest counties differ from it. Every distribution check therefore also asks: is this unit unusual
*among the units of this scan*? The answer is a robust z: ``(x − median) / (1.4826 · MAD)`` over the units
with enough data (Iglewicz & Hoaglin; the constant makes MAD estimate σ under normality).

And a signal most units share is a county habit (a rounding custom, one scale model), not a finding against
each unit: ``habit`` is true when at least ``habit_share`` of the judged units fire on the reference.

    g = peer_columns(g, "sd", judged=g.n >= min_n, min_peers=p["min_peers"])
    fired = peer_fired(g, ref_fired, direction="low", max_z=p["peer_z"])

Columns added by ``peer_columns``: ``peer_units`` (units judged), ``peer_median``, ``peer_sd`` (1.4826·MAD) and
``peer_z`` (null when fewer than ``min_peers`` units are judged or their MAD is 0); with ``by`` the peers are the
judged rows sharing that column's value (a field, a schedule kind), each group with its own median and MAD.

``judge`` does all of it for a check: peer columns, the county-habit columns ``habit_units`` /
``county_habit`` (the same on every row), the final ``peer_fired`` and ``habit_spared`` (fired on the reference,
not kept because the county shares the signal and the unit is ordinary among its peers). A check built on it
declares ``habit=True`` and an ``explain_habit``; the engine then writes the one county-habit row.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

import ibis
import ibis.expr.types as ir

MAD_TO_SD = 1.4826
TINY = 1e-9
Direction = Literal["low", "high", "both"]


def peer_columns(g: ir.Table, stat: str, *, judged: ir.BooleanValue, min_peers: int, by: str | None = None) -> ir.Table:
    """``g`` (one row per unit) with the unit's statistic ``stat`` placed among the judged units of the scan —
    or, with ``by``, among the judged rows of the same ``by`` value (one field's or one schedule's units).

    Window aggregates over ``g`` itself (no self-joins): a few nodes to compile, whatever the checks built."""
    marked = g.mutate(_judged=judged.fill_null(False) & g[stat].notnull() & ~g[stat].isnan())
    window = ibis.window(group_by=[marked[by]]) if by else ibis.window()
    value = ibis.cases((marked._judged, marked[stat].cast("float64")), else_=ibis.null("float64"))
    out = marked.mutate(peer_units=marked._judged.cast("int64").sum().over(window),
                        peer_median=value.median().over(window))
    deviation = ibis.cases((out._judged, (out[stat] - out.peer_median).abs()), else_=ibis.null("float64"))
    out = out.mutate(peer_mad=deviation.median().over(window))
    sd = out.peer_mad * MAD_TO_SD
    usable = (out.peer_units >= min_peers) & (sd > TINY * (out.peer_median.abs() + 1))  # rounding is not spread
    z = ibis.cases((usable & out._judged, (out[stat] - out.peer_median) / sd), else_=ibis.null("float64"))
    return out.mutate(peer_sd=sd.cast("float64"), peer_z=z.cast("float64")).drop("_judged", "peer_mad")


def peer_deviates(g: ir.Table, *, direction: Direction, max_z: float) -> ir.BooleanValue:
    """The unit is beyond ``max_z`` robust SDs from its peers on the suspicious side (false when unknown)."""
    z = g.peer_z
    side = {"low": z <= -max_z, "high": z >= max_z, "both": z.abs() >= max_z}[direction]
    return side.fill_null(False)


def peer_fired(g: ir.Table, ref_fired: ir.BooleanValue, *, direction: Direction, max_z: float) -> ir.BooleanValue:
    """Fired on the reference *and* unusual among peers; where peers cannot judge (too few units, MAD 0),
    the reference alone decides, as before peers were considered."""
    no_peers = g.peer_z.isnull()
    return (ref_fired.fill_null(False) & (no_peers | peer_deviates(g, direction=direction, max_z=max_z)))


def habit(g: ir.Table, ref_fired: ir.BooleanValue, *, judged: ir.BooleanValue, habit_share: float,
          min_peers: int) -> ir.Table:
    """One row: ``habit_units`` firing on the reference among ``peer_units`` judged, and ``habit`` — whether
    that share reaches ``habit_share`` (a county habit, reported once instead of against every unit)."""
    marked = g.mutate(_ref=ref_fired.fill_null(False).cast("int64"), _judged=judged.fill_null(False))
    pool = marked.filter(marked._judged)
    agg = pool.aggregate(peer_units=pool.count(), habit_units=pool._ref.sum().fill_null(0))
    share = agg.habit_units.cast("float64") / agg.peer_units.nullif(0).cast("float64")
    return agg.mutate(habit=((agg.peer_units >= min_peers) & (share >= habit_share)).fill_null(False))


PEER_DEFAULTS = {"peer_z": 2.5, "min_peers": 5, "habit_share": 0.5}
PEER_RATIONALE = ("同级比较：本单位的统计量与本次检查中其他单位比较（以各单位的中位数为中心的稳健 z），"
                  "偏离 ≥ {peer_z} 个稳健标准差才判可疑；可比较的单位少于 {min_peers} 个时只与参考值比较；"
                  "≥ {habit_share:.0%} 的单位都超出参考值时视为全县习惯，只记一条全县说明（见“同级比较”一节）。")

def judge(g: ir.Table, stat: str, ref_fired: ir.BooleanValue, *, judged: ir.BooleanValue, direction: Direction,
          p: Mapping[str, Any]) -> ir.Table:
    """``g`` (one row per unit) judged against the reference (``ref_fired``) and its peers on ``stat``.

    Without a county habit a unit fires when the reference fires and it deviates from its peers (or peers cannot
    judge: fewer than ``min_peers`` units, MAD 0). With a habit (≥ ``habit_share`` of the judged units fire on
    the reference) only units that deviate from their peers fire; the others are ``habit_spared``.
    """
    g = g.mutate(ref_fired=ref_fired.fill_null(False), peer_judged=judged.fill_null(False))
    g = peer_columns(g, stat, judged=g.peer_judged, min_peers=int(p["min_peers"]))
    # ``habit`` as window aggregates over the same rows (one node, no join back)
    whole = ibis.window()
    units = g.peer_judged.cast("int64").sum().over(whole)
    g = g.mutate(habit_units=(g.peer_judged & g.ref_fired).cast("int64").sum().over(whole), _units=units)
    share = g.habit_units.cast("float64") / g._units.nullif(0).cast("float64")
    g = g.mutate(county_habit=((g._units >= int(p["min_peers"])) & (share >= float(p["habit_share"]))).fill_null(False))
    g = g.drop("_units")
    deviates = peer_deviates(g, direction=direction, max_z=float(p["peer_z"]))
    alone = peer_fired(g, g.ref_fired, direction=direction, max_z=float(p["peer_z"]))
    fired = ibis.cases((g.county_habit, g.ref_fired & deviates), else_=alone)
    return g.mutate(peer_fired=fired, habit_spared=g.county_habit & g.ref_fired & ~deviates)


def peer_note(row: Mapping[str, Any], p: Mapping[str, Any], *, digits: int = 2, percent: bool = False) -> str:
    """What the evidence says of the peers for a row of ``judge``: the median and distance, or why not."""
    units = int(row.get("peer_units") or 0)
    if units < int(p["min_peers"]):
        return f"可比较的同级单位只有 {units} 个（少于 {p['min_peers']} 个），仅与参考值比较"
    if not row.get("peer_judged"):
        return "本单位样本不足，未与同级单位比较"
    median, z = row.get("peer_median"), row.get("peer_z")
    if percent and median is not None and median == median:
        shown = f"全县各单位中位数 {median * 100:.{digits}f}%"
        return shown + ("，各单位几乎相同，无从比较" if z is None or z != z else f"，偏离 {abs(z):.1f} 个稳健标准差")
    return peer_text(None, median, z, digits=digits)


def peer_text(value: float | None, median: float | None, z: float | None, *, digits: int = 2) -> str:
    """``全县各单位中位数 1.05，偏离 4.1 个稳健标准差`` — what the evidence says of the peers."""
    if median is None or median != median:
        return "可比较的单位不足，仅与参考值比较"
    if z is None or z != z:
        return f"全县各单位中位数 {median:.{digits}f}，各单位几乎相同，无从比较"
    return f"全县各单位中位数 {median:.{digits}f}，偏离 {abs(z):.1f} 个稳健标准差"


def judged_words(row: Mapping[str, Any], p: Mapping[str, Any], *, fired: str, passed: str, digits: int = 2,
                 percent: bool = False) -> str:
    """``；<peer note>，<conclusion>`` for a row of ``judge``: fired, spared as a county habit, ordinary among
    peers although the reference fires, or passed."""
    if row.get("status") == "fired":
        tail = fired
    elif row.get("habit_spared"):
        tail = "按参考值可疑，但全县多数单位如此（全县习惯），本单位与同级单位相比不突出，不判为可疑"
    elif row.get("ref_fired"):
        tail = "按参考值可疑，但与同级单位相比不突出，不判为可疑"
    else:
        tail = passed
    return f"；{peer_note(row, p, digits=digits, percent=percent)}，{tail}"
