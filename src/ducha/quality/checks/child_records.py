"""§3 Record-level checks on child records and exams (DQ-C…)."""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from ducha.quality.checks.base import Labels, Params, Row, ScanData, Severity, fmt
from ducha.quality.checks.records import (
    HB_DEFAULTS,
    QUALITY_MD,
    blank,
    duplicate_pairs,
    explain_duplicate,
    explain_hb,
    explain_identity,
    explain_measurements,
    explain_same_day,
    pick,
    record_check,
)

Z_FLAGS = {"fwaz": ("waz", "年龄别体重", "< −6 或 > 5"), "flaz": ("laz", "年龄别身长/身高", "|z| > 6"),
           "fwlz": ("wlz", "身长/身高别体重", "|z| > 5"), "fbaz": ("baz", "年龄别 BMI", "|z| > 5")}


def build_identity(d: ScanData, p: Params, min_n: int) -> ir.Table:
    t = d["children"]
    no_name, no_sex, no_birth = blank(t.name), t.sex.isnull(), t.birth_date.isnull()
    return pick(t.filter(no_name | no_sex | no_birth), no_name=no_name, no_sex=no_sex, no_birth=no_birth)


def build_exam_date(d: ScanData, p: Params, min_n: int) -> ir.Table:
    e = d["exams"]
    return pick(e.filter(e.exam_on.isnull()), entered=e.created_at)


def explain_exam_date(row: Row, p: Params, labels: Labels) -> str:
    return f"一次体检（录入于 {fmt(row['entered'])}）没有体检日期"


def build_measurements(d: ScanData, p: Params, min_n: int) -> ir.Table:
    e = d["exams"]
    bad = (e.weight_kg.isnull() | e.length_cm.isnull()) & e.exam_on.notnull()
    return pick(e.filter(bad), kind=ibis.literal("体检"), visit_on=e.exam_on, no_weight=e.weight_kg.isnull(),
                no_length=e.length_cm.isnull())


def build_future(d: ScanData, p: Params, min_n: int) -> ir.Table:
    e, c = d["exams"], d["children"]
    tol = ibis.interval(days=int(p["tolerance_days"]))
    exams = pick(e.filter((e.exam_on > e.created_date + tol).fill_null(False)), field=ibis.literal("体检日期"),
                 value=e.exam_on, entered=e.created_date)
    births = pick(c.filter((c.birth_date > c.created_date + tol).fill_null(False)), field=ibis.literal("出生日期"),
                  value=c.birth_date, entered=c.created_date)
    return ibis.union(exams, births)


def explain_future(row: Row, p: Params, labels: Labels) -> str:
    return f"{row['field']} {fmt(row['value'])} 晚于录入日期 {fmt(row['entered'])}，属超前编写"


def build_before_birth(d: ScanData, p: Params, min_n: int) -> ir.Table:
    e = d["exams"]
    return pick(e.filter((e.exam_on < e.birth_date).fill_null(False)), exam_on=e.exam_on, birth_date=e.birth_date)


def explain_before_birth(row: Row, p: Params, labels: Labels) -> str:
    return f"体检日期 {fmt(row['exam_on'])} 早于出生日期 {fmt(row['birth_date'])}"


def build_hb(d: ScanData, p: Params, min_n: int) -> ir.Table:
    e = d["exams"]
    bad = ((e.hb < p["hb_min"]) | (e.hb > p["hb_max"])).fill_null(False)
    return pick(e.filter(bad), kind=ibis.literal("体检"), on=e.exam_on, hb=e.hb)


def build_who_flags(d: ScanData, p: Params, min_n: int) -> ir.Table:
    e = d["exams"]
    flagged = ibis.literal(False)
    for col in Z_FLAGS:
        flagged = flagged | (e[col] == 1).fill_null(False)
    return pick(e.filter(flagged), exam_on=e.exam_on, age_days=e.age_days, weight_kg=e.weight_kg,
                length_cm=e.length_cm, **{c: e[c] for c in Z_FLAGS}, **{z: e[z] for z, _, _ in Z_FLAGS.values()})


def explain_who_flags(row: Row, p: Params, labels: Labels) -> str:
    parts = [f"{name} z = {fmt(row[z], 2)}（{rule}）" for flag, (z, name, rule) in Z_FLAGS.items() if row.get(flag) == 1]
    months = fmt((row["age_days"] or 0) / 30.4375, 1)
    return (f"体检 {fmt(row['exam_on'])}（{months} 月龄）体重 {fmt(row['weight_kg'])} kg、身长/身高 "
            f"{fmt(row['length_cm'])} cm，WHO 标准判为不可信：" + "；".join(parts))


def build_same_day(d: ScanData, p: Params, min_n: int) -> ir.Table:
    e = d["exams"]
    e = e.filter(e.exam_on.notnull())
    g = e.group_by([e.unit_id, e.record_id, e.exam_on]).agg(count=e.count())
    return pick(g.filter(g["count"] >= p["max_per_day"]), kind=ibis.literal("体检"), visit_on=g.exam_on,
                count=g["count"])


C = "child"
record_check("DQ-C01", "儿童身份信息缺失", Severity.MEDIUM, C, build_identity, explain_identity,
             "姓名、性别或出生日期为空", f"{QUALITY_MD}；通报“有体检，无儿童姓名”。")
record_check("DQ-C02", "体检日期缺失", Severity.MEDIUM, C, build_exam_date, explain_exam_date,
             "体检日期为空", f"{QUALITY_MD}；通报“无体检时间”。")
record_check("DQ-C03", "体检必测项目缺失", Severity.LOW, C, build_measurements, explain_measurements,
             "体重或身长/身高为空", f"{QUALITY_MD}：缺少必测项目。")
record_check("DQ-C04", "日期晚于录入时间（超前编写）", Severity.HIGH, C, build_future, explain_future,
             "日期晚于录入日期（容许 {tolerance_days} 天）", f"{QUALITY_MD}；通报“超前编写”。", {"tolerance_days": 0})
record_check("DQ-C05", "体检早于出生", Severity.HIGH, C, build_before_birth, explain_before_birth,
             "体检日期早于出生日期", f"{QUALITY_MD}：体检早于出生。")
record_check("DQ-C06", "儿童血红蛋白不合理", Severity.MEDIUM, C, build_hb, explain_hb,
             "血红蛋白 < {hb_min} 或 > {hb_max} g/L", f"{QUALITY_MD}：血红蛋白 40–180 g/L。", HB_DEFAULTS)
record_check("DQ-C07", "体格测量 z 评分不可信（WHO 标记）", Severity.MEDIUM, C, build_who_flags, explain_who_flags,
             "WAZ < −6 或 > 5；LAZ |z| > 6；WLZ、BAZ |z| > 5",
             "WHO 儿童生长标准（2006）的不可信值标记；quality.md §5。")
record_check("DQ-C08", "儿童重复建册", Severity.MEDIUM, C, lambda d, p, n: duplicate_pairs(d["children"]),
             explain_duplicate(C), "姓名 + 出生日期 + 村相同", f"{QUALITY_MD}：同一人两份手册。")
record_check("DQ-C09", "同一天多次体检", Severity.HIGH, C, build_same_day, explain_same_day,
             "同一儿童同一天 ≥ {max_per_day} 次", f"{QUALITY_MD}：同日多次检查。", {"max_per_day": 2})
