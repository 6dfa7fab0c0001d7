"""§4 Signals of fabrication in a unit, an operator or an import batch (DQ-F…): entry bursts, too little
variance, the same blood pressure everywhere, exams exactly on the scheduled day or on Sundays and holidays,
too-even monthly counts. Digit preference is in ``digits.py``. No Benford's law: it does not apply to
weights, lengths, Hb or BP."""

from __future__ import annotations

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
    chi2_lower_p,
    flag,
    fmt,
    months_between,
    normal_quantile,
    pct,
    register,
    timed_entries,
    verdict,
    wilson_hilferty_quantile,
)
from ducha.quality.checks.peers import PEER_DEFAULTS, PEER_RATIONALE, judge, judged_words
from ducha.quality.checks.reports import CORE, items, monthly_series

QUALITY_MD = "quality.md §4"


def _check(id_: str, title: str, level: Level, severity: Severity, build: Any, explain: Any,
           defaults: dict[str, Any], min_n: int, threshold: str, rationale: str, **extra: Any) -> Check:
    """Register a §4 check; ``habit=True`` adds the peer settings (``peers.PEER_DEFAULTS``) and their reason."""
    if extra.get("habit"):
        defaults = {**defaults, **PEER_DEFAULTS}
        rationale += PEER_RATIONALE.format(**defaults)
        threshold += "；并偏离同级单位 ≥ {peer_z} 个稳健标准差（同级不足 {min_peers} 个时只看参考值）"
    return register(Check(id=id_, title=title, family=Family.FABRICATION, level=level, severity=severity,
                          build=build, explain=explain, defaults=defaults, min_n=min_n, threshold=threshold,
                          rationale=rationale, **extra))


# ---- entry bursts ------------------------------------------------------------------------------------

def entry_sessions(d: ScanData, p: Params) -> ir.Table:
    """Entries per unit and operator cut into sittings where the gap exceeds ``gap_minutes``.

    Rows of an import batch whose every row carries the same time stamp (the import's) are left out:
    their entry time says nothing about when the cards were written.
    """
    e = timed_entries(d)
    e = e.mutate(who=e.created_by.fill_null(-1), secs=e.created_at.epoch_seconds())
    order = [e.secs, e.record_type, e.record_id]
    prev = e.secs.lag().over(group_by=[e.unit_id, e.who], order_by=order)
    e = e.mutate(new=flag(prev.isnull() | (e.secs - prev > p["gap_minutes"] * 60)))
    return e.mutate(sitting=e.new.cumsum(group_by=[e.unit_id, e.who], order_by=[e.secs, e.record_type, e.record_id]))


def bursts(d: ScanData, p: Params) -> ir.Table:
    e = entry_sessions(d, p)
    s = e.group_by([e.unit_id, e.who, e.sitting]).agg(
        rows=e.count(), start=e.created_at.min(), end=e.created_at.max(),
        cards=(e.record_type + ":" + e.record_id.cast("string")).nunique(),
        first=e.event_date.min(), last=e.event_date.max())
    s = s.mutate(span=s["last"].delta(s["first"], unit="day"))
    return s.mutate(burst=((s.cards >= p["min_cards"]) & (s.span >= p["min_span_days"])).fill_null(False))


def build_bursts(d: ScanData, p: Params, min_n: int) -> ir.Table:
    s = bursts(d, p)
    g = s.group_by(unit_id=s.unit_id).agg(
        n=s.rows.sum(), count=flag(s.burst).sum(), burst_rows=s.rows.sum(where=s.burst).fill_null(0),
        items=ibis.struct({"who": s.who, "start": s.start, "end": s["end"], "cards": s.cards, "first": s["first"],
                           "last": s["last"]}).collect(where=s.burst))
    g = g.mutate(burst_share=g.burst_rows.cast("float64") / g.n)
    g = judge(g, "burst_share", g["count"] > 0, judged=g.n >= min_n, direction="high", p=p)
    return verdict(g, n=g.n, measured=g["count"].cast("float64"), threshold=p["min_cards"], fired=g.peer_fired,
                   min_n=min_n)


def _burst_text(i: dict[str, Any], unit: str, labels: Labels) -> str:
    who = labels.users.get(int(i["who"]), "未知录入人")
    end = i["end"].strftime("%H:%M") if i["start"].date() == i["end"].date() else fmt(i["end"])
    return (f"{unit} {fmt(i['start'])}–{end}（{who}）录入 {i['cards']} 张卡片，其检查日期跨越 {fmt(i['first'])} 至 "
            f"{fmt(i['last'])}（{months_between(i['first'], i['last'])} 个月）")


def explain_bursts(row: Row, p: Params, labels: Labels) -> str:
    unit = labels.unit(row["unit_id"])
    found = [_burst_text(i, unit, labels) for i in sorted(items(row), key=lambda i: i["start"])]
    if not found:
        return (f"{row['n']} 条录入中没有 {p['gap_minutes']} 分钟内连续录入 ≥ {p['min_cards']} 张、"
                f"日期跨度 ≥ {p['min_span_days']} 天的情况")
    return ("；".join(found) + f"。集中录入占本单位录入的 {pct(row['burst_share'])}"
            + judged_words(row, p, fired="属一次写成", passed="未见异常", digits=1, percent=True))


def explain_bursts_habit(row: Row, p: Params, labels: Labels) -> str:
    return (f"都有集中录入（一次录入 ≥ {p['min_cards']} 张、检查日期跨度 ≥ {p['min_span_days']} 天的卡片），"
            f"集中录入占各单位录入的中位数 {pct(row['peer_median'])}")


def implicate_bursts(d: ScanData, p: Params, min_n: int) -> ir.Table:
    """The cards that make a burst a burst, each by its own entries in the sitting: its visits lie
    ≥ ``record_span_days`` apart (a card written up at one go), or it was entered ≥ ``late_days`` later after its
    visit than the unit usually enters (median delay of its entries outside bursts): a card written months later.

    A clerk keying in last week's paper cards types one recent visit per card, so an honest sitting holds many cards
    with one visit each, entered as late as the unit always enters; its dates can still spread over months when some
    cards come late or were written ahead (those have evidence of their own: DQ-P04/C04). Those cards are not listed.
    Risk = the card's entries in the sitting."""
    e = entry_sessions(d, p)
    s = bursts(d, p).filter(ibis._.burst)
    e = e.mutate(lag=e.created_at.date().delta(e.event_date, unit="day"))
    j = e.join(s, [e.unit_id == s.unit_id, e.who == s.who, e.sitting == s.sitting])
    usual = e.anti_join(s, [e.unit_id == s.unit_id, e.who == s.who, e.sitting == s.sitting])
    usual = usual.group_by(u_unit=usual.unit_id).agg(usual=usual.lag.median())
    own = j.group_by([j.record_type, j.record_id, j.unit_id, j.sitting]).agg(
        start=j.start.min(), end=j["end"].max(), cards=j.cards.max(), who=j.who.max(), first=j["first"].min(),
        last=j["last"].max(), entries=j.count(), own_first=j.event_date.min(), own_last=j.event_date.max(),
        lag=j.lag.max())
    own = own.left_join(usual, own.unit_id == usual.u_unit)
    usual_lag = own.usual.fill_null(0)
    spread = own.own_last.delta(own.own_first, unit="day") >= p["record_span_days"]
    late = own.lag >= usual_lag + p["late_days"]
    own = own.filter(spread | late).mutate(usual=usual_lag)
    return own.group_by([own.record_type, own.record_id, own.unit_id]).agg(
        start=own.start.min(), end=own["end"].max(), cards=own.cards.max(), who=own.who.max(),
        first=own["first"].min(), last=own["last"].max(), own_first=own.own_first.min(),
        own_last=own.own_last.max(), lag=own.lag.max(), usual=own.usual.max(), risk=own.entries.max())


def explain_burst_record(row: Row, p: Params, labels: Labels) -> str:
    if row["risk"] > 1 and row["own_first"] != row["own_last"]:
        own = f"此手册 {fmt(row['own_first'])} 至 {fmt(row['own_last'])} 的 {row['risk']} 次检查/访视一并录入"
    else:
        own = f"此手册 {fmt(row['own_first'])} 的检查"
    own += f"，最晚的在检查后 {row['lag']} 天才录入（本单位一般 {fmt(row['usual'], 0)} 天）"
    return own + "，属于集中录入：" + _burst_text(dict(row), labels.unit(row["unit_id"]), labels)


# ---- too little variance -------------------------------------------------------------------------------

Z_SPREAD = {"waz": ("fwaz", "年龄别体重 z", 1.17, 1.46), "laz": ("flaz", "年龄别身长/身高 z", 1.35, 1.95),
            "wlz": ("fwlz", "身长/身高别体重 z", 1.08, 1.50)}


def build_spread(column: str) -> Any:
    flag_col = Z_SPREAD[column][0]

    def build(d: ScanData, p: Params, min_n: int) -> ir.Table:
        e = d["exams"].filter(ibis._.in_period)
        valid = e[column].notnull() & ~e[column].isnan() & ~(e[flag_col] == 1).fill_null(False)
        g = e.group_by(unit_id=e.unit_id).agg(exams=e.count(), n=flag(valid).sum(), sd=e[column].std(where=valid),
                                               mean=e[column].mean(where=valid))
        df = g.n - 1
        stat = df * g.sd ** 2 / p["sigma0"] ** 2
        g = g.mutate(stat=stat, critical=wilson_hilferty_quantile(df, normal_quantile(p["alpha"])))
        ref = (g.stat < g.critical) & (g.sd < p["sigma0"] * p["max_ratio"])
        g = judge(g, "sd", ref, judged=g.n >= min_n, direction="low", p=p)
        return verdict(g, n=g.n, measured=g.sd, threshold=p["sigma0"] * p["max_ratio"], fired=g.peer_fired,
                       min_n=min_n,
                       undecided=[((g.n == 0) & (g.exams > 0), "noz")])
    return build


def implicate_spread(column: str) -> Any:
    """In a unit whose spread is too small: the children whose every exam lies next to the unit's median."""
    flag_col = Z_SPREAD[column][0]

    def implicate(d: ScanData, p: Params, min_n: int) -> ir.Table:
        e = d["exams"]
        e = e.filter(e.in_period & e[column].notnull() & ~e[column].isnan() & ~(e[flag_col] == 1).fill_null(False))
        e = e.mutate(median=e[column].median().over(group_by=e.unit_id))
        near = (e[column] - e.median).abs() <= p["band"]
        g = e.group_by([e.unit_id, e.record_id]).agg(exams=e.count(), near=flag(near).sum(), median=e.median.max(),
                                                     low=e[column].min(), high=e[column].max())
        g = g.filter(g.near == g.exams)
        return g.select(record_type=ibis.literal("child"), record_id=g.record_id, unit_id=g.unit_id, exams=g.exams,
                        median=g.median, low=g.low, high=g.high)
    return implicate


def explain_spread_record(column: str) -> Any:
    name = Z_SPREAD[column][1]

    def explain(row: Row, p: Params, labels: Labels) -> str:
        return (f"本期 {row['exams']} 次体检的{name} {fmt(row['low'], 2)}～{fmt(row['high'], 2)}，都在本单位中位数 "
                f"{fmt(row['median'], 2)} ±{p['band']} 之内，而本单位离散度过小")
    return explain


def explain_spread_habit(column: str) -> Any:
    name = Z_SPREAD[column][1]

    def explain(row: Row, p: Params, labels: Labels) -> str:
        return (f"的{name} 标准差低于参考值 {fmt(p['sigma0'] * p['max_ratio'], 2)}（各单位中位数 "
                f"{fmt(row['peer_median'], 2)}）")
    return explain


def explain_spread(column: str) -> Any:
    _flag, name, low, high = Z_SPREAD[column]

    def explain(row: Row, p: Params, labels: Labels) -> str:
        p_value = chi2_lower_p(float(row["stat"]), float(row["n"] - 1))
        text = (f"本期 {row['n']} 次体检的{name} 标准差为 {fmt(row['measured'], 2)}，正常人群约 {low}–{high}"
                + judged_words(row, p, fired="测量值过于一致", passed="未见离散度过小"))
        return text + (f"{METHOD_MARK}T = (n−1)s²/σ0² = {fmt(row['stat'], 1)}（σ0 = {p['sigma0']}），"
                       f"χ²({row['n'] - 1}) 下侧概率 p = {p_value:.2g}")
    return explain


# ---- the same BP at every visit --------------------------------------------------------------------------

def build_same_bp(d: ScanData, p: Params, min_n: int) -> ir.Table:
    a = d["antenatal"]
    a = a.filter(a.in_period & a.sbp.notnull() & a.dbp.notnull())
    pairs = a.group_by([a.unit_id, a.sbp, a.dbp]).agg(count=a.count())
    pairs = pairs.mutate(total=pairs["count"].sum().over(group_by=pairs.unit_id),
                         rank=ibis.row_number().over(group_by=pairs.unit_id,
                                                     order_by=[ibis.desc(pairs["count"]), pairs.sbp, pairs.dbp]))
    top = pairs.filter(pairs["rank"] == 0)
    top = top.mutate(share=top["count"].cast("float64") / top.total)
    top = judge(top, "share", top.share >= p["share"], judged=top.total >= min_n, direction="high", p=p)
    return verdict(top, n=top.total, measured=top.share, threshold=p["share"], fired=top.peer_fired, min_n=min_n)


def explain_same_bp(row: Row, p: Params, labels: Labels) -> str:
    return (f"本期 {row['n']} 次产前检查中 {row['count']} 次血压都记为 {row['sbp']}/{row['dbp']} mmHg"
            f"（{pct(row['measured'])}，参考判定 ≥ {pct(p['share'], 0)}）"
            + judged_words(row, p, fired="血压千篇一律", passed="未见千篇一律", digits=1, percent=True))


def explain_same_bp_habit(row: Row, p: Params, labels: Labels) -> str:
    return f"最常见的一个血压值占本单位产检的 {pct(p['share'], 0)} 以上（各单位中位数 {pct(row['peer_median'])}）"


def implicate_same_bp(d: ScanData, p: Params, min_n: int) -> ir.Table:
    a = d["antenatal"].filter(ibis._.sbp.notnull() & ibis._.dbp.notnull())
    g = a.group_by([a.unit_id, a.record_id]).agg(visits=a.count(), pairs=(a.sbp * 1000 + a.dbp).nunique(),
                                                  sbp=a.sbp.max(), dbp=a.dbp.max())
    g = g.filter((g.visits >= p["min_visits"]) & (g.pairs == 1))
    return g.select(record_type=ibis.literal("pregnancy"), record_id=g.record_id, unit_id=g.unit_id,
                    visits=g.visits, sbp=g.sbp, dbp=g.dbp)


def explain_same_bp_record(row: Row, p: Params, labels: Labels) -> str:
    return f"全部 {row['visits']} 次产前检查血压都是 {row['sbp']}/{row['dbp']} mmHg，且本单位血压千篇一律"


# ---- exams on Sundays and holidays (on the scheduled day: ``schedule.py``) -----------------------------------------------

def build_off_days(d: ScanData, p: Params, min_n: int) -> ir.Table:
    a, q, e = d["antenatal"], d["postpartum"], d["exams"]
    days = ibis.union(a.filter(a.in_period).select("unit_id", on=a.visit_on),
                      q.filter(q.in_period).select("unit_id", on=q.visit_on),
                      e.filter(e.in_period).select("unit_id", on=e.exam_on))
    days = days.filter(days.on.notnull())
    h = d["holidays"]
    j = days.left_join(h, days.on == h.day)
    off = (j.on.day_of_week.index() == 6) | j.day.notnull()
    g = j.group_by(unit_id=j.unit_id).agg(n=j.count(), off=flag(off).sum())
    peer_n = g.n.sum().over() - g.n
    peer_share = ibis.cases((peer_n > 0, (g.off.sum().over() - g.off).cast("float64") / peer_n),
                            else_=ibis.null().cast("float64"))
    g = g.mutate(peer_share=peer_share, peer_n=peer_n)
    limit = ibis.greatest(ibis.literal(float(p["min_share"])), g.peer_share * p["ratio"])
    g = g.mutate(limit=limit, share=g.off.cast("float64") / g.n)
    g = judge(g, "share", g.share >= g["limit"], judged=g.n >= min_n, direction="high", p=p)
    return verdict(g, n=g.n, measured=g.share, threshold=p["min_share"], fired=g.peer_fired,
                   min_n=min_n, undecided=[((g.n >= min_n) & (g.peer_n < min_n), "peer_small")])


def explain_off_days(row: Row, p: Params, labels: Labels) -> str:
    return (f"本期 {row['n']} 次检查/访视中 {row['off']} 次（{pct(row['measured'])}）在星期日或法定节假日，"
            f"其他单位合计 {pct(row['peer_share'])}（判定 ≥ {pct(row['limit'])}，即其他单位的 {p['ratio']} 倍且至少 "
            f"{pct(p['min_share'], 0)}）" + judged_words(row, p, fired="偏多", passed="未见偏多", digits=1, percent=True))


def explain_off_days_habit(row: Row, p: Params, labels: Labels) -> str:
    return f"的检查/访视在星期日或节假日的比例偏高（各单位中位数 {pct(row['peer_median'])}）"


# ---- too-even monthly counts -------------------------------------------------------------------------------

def build_even_counts(d: ScanData, p: Params, min_n: int) -> ir.Table:
    v = monthly_series(d, p)
    per = v.group_by([v.unit_id, v.code]).agg(k=v.count(), mean=v.value.mean(), var=v.value.var())
    dispersion = ibis.cases((per.mean > 0, per.var / per.mean), else_=ibis.null().cast("float64"))
    stat = (per.k - 1) * dispersion
    critical = wilson_hilferty_quantile(per.k - 1, normal_quantile(p["alpha"]))
    judged = (per.k >= min_n) & (per.mean >= p["min_mean"])
    bad = judged & (stat < critical).fill_null(False)
    per = per.mutate(dispersion=dispersion)
    g = per.group_by(unit_id=per.unit_id).agg(
        n=per.k.max(), judged=flag(judged).sum(), bad=flag(bad).sum(),
        dispersion=per.dispersion.median(where=judged),
        items=ibis.struct({"code": per.code, "k": per.k, "mean": per.mean, "var": per["var"],
                           "dispersion": per.dispersion}).collect(where=bad))
    g = judge(g, "dispersion", g.bad > 0, judged=(g.n >= min_n) & (g.judged > 0), direction="low", p=p)
    return verdict(g, n=g.n, measured=g.bad.cast("float64"), threshold=p["alpha"], fired=g.peer_fired, min_n=min_n,
                   undecided=[((g.judged == 0) & (g.n >= min_n), "small")])


def explain_even_counts(row: Row, p: Params, labels: Labels) -> str:
    found = [f"{labels.element(i['code'])} {i['k']} 个月均值 {fmt(i['mean'])}、方差 {fmt(i['var'])}，方差/均值 = "
             f"{fmt(i['dispersion'], 2)}" for i in items(row)]
    if not found:
        return "月度计数的离散程度正常"
    return ("月报数字过于均匀（真实计数的方差/均值约为 1 或更大）：" + "；".join(found)
            + f"。本单位各数据项方差/均值的中位数 {fmt(row['dispersion'], 2)}"
            + judged_words(row, p, fired="过于均匀", passed="未见异常"))


def explain_even_counts_habit(row: Row, p: Params, labels: Labels) -> str:
    return f"的月报数字过于均匀（各单位方差/均值的中位数 {fmt(row['peer_median'], 2)}）"


_check("DQ-F01", "集中录入（一次写成）", Level.OPERATOR, Severity.HIGH, build_bursts, explain_bursts,
       {"gap_minutes": 10, "min_cards": 20, "min_span_days": 60, "record_span_days": 28, "late_days": 60}, 20,
       "间隔 ≤ {gap_minutes} 分钟的连续录入中 ≥ {min_cards} 张卡片，检查日期跨度 ≥ {min_span_days} 天",
       f"{QUALITY_MD}；通报“孕产妇保健卡片个别乡镇一笔写成”。导入批次中所有行录入时间相同的（导入时间）不计。"
       "判定后只列出集中录入中自身带有证据的手册：一并录入了自身相隔 ≥ 28 天的多次检查（整张卡片一次写成），"
       "或比本单位平时（集中录入以外的录入延迟的中位数）晚 60 天以上才录入（事后写成）；同一次录入中只录了一次"
       "近期检查、延迟与平时相当的手册是按时补录纸质卡片，不列出。",
       implicate=implicate_bursts, explain_record=explain_burst_record, habit=True,
       explain_habit=explain_bursts_habit)
for _i, _col in enumerate(("waz", "laz", "wlz"), start=2):
    _f, _name, _low, _high = Z_SPREAD[_col]
    _check(f"DQ-F0{_i}", f"{_name} 离散度过小", Level.UNIT, Severity.HIGH, build_spread(_col), explain_spread(_col),
           {"sigma0": _low, "alpha": 0.001, "max_ratio": 0.65, "band": 0.25}, 30,
           "标准差 < {max_ratio} × σ0 且 χ² 下侧检验 T=(n−1)s²/σ0² 的 p < {alpha}（σ0 = {sigma0}）",
           f"{QUALITY_MD}：正常人群 {_name} 标准差 {_low}–{_high}（WHO 多国调查）；取下限作 σ0。样本大时检验对很小的差别"
           "也显著，所以还要求标准差低于 σ0 的 65%（“远低于”）：测量出色的单位标准差可低到 0.8 左右（SMART 可接受范围"
           "0.8–1.2 的下限），抄写或编造的数值远低于此。标准差为 0（全部相同）也判为可疑。"
           "判定后，每次体检都在本单位中位数 ±0.25 之内的儿童列为可疑手册。",
           implicate=implicate_spread(_col), explain_record=explain_spread_record(_col), habit=True,
           explain_habit=explain_spread_habit(_col))
_check("DQ-F05", "血压千篇一律", Level.UNIT, Severity.HIGH, build_same_bp, explain_same_bp,
       {"share": 0.5, "min_visits": 3}, 30, "同一血压值占本期产检 ≥ {share:.0%}",
       f"{QUALITY_MD}：每个孕妇每次都是同一血压（如 120/80）。真实记录即使偏好整十，最常见的一个血压值一般也不到三成。",
       implicate=implicate_same_bp, explain_record=explain_same_bp_record, habit=True,
       explain_habit=explain_same_bp_habit)
_check("DQ-F11", "星期日/节假日检查偏多", Level.UNIT, Severity.LOW, build_off_days, explain_off_days,
       {"min_share": 0.10, "ratio": 2.0}, 30, "比例 ≥ 其他单位的 {ratio} 倍且 ≥ {min_share:.0%}",
       f"{QUALITY_MD}：检查日期在星期日和节假日。与同县其他单位比较（各地门诊安排不同）；节假日含元旦、春节、劳动节、国庆。",
       habit=True, explain_habit=explain_off_days_habit)
_check("DQ-F12", "月报数字过于均匀", Level.UNIT, Severity.MEDIUM, build_even_counts, explain_even_counts,
       {"alpha": 0.001, "min_mean": 5, "months": 12, "elements": CORE}, 6,
       "方差/均值的 χ² 下侧检验 p < {alpha}（至少 {min_n} 个月、均值 ≥ {min_mean}）",
       f"{QUALITY_MD}：计数的方差/均值 ≪ 1。真实计数近似泊松分布，(k−1)·方差/均值 服从 χ²(k−1)。",
       habit=True, explain_habit=explain_even_counts_habit)
