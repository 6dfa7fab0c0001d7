"""§3 Record-level checks on pregnancy records (DQ-P…): missing identity or dates, impossible sequences,
implausible values, duplicates. Each returns one row per problem: ``unit_id, record_id`` + evidence."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import ibis
import ibis.expr.types as ir

from ducha.quality.checks.base import (
    Check,
    Family,
    Labels,
    Level,
    Params,
    Row,
    ScanData,
    Severity,
    fmt,
    register,
)

QUALITY_MD = "quality.md §3"
BP = "收缩压 {sbp_min}–{sbp_max}、舒张压 {dbp_min}–{dbp_max} mmHg，舒张压 < 收缩压"
BP_DEFAULTS = {"sbp_min": 70, "sbp_max": 250, "dbp_min": 40, "dbp_max": 150}
HB_DEFAULTS = {"hb_min": 40, "hb_max": 180}


def record_check(id_: str, title: str, severity: Severity, record_type: str, build: Callable[..., ir.Table],
                 explain: Callable[[Row, Params, Labels], str], threshold: str, rationale: str,
                 defaults: dict[str, Any] | None = None) -> Check:
    return register(Check(id=id_, title=title, family=Family.RECORDS, level=Level.RECORD, severity=severity,
                          build=build, explain=explain, defaults=defaults or {}, min_n=1, threshold=threshold,
                          rationale=rationale, record_type=record_type))


def blank(value: ir.StringValue) -> ir.BooleanValue:
    return value.fill_null("").strip() == ""


def pick(t: ir.Table, **columns: Any) -> ir.Table:
    return t.select(unit_id=t.unit_id, record_id=t.record_id, **columns)


def bp_bad(sbp: ir.Value, dbp: ir.Value, p: Params) -> ir.BooleanValue:
    return (((sbp < p["sbp_min"]) | (sbp > p["sbp_max"])).fill_null(False)
            | ((dbp < p["dbp_min"]) | (dbp > p["dbp_max"])).fill_null(False)
            | (dbp >= sbp).fill_null(False))


def null_date() -> ir.Value:
    return ibis.null().cast("date")


# ---- identity and dates ------------------------------------------------------------------------------

def build_identity(d: ScanData, p: Params, min_n: int) -> ir.Table:
    t = d["pregnancies"]
    no_name, no_birth = blank(t.name), t.birth_date.isnull()
    return pick(t.filter(no_name | no_birth), no_name=no_name, no_birth=no_birth)


def explain_identity(row: Row, p: Params, labels: Labels) -> str:
    missing = [label for key, label in (("no_name", "姓名"), ("no_birth", "出生日期")) if row.get(key)]
    if row.get("no_sex"):
        missing.insert(1, "性别")
    return "缺少" + "、".join(missing)


def _visits(d: ScanData) -> ir.Table:
    """Antenatal and postpartum visits in one table with their kind."""
    a, q = d["antenatal"], d["postpartum"]
    cols = ["unit_id", "record_id", "visit_on", "sbp", "dbp", "created_at", "created_date"]
    return ibis.union(a.select(*cols, kind=ibis.literal("产前检查")), q.select(*cols, kind=ibis.literal("产后访视")))


def build_visit_date(d: ScanData, p: Params, min_n: int) -> ir.Table:
    v = _visits(d)
    return pick(v.filter(v.visit_on.isnull()), kind=v.kind, entered=v.created_at)


def explain_visit_date(row: Row, p: Params, labels: Labels) -> str:
    return f"一次{row['kind']}（录入于 {fmt(row['entered'])}）没有检查日期"


def build_measurements(d: ScanData, p: Params, min_n: int) -> ir.Table:
    a = d["antenatal"]
    bad = a.weight_kg.isnull() | a.sbp.isnull() | a.dbp.isnull()
    return pick(a.filter(bad & a.visit_on.notnull()), visit_on=a.visit_on, no_weight=a.weight_kg.isnull(),
                no_bp=a.sbp.isnull() | a.dbp.isnull())


def explain_measurements(row: Row, p: Params, labels: Labels) -> str:
    missing = [label for key, label in (("no_weight", "体重"), ("no_length", "身长/身高"), ("no_bp", "血压"))
               if row.get(key)]
    kind = row.get("kind", "产前检查")
    return f"{kind} {fmt(row['visit_on'])} 缺少" + "、".join(missing)


def _future(t: ir.Table, column: str, entered: str, field: str, tolerance: int) -> ir.Table:
    late = t[column] > t[entered] + ibis.interval(days=tolerance)
    return pick(t.filter(late.fill_null(False)), field=ibis.literal(field), value=t[column],
                entered=t[entered].cast("date"))


def build_future(d: ScanData, p: Params, min_n: int) -> ir.Table:
    t, tol = d["pregnancies"], int(p["tolerance_days"])
    v = _visits(d)
    parts = [_future(t, "registered_on", "created_date", "建册日期", tol), _future(t, "lmp", "created_date", "末次月经", tol),
             _future(t, "delivered_on", "updated_date", "分娩日期", tol),
             _future(t, "check_42d_on", "updated_date", "产后42天检查日期", tol),
             pick(v.filter((v.visit_on > v.created_date + ibis.interval(days=tol)).fill_null(False)),
                  field=v.kind + "日期", value=v.visit_on, entered=v.created_date)]
    return ibis.union(*parts)


def explain_future(row: Row, p: Params, labels: Labels) -> str:
    return f"{row['field']} {fmt(row['value'])} 晚于录入日期 {fmt(row['entered'])}，属超前编写"


def build_visit_before_registration(d: ScanData, p: Params, min_n: int) -> ir.Table:
    a, t = d["antenatal"], d["pregnancies"]
    reg = t.select(rid=t.record_id, registered_on=t.registered_on)
    j = a.join(reg, a.record_id == reg.rid)
    early = (j.visit_on < j.registered_on - ibis.interval(days=int(p["tolerance_days"]))).fill_null(False)
    return pick(j.filter(early), visit_on=j.visit_on, registered_on=j.registered_on)


def explain_visit_before_registration(row: Row, p: Params, labels: Labels) -> str:
    return f"产前检查 {fmt(row['visit_on'])} 早于建册日期 {fmt(row['registered_on'])}"


def build_postpartum_before_delivery(d: ScanData, p: Params, min_n: int) -> ir.Table:
    q, t = d["postpartum"], d["pregnancies"]
    births = t.select(rid=t.record_id, delivered_on=t.delivered_on)
    j = q.join(births, q.record_id == births.rid)
    visit = pick(j.filter((j.visit_on < j.delivered_on).fill_null(False)), kind=ibis.literal("产后访视"),
                 on=j.visit_on, delivered_on=j.delivered_on)
    check = pick(t.filter((t.check_42d_on < t.delivered_on).fill_null(False)), kind=ibis.literal("产后42天检查"),
                 on=t.check_42d_on, delivered_on=t.delivered_on)
    return ibis.union(visit, check)


def explain_postpartum_before_delivery(row: Row, p: Params, labels: Labels) -> str:
    return f"{row['kind']} {fmt(row['on'])} 早于分娩日期 {fmt(row['delivered_on'])}"


def build_weeks_range(d: ScanData, p: Params, min_n: int) -> ir.Table:
    a, t = d["antenatal"], d["pregnancies"]
    lo, hi = p["min_weeks"], p["max_weeks"]

    def outside(v: ir.NumericValue) -> ir.BooleanValue:
        return ((v < lo) | (v > hi)).fill_null(False)

    return ibis.union(
        pick(a.filter(outside(a.weeks)), kind=ibis.literal("产前检查孕周"), on=a.visit_on, weeks=a.weeks),
        pick(t.filter(outside(t.weeks_at_registration)), kind=ibis.literal("建册孕周"), on=t.registered_on,
             weeks=t.weeks_at_registration),
        pick(t.filter(outside(t.delivery_weeks)), kind=ibis.literal("分娩孕周"), on=t.delivered_on,
             weeks=t.delivery_weeks))


def explain_weeks_range(row: Row, p: Params, labels: Labels) -> str:
    return f"{row['kind']} {fmt(row['weeks'])} 周（{fmt(row['on'])}）不在 {p['min_weeks']}–{p['max_weeks']} 周之内"


def build_weeks_lmp(d: ScanData, p: Params, min_n: int) -> ir.Table:
    a, t = d["antenatal"], d["pregnancies"]
    lmp = t.select(rid=t.record_id, lmp=t.lmp)
    j = a.join(lmp, a.record_id == lmp.rid)
    by_lmp = j.visit_on.delta(j.lmp, unit="day").cast("float64") / 7
    visits = pick(j.filter(((j.weeks - by_lmp).abs() > p["tolerance_weeks"]).fill_null(False)),
                  kind=ibis.literal("产前检查孕周"), on=j.visit_on, recorded=j.weeks, computed=by_lmp)
    at_birth = t.delivered_on.delta(t.lmp, unit="day").cast("float64") / 7
    birth = pick(t.filter(((t.delivery_weeks - at_birth).abs() > p["tolerance_weeks"]).fill_null(False)),
                 kind=ibis.literal("分娩孕周"), on=t.delivered_on, recorded=t.delivery_weeks, computed=at_birth)
    edd_gap = t.edd.delta(t.lmp, unit="day").cast("float64")
    edd = pick(t.filter(((edd_gap - 280).abs() > p["edd_tolerance_days"]).fill_null(False)),
               kind=ibis.literal("预产期"), on=t.edd, recorded=edd_gap, computed=ibis.literal(280.0))
    return ibis.union(visits, birth, edd)


def explain_weeks_lmp(row: Row, p: Params, labels: Labels) -> str:
    if row["kind"] == "预产期":
        return (f"预产期 {fmt(row['on'])} 距末次月经 {fmt(row['recorded'], 0)} 天，应约 280 天"
                f"（允许 ±{p['edd_tolerance_days']} 天）")
    return (f"{row['kind']}记为 {fmt(row['recorded'])} 周（{fmt(row['on'])}），按末次月经推算为 "
            f"{fmt(row['computed'])} 周（允许 ±{p['tolerance_weeks']} 周）")


def build_delivery_without_anc(d: ScanData, p: Params, min_n: int) -> ir.Table:
    t, a = d["pregnancies"], d["antenatal"]
    delivered = t.filter(t.delivered_on.notnull())
    lonely = delivered.anti_join(a, delivered.record_id == a.record_id)
    return pick(lonely, delivered_on=lonely.delivered_on)


def explain_delivery_without_anc(row: Row, p: Params, labels: Labels) -> str:
    return f"有分娩记录（{fmt(row['delivered_on'])}），没有任何产前检查记录"


def build_same_day(d: ScanData, p: Params, min_n: int) -> ir.Table:
    a = d["antenatal"]
    a = a.filter(a.visit_on.notnull())
    g = a.group_by([a.unit_id, a.record_id, a.visit_on]).agg(count=a.count())
    return pick(g.filter(g["count"] >= p["max_per_day"]), visit_on=g.visit_on, count=g["count"])


def explain_same_day(row: Row, p: Params, labels: Labels) -> str:
    kind = row.get("kind", "产前检查")
    return f"同一天（{fmt(row['visit_on'])}）有 {row['count']} 次{kind}"


def build_bp(d: ScanData, p: Params, min_n: int) -> ir.Table:
    v, t = _visits(d), d["pregnancies"]
    visits = pick(v.filter(bp_bad(v.sbp, v.dbp, p)), kind=v.kind, on=v.visit_on, sbp=v.sbp, dbp=v.dbp)
    birth = pick(t.filter(bp_bad(t.delivery_sbp, t.delivery_dbp, p)), kind=ibis.literal("产后血压"),
                 on=t.delivered_on, sbp=t.delivery_sbp, dbp=t.delivery_dbp)
    return ibis.union(visits, birth)


def explain_bp(row: Row, p: Params, labels: Labels) -> str:
    return (f"{row['kind']} {fmt(row['on'])} 血压 {fmt(row['sbp'])}/{fmt(row['dbp'])} mmHg，"
            f"不合理（{BP.format(**p)}）")


def build_hb(d: ScanData, p: Params, min_n: int) -> ir.Table:
    a = d["antenatal"]
    bad = ((a.hb < p["hb_min"]) | (a.hb > p["hb_max"])).fill_null(False)
    return pick(a.filter(bad), kind=ibis.literal("产前检查"), on=a.visit_on, hb=a.hb)


def explain_hb(row: Row, p: Params, labels: Labels) -> str:
    return f"{row['kind']} {fmt(row['on'])} 血红蛋白 {row['hb']} g/L，不在 {p['hb_min']}–{p['hb_max']} g/L 之内"


# ---- duplicates ----------------------------------------------------------------------------------------

def duplicate_pairs(t: ir.Table) -> ir.Table:
    """Pairs of different records of the same person: name + birth date + village equal (all filled)."""
    keyed = t.filter(~blank(t.name) & t.birth_date.notnull() & ~blank(t.village))
    other = keyed.view().select(other_id="record_id", o_name="name", o_birth="birth_date", o_village="village")
    j = keyed.join(other, [keyed.name == other.o_name, keyed.birth_date == other.o_birth,
                           keyed.village == other.o_village, keyed.record_id != other.other_id])
    return pick(j, other_id=j.other_id, name=j.name, birth_date=j.birth_date, village=j.village)


def explain_duplicate(kind: str) -> Callable[[Row, Params, Labels], str]:
    def explain(row: Row, p: Params, labels: Labels) -> str:
        return (f"与手册 {labels.record(kind, row['other_id'])} 姓名、出生日期（{fmt(row['birth_date'])}）、"
                f"村（{row['village']}）都相同，疑为同一人重复建册")
    return explain


NEAR_FIELDS = ["birth_date", "phone", "village", "registered_on", "lmp", "gravidity", "parity", "blood_group",
               "delivered_on", "delivery_weeks", "blood_loss_ml", "delivery_sbp", "delivery_dbp", "birth_weight_g",
               "first_weight", "first_sbp", "first_dbp", "first_hb", "visits"]
TEXT_FIELDS = {"phone", "village", "blood_group"}


def near_table(d: ScanData) -> ir.Table:
    """Each pregnancy with the fields that differ between women, incl. its first visit's measurements.

    Due date and weeks at registration are left out: they follow from the LMP and registration date.
    """
    t, a = d["pregnancies"], d["antenatal"]
    first = a.group_by(vid=a.record_id).agg(
        first_weight=a.weight_kg.argmin(a.visit_on), first_sbp=a.sbp.argmin(a.visit_on),
        first_dbp=a.dbp.argmin(a.visit_on), first_hb=a.hb.argmin(a.visit_on), visits=a.count())
    j = t.left_join(first, t.record_id == first.vid)
    blanked = {f: ibis.cases((blank(j[f]), ibis.null().cast("string")), else_=j[f]) for f in TEXT_FIELDS}
    return j.select("unit_id", "record_id", *[blanked.get(f, j[f]).name(f) for f in NEAR_FIELDS])


def near_codes(d: ScanData) -> ir.Table:
    """``near_table`` with each value replaced by its rank among the field's distinct values (null stays
    null): equal codes exactly when equal values, and small integers are cheap to carry through the pair join."""
    t = near_table(d)
    return t.select("unit_id", "record_id", **{
        f: ibis.cases((t[f].notnull(), ibis.dense_rank().over(order_by=t[f])), else_=ibis.null()).cast("int32")
        for f in NEAR_FIELDS})


def build_near_identical(d: ScanData, p: Params, min_n: int) -> ir.Table:
    """Pairs of a unit's records with ≥ ``share`` of their comparable fields (both filled) equal.

    Every pair is compared, but cheaply: on integer codes, and the pairs with fewer than ``share × min_fields``
    equal fields (which can never qualify) are dropped before the comparable fields are counted.
    """
    t = near_codes(d)
    o = t.view().rename(o_unit="unit_id", o_id="record_id", **{f"o_{f}": f for f in NEAR_FIELDS})
    j = t.join(o, [t.unit_id == o.o_unit, t.record_id < o.o_id])
    one = ibis.literal(0, "int8")
    j = j.mutate(same=sum(((j[f] == j[f"o_{f}"]).fill_null(False).cast("int8") for f in NEAR_FIELDS), one))
    j = j.filter(j.same >= max(0.0, float(p["share"])) * int(p["min_fields"]))
    j = j.mutate(comparable=sum(((j[f] == j[f"o_{f}"]).notnull().cast("int8") for f in NEAR_FIELDS), one))
    hits = j.filter((j.comparable >= p["min_fields"]) & (j.same >= j.comparable * p["share"]))
    hits = hits.select("unit_id", "record_id", "o_id", same=hits.same.cast("int64"),
                       comparable=hits.comparable.cast("int64"))
    share = hits.same.cast("float64") / hits.comparable
    first = hits.select(unit_id=hits.unit_id, record_id=hits.record_id, other_id=hits.o_id, share=share,
                        same=hits.same, comparable=hits.comparable)
    second = hits.select(unit_id=hits.unit_id, record_id=hits.o_id, other_id=hits.record_id, share=share,
                         same=hits.same, comparable=hits.comparable)
    return ibis.union(first, second)


def explain_near_identical(row: Row, p: Params, labels: Labels) -> str:
    return (f"与同单位手册 {labels.record('pregnancy', row['other_id'])} 的 {row['comparable']} 个可比字段中 "
            f"{row['same']} 个完全相同（{row['share'] * 100:.0f}%，判定 ≥ {p['share'] * 100:.0f}%）")


P = "pregnancy"
record_check("DQ-P01", "孕产妇身份信息缺失", Severity.MEDIUM, P, build_identity, explain_identity,
             "姓名或出生日期为空", f"{QUALITY_MD}：缺少身份信息；通报“有体检，无姓名”。")
record_check("DQ-P02", "检查/访视日期缺失", Severity.MEDIUM, P, build_visit_date, explain_visit_date,
             "检查日期为空", f"{QUALITY_MD}：缺少检查日期；通报“无体检时间”。")
record_check("DQ-P03", "产前检查必测项目缺失", Severity.LOW, P, build_measurements, explain_measurements,
             "体重或血压为空", f"{QUALITY_MD}：缺少必测项目（每次产检都应测体重、血压）。")
record_check("DQ-P04", "日期晚于录入时间（超前编写）", Severity.HIGH, P, build_future, explain_future,
             "日期晚于录入日期（容许 {tolerance_days} 天）", f"{QUALITY_MD}：相对录入时间的未来日期；通报“超前编写”。"
             "分娩和42天检查日期与该手册最后修改日期比较。", {"tolerance_days": 0})
record_check("DQ-P05", "产前检查早于建册", Severity.MEDIUM, P, build_visit_before_registration,
             explain_visit_before_registration, "检查日期早于建册日期（容许 {tolerance_days} 天）",
             f"{QUALITY_MD}：检查早于建册。", {"tolerance_days": 0})
record_check("DQ-P06", "产后访视或42天检查早于分娩", Severity.HIGH, P, build_postpartum_before_delivery,
             explain_postpartum_before_delivery, "日期早于分娩日期", f"{QUALITY_MD}：产后访视或 42 天检查早于分娩。")
record_check("DQ-P07", "孕周超出 4–44 周", Severity.MEDIUM, P, build_weeks_range, explain_weeks_range,
             "孕周 < {min_weeks} 或 > {max_weeks}", f"{QUALITY_MD}：孕周在 4–44 周之外。",
             {"min_weeks": 4, "max_weeks": 44})
record_check("DQ-P08", "孕周与末次月经/预产期不符", Severity.LOW, P, build_weeks_lmp, explain_weeks_lmp,
             "与末次月经推算相差 > {tolerance_weeks} 周，或预产期偏离 280 天 > {edd_tolerance_days} 天",
             f"{QUALITY_MD}：孕周与末次月经、预产期不一致（Naegele 规则：预产期 = 末次月经 + 280 天）。",
             {"tolerance_weeks": 2, "edd_tolerance_days": 14})
record_check("DQ-P09", "有分娩无产前检查", Severity.HIGH, P, build_delivery_without_anc,
             explain_delivery_without_anc, "有分娩日期、无产前检查记录", f"{QUALITY_MD}；通报“只有分娩记录，没有产前检查记录”。")
record_check("DQ-P10", "同一天多次产前检查", Severity.HIGH, P, build_same_day, explain_same_day,
             "同一孕妇同一天 ≥ {max_per_day} 次",
             f"{QUALITY_MD} 举“一天五次”为例；同一孕妇同一天两次产检在实际中已不可能，默认 2。", {"max_per_day": 2})
record_check("DQ-P11", "血压不合理", Severity.MEDIUM, P, build_bp, explain_bp, BP,
             f"{QUALITY_MD}：收缩压 70–250、舒张压 40–150 mmHg，舒张压低于收缩压。", BP_DEFAULTS)
record_check("DQ-P12", "血红蛋白不合理", Severity.MEDIUM, P, build_hb, explain_hb,
             "血红蛋白 < {hb_min} 或 > {hb_max} g/L", f"{QUALITY_MD}：血红蛋白 40–180 g/L（贫血 < 110 g/L 不算错误）。",
             HB_DEFAULTS)
record_check("DQ-P13", "孕产妇重复建册", Severity.MEDIUM, P, lambda d, p, n: duplicate_pairs(d["pregnancies"]),
             explain_duplicate(P), "姓名 + 出生日期 + 村相同", f"{QUALITY_MD}：同一人两份手册（姓名 + 出生日期 + 村）。")
record_check("DQ-P14", "孕产妇手册内容几乎相同", Severity.MEDIUM, P, build_near_identical, explain_near_identical,
             "同单位两份手册 ≥ {share:.0%} 的可比字段相同（至少 {min_fields} 个可比字段）",
             f"{QUALITY_MD}：≥ 85% 字段相同的近似记录；通报“卡片主要指标基本一致”。只比较因人而异的字段"
             "（日期、孕产次、分娩数值、首次产检的体重血压血红蛋白、电话、村），不比较由末次月经推出的预产期和孕周，"
             "也不比较多数人相同的检测结果；空白不算相同。有误报，按单位校准。",
             {"share": 0.85, "min_fields": 8})
