"""§1 Routine reports (WHO Data Quality Review defaults): completeness, timeliness, missing and zero
values, outliers in a unit's monthly series, consistency over time, related indicators, denominators."""

from __future__ import annotations

from typing import Any

import ibis
import ibis.expr.types as ir
import pyarrow as pa

from ducha.core.reporting_rates import (
    COMPLETENESS_CHECK,
    DEFAULT_MIN_RATES,
    TIMELINESS_CHECK,
    completeness_fraction,
    timeliness_fraction,
)
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

CORE = ["PREG_REGISTERED", "ANC_ANY", "PARTURIENTS", "LIVE_BIRTHS", "POSTPARTUM_VISIT", "CHILD_U3_EXAMS",
        "FAC_DELIVERIES", "FAC_LIVE_BIRTHS"]
WHO_DQR = "WHO《卫生机构数据质量评估》(Data Quality Review, 2017) 推荐值；quality.md §1"


def month_idx(code: str) -> int:
    return int(code[:4]) * 12 + int(code[4:6]) - 1


def period_bounds(d: ScanData, years_back: int = 0) -> tuple[int, int]:
    codes = d.period.month_codes()
    return month_idx(codes[0]) - 12 * years_back, month_idx(codes[-1]) - 12 * years_back


def month_label(code: Any) -> str:
    text = str(code)
    return f"{text[:4]}年{int(text[4:6])}月" if len(text) >= 6 else text


def items(row: Row, key: str = "items") -> list[dict[str, Any]]:
    return list(row.get(key) or [])


def _reporting(d: ScanData) -> ir.Table:
    e, s = d["expected_reports"], d["submissions"]
    j = e.left_join(s, [e.unit_id == s.unit_id, e.data_set_id == s.data_set_id, e.month == s.month])
    missing = j.submitted_on.isnull()
    late = j.submitted_on > j.deadline
    return j.group_by(unit_id=j.unit_id).agg(
        n=j.count(), received=flag(~missing).sum(), timely=flag(~missing & ~late.fill_null(False)).sum(),
        missing=j.month.collect(where=missing), late=j.month.collect(where=late))


def build_completeness(d: ScanData, p: Params, min_n: int) -> ir.Table:
    g = _reporting(d)
    rate = completeness_fraction(g.received, g.n)
    return verdict(g, n=g.n, measured=rate, threshold=p["min_rate"], fired=rate < p["min_rate"], min_n=min_n)


def explain_completeness(row: Row, p: Params, labels: Labels) -> str:
    missing = "、".join(month_label(m) for m in sorted(row.get("missing") or []))
    return (f"应报 {row['n']} 份月报，实报 {row['received']} 份，报告完整率 {pct(row['measured'])}"
            f"（要求 ≥ {pct(p['min_rate'], 0)}）" + (f"；缺报：{missing}" if missing else ""))


def build_timeliness(d: ScanData, p: Params, min_n: int) -> ir.Table:
    g = _reporting(d)
    rate = timeliness_fraction(g.timely, g.n)
    return verdict(g, n=g.n, measured=rate, threshold=p["min_rate"], fired=rate < p["min_rate"], min_n=min_n)


def explain_timeliness(row: Row, p: Params, labels: Labels) -> str:
    late = "、".join(month_label(m) for m in sorted(row.get("late") or []))
    missing = "、".join(month_label(m) for m in sorted(row.get("missing") or []))
    text = (f"应报 {row['n']} 份，按期报送 {row['timely']} 份，报告及时率 {pct(row['measured'])}"
            f"（要求 ≥ {pct(p['min_rate'], 0)}）")
    return text + (f"；迟报：{late}" if late else "") + (f"；缺报：{missing}" if missing else "")


def build_missing_values(d: ScanData, p: Params, min_n: int) -> ir.Table:
    core, s, v = d["core_elements"], d["submissions"], d["reports"]
    core = core.filter(core.code.isin(list(p["elements"])))
    cells = core.join(s, [core.unit_id == s.unit_id, core.data_set_id == s.data_set_id]).select(
        "unit_id", "code", "month")
    j = cells.left_join(v, [cells.unit_id == v.unit_id, cells.code == v.code, cells.month == v.month])
    bad = j.value.isnull() | (j.value == 0)
    g = j.group_by(unit_id=j.unit_id).agg(
        n=j.count(), bad=flag(bad).sum(),
        items=ibis.struct({"code": j.code, "month": j.month, "value": j.value}).collect(where=bad))
    share = 1 - g.bad.cast("float64") / g.n
    return verdict(g, n=g.n, measured=share, threshold=p["min_rate"], fired=share < p["min_rate"], min_n=min_n)


def explain_missing_values(row: Row, p: Params, labels: Labels) -> str:
    cells = [f"{month_label(i['month'])}{labels.element(i['code'])}"
             f"{'未填' if i['value'] is None else '为 0'}" for i in items(row)[:8]]
    more = f"等 {row['bad']} 项" if row["bad"] > 8 else ""
    return (f"已报月报的 {row['n']} 个核心数据项中，非空且非零的占 {pct(row['measured'])}"
            f"（要求 ≥ {pct(p['min_rate'], 0)}）" + (f"：{'、'.join(cells)}{more}" if cells else ""))


# ---- outliers in a unit's monthly series -------------------------------------------------------------

def monthly_series(d: ScanData, p: Params) -> ir.Table:
    """The last ``months`` months of each core element per unit, with median, MAD and modified z."""
    first, last = period_bounds(d)
    v = d["reports"]
    v = v.filter((v.midx > last - int(p["months"])) & (v.midx <= last) & (v.aggregation == "sum")
                 & v.code.isin(list(p["elements"])))
    key = [v.unit_id, v.code]
    v = v.mutate(med=v.value.median().over(group_by=key), length=v.value.count().over(group_by=key))
    v = v.mutate(dev=(v.value - v.med).abs())
    v = v.mutate(mad=v.dev.median().over(group_by=[v.unit_id, v.code]))
    mz = ibis.cases((v.mad > 0, 0.6745 * v.dev / v.mad), else_=ibis.null().cast("float64"))
    return v.mutate(mz=mz, in_period=(v.midx >= first) & (v.midx <= last))


def build_extreme_outliers(d: ScanData, p: Params, min_n: int) -> ir.Table:
    v = monthly_series(d, p)
    judged = (v.length >= min_n) & (v.mad > 0)
    hit = judged & v.in_period & (v.mz > p["mz"])
    g = v.group_by(unit_id=v.unit_id).agg(
        n=v.length.max(), judged=v.code.nunique(where=judged), outliers=flag(hit).sum(),
        items=ibis.struct({"code": v.code, "month": v.month, "value": v.value, "med": v.med, "mad": v.mad,
                           "mz": v.mz}).collect(where=hit))
    return verdict(g, n=g.n, measured=g.outliers.cast("float64"), threshold=p["mz"], fired=g.outliers > 0,
                   min_n=min_n, undecided=[((g.judged == 0) & (g.n >= min_n), "mad0")])


def _outlier_text(i: dict[str, Any], labels: Labels) -> str:
    return (f"{labels.element(i['code'])} {month_label(i['month'])} 为 {fmt(i['value'], 0)}，近 12 个月中位数 "
            f"{fmt(i['med'])}、MAD {fmt(i['mad'])}，修正 z = {fmt(i['mz'])}")


def explain_extreme_outliers(row: Row, p: Params, labels: Labels) -> str:
    found = items(row)[:6]
    if not found:
        return f"核心数据项各月数值都在本单位一般水平之内{METHOD_MARK}没有修正 z > {fmt(p['mz'])} 的数值"
    words = [f"{labels.element(i['code'])} {month_label(i['month'])} 为 {fmt(i['value'], 0)}（近 12 个月中位数 "
             f"{fmt(i['med'])}）" for i in found]
    return (f"{row['outliers']} 个月报数值远离本单位近 12 个月的一般水平：" + "；".join(words) + METHOD_MARK
            + f"极端离群值：修正 z > {fmt(p['mz'])}。" + "；".join(_outlier_text(i, labels) for i in found))


def build_moderate_outliers(d: ScanData, p: Params, min_n: int) -> ir.Table:
    v = monthly_series(d, p)
    judged = (v.length >= min_n) & (v.mad > 0)
    moderate = judged & (v.mz > p["mz_low"]) & (v.mz <= p["mz_high"])
    per = v.group_by([v.unit_id, v.code]).agg(
        length=v.length.max(), judged=judged.any(), count=flag(moderate).sum(),
        in_period=flag(moderate & v.in_period).sum(),
        months=v.month.collect(where=moderate))
    bad = (per["count"] >= p["min_count"]) & (per.in_period > 0)
    g = per.group_by(unit_id=per.unit_id).agg(
        n=per.length.max(), judged=flag(per.judged).sum(), elements=flag(bad).sum(),
        items=ibis.struct({"code": per.code, "count": per["count"], "months": per.months}).collect(where=bad))
    return verdict(g, n=g.n, measured=g.elements.cast("float64"), threshold=p["min_count"], fired=g.elements > 0,
                   min_n=min_n, undecided=[((g.judged == 0) & (g.n >= min_n), "mad0")])


def explain_moderate_outliers(row: Row, p: Params, labels: Labels) -> str:
    found = [f"{labels.element(i['code'])}（{'、'.join(month_label(m) for m in sorted(i['months']))}）"
             for i in items(row)]
    return (f"{len(found)} 个数据项近 12 个月有 ≥ {p['min_count']} 个月明显偏离一般水平：" + "、".join(found)
            + f"{METHOD_MARK}中度离群值：修正 z 在 {fmt(p['mz_low'])}–{fmt(p['mz_high'])} 之间") if found \
        else "没有数据项出现多个中度离群值"


# ---- sums over the period ------------------------------------------------------------------------------

def period_sums(d: ScanData, years_back: int = 0) -> ir.Table:
    first, last = period_bounds(d, years_back)
    v = d["reports"]
    v = v.filter((v.midx >= first) & (v.midx <= last))
    return v.group_by([v.unit_id, v.code]).agg(total=v.value.sum(), months=v.month.nunique())


def build_consistency(d: ScanData, p: Params, min_n: int) -> ir.Table:
    elements = list(p["elements"])
    parts = [period_sums(d, y).mutate(back=ibis.literal(y)) for y in range(0, int(p["years"]) + 1)]
    s = ibis.union(*parts)
    s = s.filter(s.code.isin(elements))
    per = s.group_by([s.unit_id, s.code]).agg(
        current=s.total.sum(where=s.back == 0), has_current=(s.back == 0).any(),
        prev_sum=s.total.sum(where=s.back > 0), prev_years=s.back.nunique(where=s.back > 0))
    prev_mean = per.prev_sum / per.prev_years
    per = per.mutate(prev_mean=prev_mean, ratio=ibis.cases((prev_mean > 0, per.current / prev_mean),
                                                           else_=ibis.null().cast("float64")))
    judged = per.has_current & (per.prev_years > 0) & (per.prev_mean >= min_n)
    bad = judged & ((per.ratio - 1).abs() > p["tolerance"])
    g = per.group_by(unit_id=per.unit_id).agg(
        judged=flag(judged).sum(), has_prev=(per.prev_years > 0).any(), bad=flag(bad).sum(),
        items=ibis.struct({"code": per.code, "current": per.current, "prev_mean": per.prev_mean,
                           "ratio": per.ratio, "years": per.prev_years}).collect(where=bad))
    return verdict(g, n=g.judged, measured=g.bad.cast("float64"), threshold=p["tolerance"], fired=g.bad > 0,
                   min_n=1, undecided=[(~g.has_prev, "noprev"), (g.judged == 0, "small")])


def explain_consistency(row: Row, p: Params, labels: Labels) -> str:
    found = [f"{labels.element(i['code'])} 本期 {fmt(i['current'], 0)}，前 {i['years']} 年同期平均 "
             f"{fmt(i['prev_mean'])}，为其 {pct(i['ratio'], 0)}" for i in items(row)]
    return (f"与前几年同期相比变化超过 ±{pct(p['tolerance'], 0)}：" + "；".join(found)) if found else \
        f"{row['n']} 个数据项与前几年同期相比均在 ±{pct(p['tolerance'], 0)} 之内"


def build_related(d: ScanData, p: Params, min_n: int) -> ir.Table:
    pairs = ibis.memtable(pa.table({"num": [a for a, _ in p["pairs"]], "den": [b for _, b in p["pairs"]]}))
    s = period_sums(d)
    a = s.rename(a_code="code", a="total").drop("months")
    b = s.rename(b_unit="unit_id", b_code="code", b="total").drop("months")
    j = a.join(pairs, a.a_code == pairs.num).join(b, [a.unit_id == b.b_unit, pairs.den == b.b_code])
    ratio = ibis.cases((j.b > 0, j.a / j.b), else_=ibis.null().cast("float64"))
    judged = ibis.greatest(j.a, j.b) >= min_n
    bad = judged & ((ratio - 1).abs() > p["tolerance"]).fill_null(True)
    g = j.group_by(unit_id=j.unit_id).agg(
        judged=flag(judged).sum(), bad=flag(bad).sum(),
        items=ibis.struct({"num": j.num, "den": j.den, "a": j.a, "b": j.b, "ratio": ratio}).collect(where=bad))
    return verdict(g, n=g.judged, measured=g.bad.cast("float64"), threshold=p["tolerance"], fired=g.bad > 0,
                   min_n=1, undecided=[(g.judged == 0, "small")])


def explain_related(row: Row, p: Params, labels: Labels) -> str:
    found = [f"{labels.element(i['num'])} {fmt(i['a'], 0)} 与 {labels.element(i['den'])} {fmt(i['b'], 0)} 之比为 "
             f"{pct(i['ratio'], 0)}" for i in items(row)]
    return (f"相关数据项相差超过 ±{pct(p['tolerance'], 0)}：" + "；".join(found)) if found else \
        f"相关数据项相差均在 ±{pct(p['tolerance'], 0)} 之内"


def build_denominator(d: ScanData, p: Params, min_n: int) -> ir.Table:
    s = period_sums(d)
    s = s.filter(s.code == p["element"])
    u = d["units"]
    share_of_year = len(d.period.months()) / 12
    j = u.left_join(s, u.unit_id == s.unit_id)
    people = j.population.cast("float64")
    if p["birth_rate_per_1000"] is None:  # the pooled rate of the units that reported
        counted = ibis.cases((j.total.notnull() & (people > 0), people), else_=0.0)
        births = ibis.cases((people > 0, j.total), else_=ibis.null().cast("float64"))
        rate = births.sum().over() / counted.sum().over() / share_of_year * 1000
    else:
        rate = ibis.literal(float(p["birth_rate_per_1000"]))
    j = j.mutate(rate=rate, reported=j.total)
    j = j.mutate(expected=people * j.rate / 1000 * share_of_year)
    ratio = ibis.cases((j.expected > 0, j.reported / j.expected), else_=ibis.null().cast("float64"))
    t = j.select("unit_id", "expected", "reported", "rate")
    return verdict(t, n=t.expected.fill_null(0).round(0), measured=ratio, threshold=p["tolerance"],
                   fired=(ratio - 1).abs() > p["tolerance"], min_n=min_n,
                   undecided=[(t.reported.isnull(), "nodata")])


def explain_denominator(row: Row, p: Params, labels: Labels) -> str:
    source = "设定出生率" if p["birth_rate_per_1000"] is not None else "各单位合计出生水平"
    return (f"按服务人口和{source} {fmt(row['rate'], 1)}‰ 估计本期应有{labels.element(p['element'])}约 "
            f"{fmt(row['expected'], 0)} 例，月报 {fmt(row['reported'], 0)} 例，为估计数的 {pct(row['measured'], 0)}"
            f"（允许 ±{pct(p['tolerance'], 0)}）")


def _check(id_: str, title: str, severity: Severity, build: Any, explain: Any, defaults: dict[str, Any],
           min_n: int, threshold: str, rationale: str) -> Check:
    return register(Check(id=id_, title=title, family=Family.REPORTS, level=Level.UNIT, severity=severity,
                          build=build, explain=explain, defaults=defaults, min_n=min_n, threshold=threshold,
                          rationale=rationale))


_check("DQ-R01", "报告完整率低", Severity.MEDIUM, build_completeness, explain_completeness,
       {"min_rate": DEFAULT_MIN_RATES[COMPLETENESS_CHECK]}, 1, "完整率 < {min_rate:.0%}", f"{WHO_DQR}：报告完整率 ≥ 90%。")
_check("DQ-R02", "报告及时率低", Severity.LOW, build_timeliness, explain_timeliness,
       {"min_rate": DEFAULT_MIN_RATES[TIMELINESS_CHECK]}, 1, "及时率 < {min_rate:.0%}", f"{WHO_DQR}：报告及时率 ≥ 75%；期限为报表设置的期末后天数。")
_check("DQ-R03", "核心数据项缺失或为零", Severity.MEDIUM, build_missing_values, explain_missing_values,
       {"min_rate": 0.90, "elements": CORE}, 1, "非空非零占比 < {min_rate:.0%}",
       f"{WHO_DQR}：指标值不缺失、不为零 ≥ 90%。只看每月必然发生的核心数据项（死亡等少见事件为 0 是正常的）。")
_check("DQ-R04", "月报数值极端离群", Severity.MEDIUM, build_extreme_outliers, explain_extreme_outliers,
       {"mz": 3.5, "months": 12, "elements": CORE}, 6, "修正 z > {mz}（近 {months} 个月，至少 {min_n} 个月）",
       "quality.md §1 稳健版本：修正 z = 0.6745·|x−中位数|/MAD > 3.5（Iglewicz–Hoaglin）；小序列不用均值±2SD。"
       "MAD = 0 的序列跳过，不判为可疑。")
_check("DQ-R05", "月报数值多个中度离群", Severity.LOW, build_moderate_outliers, explain_moderate_outliers,
       {"mz_low": 2.0, "mz_high": 3.5, "min_count": 2, "months": 12, "elements": CORE}, 6,
       "同一数据项近 {months} 个月修正 z 在 {mz_low}–{mz_high} 的 ≥ {min_count} 个",
       f"{WHO_DQR}：中度离群（2–3 SD）一年内 ≥ 2 个即提示；此处用稳健的修正 z。")
_check("DQ-R06", "与往年同期不一致", Severity.LOW, build_consistency, explain_consistency,
       {"tolerance": 0.33, "years": 3, "elements": CORE}, 30, "与前 {years} 年同期平均相差 > ±{tolerance:.0%}",
       f"{WHO_DQR}：本年与前 3 年平均之比 ±33%。前几年同期平均少于最小样本量（默认 30 例）时随机波动太大（30 例的泊松标准差约 18%），不判断。")
_check("DQ-R07", "分娩数与活产数不符", Severity.MEDIUM, build_related, explain_related,
       {"tolerance": 0.10, "pairs": [["LIVE_BIRTHS", "PARTURIENTS"], ["FAC_LIVE_BIRTHS", "FAC_DELIVERIES"]]}, 30,
       "相差 > ±{tolerance:.0%}", f"{WHO_DQR}：相关指标（分娩与活产）之比 ±10%；双胎使活产略多于产妇。")
_check("DQ-R08", "建册数与首次产检数不符", Severity.LOW, build_related, explain_related,
       {"tolerance": 0.10, "pairs": [["PREG_REGISTERED", "ANC_FIRST"]]}, 30, "相差 > ±{tolerance:.0%}",
       f"{WHO_DQR}：相关指标（建册与首次产前检查 ANC1）之比 ±10%。需要月报有首次产前检查人数（默认编码 ANC_FIRST，"
       "可在设置中改）；妇幼保健月报表的“产前检查人数”是产妇中做过产前检查的人数，与建册人数口径不同，不拿来比较。")
_check("DQ-R09", "活产数与人口估计不符", Severity.LOW, build_denominator, explain_denominator,
       {"tolerance": 0.10, "birth_rate_per_1000": None, "element": "LIVE_BIRTHS"}, 30,
       "与 服务人口×出生率 估计数相差 > ±{tolerance:.0%}",
       f"{WHO_DQR}：按人口估计的分母与上报数之比 ±10%。出生率默认用本次检查各单位合计的水平（上报活产 ÷ 服务人口），"
       "也可在设置中填本县统计公报的出生率（‰）。")
