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


def slip_allowance(size: Any, p: Params) -> Any:
    """The largest register/report difference honest recording slips explain: each of ``size`` records missed
    or misdated on one side with probability ``slip``, binomial upper bound at ``z`` (works on numbers and
    Ibis expressions)."""
    return size * p["slip"] + p["z"] * (size * p["slip"] * (1 - p["slip"])) ** 0.5


def build_vf(d: ScanData, p: Params, min_n: int) -> ir.Table:
    """Register recount ÷ reported count per unit and indicator (``register_indicator_table``): outside the
    band, and by more records than recording slips explain (so one or two records on a small count do not fire)."""
    t = d["register_vf"]
    judged, outside, bad = _mismatch(t, p, min_n)
    g = t.group_by(unit_id=t.unit_id).agg(
        judged=flag(judged).sum(), bad=flag(bad).sum(), any_vf=t.vf.notnull().any(),
        slips=flag(outside & ~bad).sum(),
        items=ibis.struct({"name": t.indicator_name, "register": t.register_numerator,
                           "reported": t.reported_numerator, "vf": t.vf}).collect(where=bad))
    return verdict(g, n=g.judged, measured=g.bad.cast("float64"), threshold=p["high"], fired=g.bad > 0, min_n=1,
                   undecided=[(~g.any_vf, "noreport"), (g.judged == 0, "small")])


def _mismatch(t: ir.Table, p: Params, min_n: int) -> tuple[ir.BooleanValue, ir.BooleanValue, ir.BooleanValue]:
    """Per ``register_vf`` row: judged (a factor on a count ≥ ``min_n``), outside the band, and outside by more
    records than recording slips explain — the rule DQ-V01 fires on and lists its deliveries by."""
    size = ibis.greatest(t.register_numerator, t.reported_numerator.fill_null(0))
    judged = t.vf.notnull() & (size >= min_n)
    outside = judged & ((t.vf < p["low"]) | (t.vf > p["high"]))
    allowance = slip_allowance(size.cast("float64"), p)
    return judged, outside, outside & ((t.register_numerator - t.reported_numerator).abs() > allowance)


def _vf_text(i: dict[str, Any]) -> str:
    direction = "少报（登记多于报表）" if i["vf"] > 1 else "多报（报表多于登记）"
    return f"{i['name']} 登记簿 {i['register']}、月报 {i['reported']}，核实系数 {fmt(i['vf'], 2)}，{direction}"


def explain_vf(row: Row, p: Params, labels: Labels) -> str:
    found = [_vf_text(i) for i in items(row)]
    window = f"{fmt(p['low'], 2)}–{fmt(p['high'], 2)}"
    if found:
        return f"核实系数（登记簿重新计数 ÷ 月报数）超出 {window}：" + "；".join(found)
    slips = row.get("slips") or 0
    if slips:
        return (f"{row['n']} 项指标中 {slips} 项的核实系数超出 {window}，但相差的例数在登记误差之内"
                f"（计数小，一两例之差），不算不符")
    return f"{row['n']} 项指标的核实系数都在 {window} 之内"


CAESAREAN_INDICATOR = "REGISTER_CAESAREAN_RATE"   # the register indicator counted against the reported CAESAREAN
NOT_IN_HOSPITAL = ("家", "途中")                    # 家中、在家、途中: no operating theatre, never a caesarean
CS_BLOOD_RATIO = 1.25   # the scan's registered caesareans must bleed this much more than its vaginal births


def hidden_caesareans(d: ScanData, missing: ir.Table, p: Params) -> ir.Table:
    """The deliveries most likely to be caesareans written down as vaginal, at most the missing number per unit.

    ``missing`` is (unit_id, missing): how many caesareans the unit's register lacks against what it implies (its
    report, or its peers). Candidates are the period's births (stillbirths left out, as in the report's count of
    live births) registered as not caesarean (vaginal, assisted or blank) outside the home or the road: a caesarean is done only where there is an operating theatre. The record's
    own evidence is its blood loss: a caesarean loses about twice the blood of a vaginal birth (roughly 400–500 ml
    against 200–300 ml), so a "vaginal" delivery bleeding more than the county's typical vaginal birth (the median
    of all units' non-caesarean deliveries) is ambiguous. The most bleeding candidates come first and no more are
    listed than the count the mismatch implies (twins count twice, as in the report); a delivery bleeding no more
    than a typical vaginal birth, or with no blood loss written, is never listed. Blood loss is evidence only where
    the scan's own registers show it: when the registered caesareans do not bleed ``CS_BLOOD_RATIO`` times more than
    the vaginal births (median against median), blood loss is written without regard to the mode (a habitual value,
    or not measured) and no delivery is listed. Risk = blood loss ÷ that median, so a delivery bleeding twice the
    typical amount ranks higher."""
    t = d["pregnancies"]
    start, end = ibis.date(d.period.start), ibis.date(d.period.end)
    t = t.filter((t.delivered_on >= start) & (t.delivered_on <= end) & (t.outcome.fill_null("") != "stillbirth"))
    births = t.filter(t.delivery_mode.fill_null("") == "caesarean")
    t = t.filter(t.delivery_mode.fill_null("") != "caesarean")
    typical = t.aggregate(typical=t.blood_loss_ml.median()).cross_join(
        births.aggregate(typical_cs=births.blood_loss_ml.median()))
    place = t.delivery_place.fill_null("")
    c = t.filter(~ibis.or_(*[place.contains(word) for word in NOT_IN_HOSPITAL]) & t.blood_loss_ml.notnull())
    c = c.cross_join(typical)
    c = c.filter((c.blood_loss_ml > c.typical) & (c.typical_cs >= CS_BLOOD_RATIO * c.typical))
    c = c.join(missing, c.unit_id == missing.m_unit)
    w = ibis.window(group_by=c.unit_id, order_by=[ibis.desc(c.blood_loss_ml), c.record_id],
                    preceding=None, following=0)
    c = c.mutate(babies_before=c.babies.fill_null(1).sum().over(w) - c.babies.fill_null(1))
    c = c.filter(c.babies_before < c.missing)
    return c.select(record_type=ibis.literal("pregnancy"), record_id=c.record_id, unit_id=c.unit_id,
                    delivered_on=c.delivered_on, mode=c.delivery_mode, blood_loss=c.blood_loss_ml,
                    typical=c.typical.cast("float64"), missing=c.missing,
                    risk=c.blood_loss_ml.cast("float64") / c.typical)


def implicate_vf(d: ScanData, p: Params, min_n: int) -> ir.Table:
    """When the register counts fewer caesareans than the report by more than recording slips explain, the
    deliveries behind the gap (``hidden_caesareans``): the other indicators count records that are not in the
    register at all (over-reporting), or records that are there but not reported, so no single record carries them."""
    t = d["register_vf"]
    t = t.filter((t.indicator_code == CAESAREAN_INDICATOR) & t.reported_numerator.notnull())
    bad = _mismatch(t, p, min_n)[2] & (t.vf < p["low"])
    missing = t.filter(bad).select(m_unit=t.unit_id, missing=t.reported_numerator - t.register_numerator)
    return hidden_caesareans(d, missing, p)


def _mode(value: Any) -> str:
    return {"vaginal": "顺产", "assisted": "助产"}.get(str(value or ""), "未填分娩方式")


def explain_hidden_caesarean(row: Row, p: Params, labels: Labels) -> str:
    return (f"{fmt(row['delivered_on'])} 分娩登记为{_mode(row['mode'])}，产后出血 {row['blood_loss']} ml，"
            f"多于全县非剖宫产分娩的中位数 {fmt(row['typical'], 0)} ml，像剖宫产；本单位登记簿比应有的少 "
            f"{row['missing']} 例剖宫产，按出血量列出最可能的 {row['missing']} 例以内")


def _reported_shares(d: ScanData) -> ir.Table:
    """Per unit: the caesareans and live births its monthly reports give for the period."""
    r = d["reports"]
    r = r.filter(r.month.isin(d.period.month_codes()) & r.code.isin(["CAESAREAN", "LIVE_BIRTHS"]))
    return r.group_by(rep_unit=r.unit_id).agg(
        rep_cs=r.value.sum(where=r.code == "CAESAREAN"), rep_lb=r.value.sum(where=r.code == "LIVE_BIRTHS"))


def build_caesarean(d: ScanData, p: Params, min_n: int) -> ir.Table:
    """Caesarean share among the register's deliveries in the period vs all other units pooled, and vs the
    unit's own monthly reports: a unit whose deliveries are simply fewer caesareans (a poor area) reports the
    same low share; a register that writes caesareans down as vaginal is below its own reports as well."""
    t = d["pregnancies"]
    start, end = ibis.date(d.period.start), ibis.date(d.period.end)
    t = t.filter((t.delivered_on >= start) & (t.delivered_on <= end) & t.delivery_mode.notnull()
                 & (t.delivery_mode != ""))
    g = t.group_by(unit_id=t.unit_id).agg(n=t.count(), cs=flag(t.delivery_mode == "caesarean").sum())
    g = g.mutate(all_n=g.n.sum().over(), all_cs=g.cs.sum().over())
    peer_n = g.all_n - g.n
    nan = ibis.null().cast("float64")
    peer_rate = ibis.cases((peer_n > 0, (g.all_cs - g.cs).cast("float64") / peer_n), else_=nan)
    rate = g.cs.cast("float64") / g.n
    se = (peer_rate * (1 - peer_rate) / g.n).sqrt()
    z = ibis.cases((se > 0, (rate - peer_rate) / se), else_=nan)
    g = g.mutate(rate=rate, peer_rate=peer_rate, peer_n=peer_n, z=z)
    rep = _reported_shares(d)
    g = g.left_join(rep, g.unit_id == rep.rep_unit)
    report_rate = ibis.cases(((g.rep_lb > 0) & g.rep_cs.notnull(), g.rep_cs / g.rep_lb), else_=nan)
    report_se = (report_rate * (1 - report_rate) / g.n).sqrt()
    report_z = ibis.cases((report_se > 0, (g.rate - report_rate) / report_se),
                          (report_rate.notnull(), ibis.literal(0.0)), else_=nan)
    g = g.mutate(report_rate=report_rate, report_z=report_z)
    below_report = g.report_z.isnull() | (g.report_z < -p["z_report"])
    return verdict(g, n=g.n, measured=g.z, threshold=p["z"], fired=(g.z < -p["z"]) & below_report, min_n=min_n,
                   undecided=[((g.n >= min_n) & (g.peer_n < min_n), "peer_small")])


def implicate_caesarean(d: ScanData, p: Params, min_n: int) -> ir.Table:
    """A unit with no caesarean report whose register share is far below its peers: the deliveries behind the gap
    to the peers' share (``hidden_caesareans``). With a report, DQ-V01 lists them against the report's count."""
    g = build_caesarean(d, p, min_n)
    g = g.filter(g.report_rate.isnull() & g.peer_rate.notnull())
    missing = g.select(m_unit=g.unit_id, missing=(g.peer_rate * g.n).round().cast("int64") - g.cs)
    return hidden_caesareans(d, missing.filter(missing.missing > 0), p)


def _share(value: Any) -> str:
    return "空" if value is None or (isinstance(value, float) and math.isnan(value)) else pct(value)


def explain_caesarean(row: Row, p: Params, labels: Labels) -> str:
    fired = row["status"] == "fired"
    report = row.get("report_rate")
    has_report = _share(report) != "空"
    if fired:
        tail = "明显偏低，" + ("也低于本单位月报，" if has_report else "") + "可能把剖宫产登记为平产"
    elif has_report and row["measured"] is not None and row["measured"] < -p["z"]:
        tail = "低于其他单位，但与本单位月报相符（本地剖宫产本来就少），不算登记问题"
    else:
        tail = "与其他单位相比无显著差异"
    own = f"，本单位月报 {_share(report)}" if has_report else "，本单位没有月报可比"
    z_report = row.get("report_z")
    method = f"二项 z = {fmt(row['measured'], 2)}（判定 z < −{fmt(p['z'])}）"
    if has_report:
        method += f"；与月报比 z = {fmt(z_report, 2)}（判定 z < −{fmt(p['z_report'])}）"
    return (f"登记簿本期分娩 {row['n']} 例中剖宫产 {row['cs']} 例（{pct(row['rate'])}），其他单位合计 "
            f"{_share(row['peer_rate'])}（{row['peer_n']} 例）{own}，{tail}{METHOD_MARK}{method}")


register(Check(
    id="DQ-V01", title="登记簿与月报不符（核实系数）", family=Family.VERIFICATION, level=Level.UNIT,
    severity=Severity.HIGH, build=build_vf, explain=explain_vf, implicate=implicate_vf,
    explain_record=explain_hidden_caesarean,
    defaults={"low": 0.90, "high": 1.10, "slip": 0.04, "z": 3.0}, min_n=10,
    threshold="核实系数 < {low} 或 > {high}，且相差例数超过登记误差（每例 {slip} 的漏登错登，{z} 倍标准差；"
              "计数 ≥ {min_n}）",
    rationale="WHO DQR 数据核实：核实系数 = 登记簿重新计数 ÷ 上报数，0.90–1.10 可接受，> 1.10 少报，< 0.90 多报"
              "（quality.md §2）。两边数的是同一件事（按月计数的指标，登记簿也按月计数再相加）。计数小时一两例之差"
              "就会超出 ±10%：计数少于 10 不判断，相差例数还须超过每例 4% 漏登错登的二项上界（3 倍标准差），"
              "如 20 例时相差 4 例以上、50 例时 7 例以上。登记簿剖宫产少于月报时，按少的例数列出最可能是剖宫产的"
              "分娩：登记为顺产、助产或未填，不在家中或途中，产后出血量多于全县非剖宫产分娩的中位数，出血多的在前"
              "（剖宫产出血约为阴道分娩的两倍；本次检查中登记的剖宫产出血中位数不到非剖宫产的 1.25 倍时，出血量说明不了"
              "分娩方式，不列手册）。"))
register(Check(
    id="DQ-V02", title="登记簿剖宫产比例明显低于其他单位", family=Family.VERIFICATION, level=Level.UNIT,
    severity=Severity.MEDIUM, build=build_caesarean, explain=explain_caesarean, implicate=implicate_caesarean,
    explain_record=explain_hidden_caesarean,
    defaults={"z": 3.0, "z_report": 2.0}, min_n=30,
    threshold="与其他单位合计比例比较 z < −{z}，且低于本单位月报比例 z < −{z_report}（分娩 ≥ {min_n} 例）",
    rationale="督查通报：“将剖宫产在分娩登记簿上登记为平产”。单位剖宫产比例与其他单位合计比例的二项 z 检验，"
              "|z| > 3 在 30 例以上时偶然出现的概率约 0.1%；剖宫产本来就少的地方（贫困地区）月报比例也低，"
              "所以还要低于本单位月报的比例（没有月报时只与其他单位比）。计数的核实见 DQ-V01 剖宫产率。"
              "没有月报时，按其他单位的比例算出少登的例数，同 DQ-V01 列出出血量最多的非剖宫产分娩。"))
