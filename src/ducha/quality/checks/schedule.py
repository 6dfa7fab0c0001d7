"""§4 Exams and visits exactly on a schedule (DQ-F10), whichever way the schedule is kept: calendar months (the
child's exam on the day of the month it was born; an antenatal visit on the LMP's day of the month), whole weeks
(a visit a whole number of weeks after the LMP, a child exam at an age of whole weeks) or days (a postpartum visit
3/7/14/28/42 days after delivery, the 42-day check on day 42, a child exam at 30/42/90… days). Real people come
around the scheduled day, so exact hits are a small share; a unit far above both that and its peers wrote the
scheduled date instead of the real one."""

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
from ducha.quality.checks.peers import peer_columns

KINDS = {"months": "在满月龄当天", "mean_months": "在整月龄天数（月龄 × 30.44 天）当天", "weeks": "在整周当天",
         "days": "在计划天数当天"}
MONTH_DAYS = 30.4375
EVENTS = {"exam": "儿童体检", "antenatal": "产前检查", "postpartum": "产后访视", "check42": "产后 42 天检查"}


def _events(t: ir.Table, event: str, record_type: str, start: ir.DateValue, on: ir.DateValue,
            kinds: dict[str, ir.BooleanValue]) -> list[ir.Table]:
    ok = start.notnull() & on.notnull() & (on > start)
    return [t.filter(ok & cond.notnull()).select(
        unit_id=t.unit_id, record_type=ibis.literal(record_type), record_id=t.record_id, event=ibis.literal(event),
        kind=ibis.literal(kind), sched=ibis.literal(f"{event}/{kind}"), exact=cond.fill_null(False))
        for kind, cond in kinds.items()]


def events(d: ScanData, p: Params) -> ir.Table:
    """Long table (unit_id, record_type, record_id, event, kind, sched, exact): each dated event under each
    schedule kind that applies to it (months only where the start day exists in every month, ≤ 28; mean months:
    a child's age in days is a whole number of average months, rounded). ``sched`` = event/kind: child exams
    and antenatal visits are judged apart, so a clinic's gestational-week schedule cannot hide exams kept in weeks.
    Built once per scan (the check and its records read it: ``ScanData.shared``)."""
    return d.shared(shared_key("schedule.events", p), lambda: _all_events(d, p))


def _all_events(d: ScanData, p: Params) -> ir.Table:
    e = d["exams"].filter(ibis._.in_period)
    age = e.exam_on.delta(e.birth_date, unit="day")
    parts = _events(e, "exam", "child", e.birth_date, e.exam_on, {
        "months": ibis.cases((e.birth_date.day() <= 28, e.exam_on.day() == e.birth_date.day()),
                             else_=ibis.null("boolean")),
        "mean_months": (age >= 28) & (((age.cast("float64") / MONTH_DAYS).round() * MONTH_DAYS - age).abs() <= 0.5),
        "weeks": age % 7 == 0, "days": age.isin(list(p["child_days"]))})
    preg = d["pregnancies"]
    a = d["antenatal"].filter(ibis._.in_period)
    lmp = preg.select(rid=preg.record_id, lmp=preg.lmp)
    a = a.join(lmp, a.record_id == lmp.rid)
    gest = a.visit_on.delta(a.lmp, unit="day")
    parts += _events(a, "antenatal", "pregnancy", a.lmp, a.visit_on, {
        "months": ibis.cases((a.lmp.day() <= 28, a.visit_on.day() == a.lmp.day()), else_=ibis.null("boolean")),
        "weeks": gest % 7 == 0})
    q = d["postpartum"].filter(ibis._.in_period)
    born = preg.select(rid=preg.record_id, delivered=preg.delivered_on)
    q = q.join(born, q.record_id == born.rid)
    parts += _events(q, "postpartum", "pregnancy", q.delivered, q.visit_on,
                     {"days": q.visit_on.delta(q.delivered, unit="day").isin(list(p["postpartum_days"]))})
    c = preg.filter(preg.check_42d_on.between(d.period.start, d.period.end))
    parts += _events(c, "check42", "pregnancy", c.delivered_on, c.check_42d_on,
                     {"days": c.check_42d_on.delta(c.delivered_on, unit="day") == 42})
    return ibis.union(*parts)


def kind_scores(d: ScanData, p: Params, min_n: int) -> ir.Table:
    return d.shared(shared_key("schedule.scores", p, min_n), lambda: _kind_scores(d, p, min_n))


def _kind_scores(d: ScanData, p: Params, min_n: int) -> ir.Table:
    v = events(d, p)
    g = v.group_by(["unit_id", "sched"]).agg(n=v.count(), exact=flag(v.exact).sum(), event=v.event.first(),
                                             kind=v.kind.first())
    g = g.mutate(share=g.exact.cast("float64") / g.n)
    # antenatal visits are booked by gestational week, so whole weeks are common there (weeks_share); a child's age
    # in whole weeks is a 1-in-7 chance even with a weekly clinic day (births fall on any weekday): child_weeks_share;
    # days and mean months: one day among ~30 around the due day
    limit = ibis.cases((g.kind == "months", p["share"]),
                       ((g.kind == "weeks") & (g.event == "antenatal"), p["weeks_share"]),
                       (g.kind == "weeks", p["child_weeks_share"]), else_=p["days_share"])
    judged = g.n >= min_n
    g = g.mutate(limit=limit, judged=judged, ref=judged & (g.share >= limit))
    g = peer_columns(g, "share", by="sched", judged=g.judged, min_peers=p["min_peers"])
    deviates = (g.peer_z >= p["peer_z"]) & (g.share - g.peer_median >= p["min_gap"])
    return g.mutate(fired=(g.ref & (g.peer_z.isnull() | deviates.fill_null(False))).fill_null(False))


def build_scheduled(d: ScanData, p: Params, min_n: int) -> ir.Table:
    s = kind_scores(d, p, min_n)
    g = s.group_by("unit_id").agg(
        n=s.n.max(), bad=flag(s.fired).sum(), worst=s.share.max(where=s.judged), exact=s.exact.max(where=s.fired),
        items=ibis.struct({"kind": s.kind, "event": s.event, "n": s.n, "exact": s.exact, "share": s.share,
                           "limit": s["limit"], "peer_median": s.peer_median, "peer_z": s.peer_z,
                           "fired": s.fired}).collect(where=s.judged))
    return verdict(g, n=g.n, measured=g.worst, threshold=p["share"], fired=g.bad > 0, min_n=min_n)


def _kind_text(i: dict[str, Any]) -> str:
    peers = "" if i.get("peer_median") is None else f"，全县各单位中位数 {pct(i['peer_median'])}"
    return (f"{EVENTS.get(i['event'], i['event'])} {i['n']} 次中 {i['exact']} 次（{pct(i['share'])}）恰好"
            f"{KINDS[i['kind']]}{peers}")


def explain_scheduled(row: Row, p: Params, labels: Labels) -> str:
    found = sorted(row.get("items") or [], key=lambda i: (not i["fired"], -i["share"]))
    bad = [i for i in found if i["fired"]]
    head = ("；".join(_kind_text(i) for i in bad) + "：远多于按计划日前后就诊应有的比例，像是照计划日填写") if bad \
        else "检查/访视日期恰在计划日的比例正常"
    method = "；".join(
        f"{EVENTS.get(i['event'], i['event'])}{KINDS[i['kind']]}：{fmt(i['share'] * 100, 1)}%（参考限 {pct(i['limit'], 0)}"
        + (f"，稳健 z = {fmt(i['peer_z'], 1)}" if i.get("peer_z") is not None else "") + "）" for i in found)
    return (head + METHOD_MARK + method + f"。判定：比例 ≥ 参考限，且比同级中位数高 ≥ {pct(p['min_gap'], 0)}、"
            f"稳健 z ≥ {p['peer_z']}（同级不足 {p['min_peers']} 个单位时只看参考限）")


def implicate_scheduled(d: ScanData, p: Params, min_n: int) -> ir.Table:
    """Records whose events of a deviating schedule (event/kind) are (nearly) all exact: a child seen once this
    quarter, on the very day of the schedule the unit over-uses, is implicated too; risk = its exact events."""
    s = kind_scores(d, p, min_n).filter(ibis._.fired).select("unit_id", "sched")
    v = events(d, p).semi_join(s, ["unit_id", "sched"])
    k = v.group_by(["unit_id", "record_type", "record_id", "sched"]).agg(events=v.count(), exact=flag(v.exact).sum())
    k = k.filter((k.exact >= p["min_exams"]) & (k.exact >= p["record_share"] * k.events))
    return k.group_by(["unit_id", "record_type", "record_id"]).agg(events=k.events.max(), risk=k.exact.max(),
                                                                   kinds=k.count())


def explain_scheduled_record(row: Row, p: Params, labels: Labels) -> str:
    return f"本期 {row['events']} 次检查/访视中 {row['risk']} 次恰在计划日，且本单位此类比例异常"


_check("DQ-F10", "检查恰在计划日（满月龄、整周或计划天数）", Level.UNIT, Severity.MEDIUM, build_scheduled,
       explain_scheduled,
       {"share": 0.5, "weeks_share": 0.6, "child_weeks_share": 0.4, "days_share": 0.4, "min_gap": 0.2, "peer_z": 3.5,
        "min_peers": 5,
        "child_days": [28, 30, 42, 60, 90, 180, 270, 365], "postpartum_days": [3, 7, 14, 28, 42],
        "min_exams": 1, "record_share": 0.8}, 30,
       "恰在满月龄当天 ≥ {share:.0%}、整周（产检 ≥ {weeks_share:.0%}，儿童 ≥ {child_weeks_share:.0%}）或计划天数 "
       "≥ {days_share:.0%}，且比同级中位数高 ≥ {min_gap:.0%}、稳健 z ≥ {peer_z}",
       f"{QUALITY_MD}：每次都恰在计划日检查。计划有按月龄（与出生同日）、按孕周（末次月经后整周）和按天数（产后 3/7/14/28/42 天、"
       "儿童 42 天等）记的；按计划日前后就诊时，恰在满月龄当天约 1/30，整周约 1/7，某个计划天数一般不到两成。门诊安排"
       "各地不同，所以还要比同级单位高出 20 个百分点且稳健 z ≥ 3.5；同级不足 5 个单位时只看参考限。儿童体检与孕产妇的"
       "检查分开判断（产检本按孕周预约，整周常见，参考限 60%；儿童出生在一周中的任何一天，即使每周固定门诊日，"
       "月龄恰为整周的机会也只有约 1/7，参考限与计划天数同为 40%）；月龄也有按平均月长（30.44 天）折成天数记的。"
       "判定后列出该类检查八成以上恰在计划日的手册（本季度只查一次的儿童也算），按恰在计划日的次数排序。",
       implicate=implicate_scheduled, explain_record=explain_scheduled_record)
