"""§4 Heaping and terminal-digit preference over every numeric field of the registers (DQ-F13 unit, DQ-F14
operator): a person inventing numbers heaps whatever they write, so the fields are discovered from the store's
table schemas (numeric columns that are measurements, not ids or counts), each with the recording precision the
scan's own values use (the finest decimal place that is not almost always 0). A unit's terminal digits of a field
are judged against the reference (uniform digits: χ² test and DPS) and against the other units (robust z of the
bias-corrected DPS); a unit is suspect when several fields deviate: one heaped field is usually a habit (BP read
to 0 on a mercury gauge), heaping across the fields one writes is the mark of invented numbers."""

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
    normal_quantile,
    pct,
    shared_key,
    verdict,
    wilson_hilferty_quantile,
)
from ducha.quality.checks.fabrication import QUALITY_MD, _check
from ducha.quality.checks.peers import peer_columns
from ducha.quality.checks.records import blank
from ducha.quality.store import SCHEMAS, Z_COLUMNS

REGISTER_TABLES = {"pregnancies": "pregnancy", "antenatal": "pregnancy", "postpartum": "pregnancy",
                   "children": "child", "exams": "child"}
# Numeric columns that are identifiers, codes or counts, not measured values.
NOT_MEASURES = {"record_id", "unit_id", "visit_id", "exam_id", "created_by", "batch_id", "gravidity", "parity",
                "babies", "baby_sex", "sex", "age_days", *Z_COLUMNS}
FIELD_NAMES = {"weight_kg": "体重", "length_cm": "身长/身高", "hb": "血红蛋白", "sbp": "收缩压", "dbp": "舒张压",
               "weeks": "孕周", "weeks_at_registration": "建册孕周", "delivery_weeks": "分娩孕周",
               "blood_loss_ml": "出血量", "delivery_sbp": "分娩收缩压", "delivery_dbp": "分娩舒张压",
               "birth_weight_g": "出生体重", "gestational_weeks": "出生孕周"}
# Gestational weeks are often kept as days ÷ 7 (12.4 = 12 weeks 3 days): their tenths take only 7 values, which
# is arithmetic, not heaping. They are judged on whole weeks.
WEEK_COLUMNS = {"weeks", "weeks_at_registration", "delivery_weeks", "gestational_weeks"}
PLACES = (-1, 0, 1, 2)
MIN_SPAN = 20  # steps of the recording place a field's values must span to be judged  # tenths, units, tens, hundreds
PLACE_NAMES = {-1: "小数第一位", 0: "个位", 1: "十位", 2: "百位"}


def measure_fields() -> list[tuple[str, str]]:
    """(table, column) of every numeric measurement the store provides."""
    return [(table, f.name) for table in REGISTER_TABLES for f in SCHEMAS[table]
            if (f.type.equals(ibis.dtype("float64").to_pyarrow()) or f.type.equals(ibis.dtype("int64").to_pyarrow()))
            and f.name not in NOT_MEASURES]


def field_label(key: str) -> str:
    table, _, column = key.partition(".")
    prefix = {"antenatal": "产检", "postpartum": "产后访视", "exams": "儿童体检", "children": "儿童",
              "pregnancies": "孕产妇"}.get(table, table)
    return f"{prefix}{FIELD_NAMES.get(column, column)}"


def _who(t: ir.Table) -> ir.StringValue:
    by_user = ibis.cases((t.created_by.notnull(), "#" + t.created_by.cast("string")), else_=ibis.null("string"))
    if "examiner" in t.columns:
        return ibis.cases((~blank(t.examiner), t.examiner.strip()), else_=by_user)
    return by_user


def values_long(d: ScanData) -> ir.Table:
    """Long table (unit_id, record_type, record_id, who, field, t10): every measured value in tenths."""
    parts = []
    for table, column in measure_fields():
        t = d[table]
        if "in_period" in t.columns:
            t = t.filter(t.in_period)
        t = t.filter(t[column].notnull() & (t[column] >= 0))
        value = t[column].cast("float64")
        value = value.floor() if column in WEEK_COLUMNS else value
        parts.append(t.select(unit_id=t.unit_id, record_type=ibis.literal(REGISTER_TABLES[table]),
                              record_id=t.record_id, who=_who(t), field=ibis.literal(f"{table}.{column}"),
                              t10=(value * 10).round().cast("int64")))
    return ibis.union(*parts)


def _digit(t10: ir.IntegerValue, place: Any) -> ir.IntegerValue:
    return (t10 // (ibis.literal(10) ** (place + 1)).cast("int64")) % 10


def with_digits(d: ScanData, p: Params) -> ir.Table:
    """The long table with each field's recording place (finest place not almost always 0) and its digit; built
    once per scan (DQ-F13, DQ-F14 and their records read it: ``ScanData.shared``)."""
    return d.shared(shared_key("heaping.digits", {"max_zero_share": p["max_zero_share"]}), lambda: _with_digits(d, p))


def _with_digits(d: ScanData, p: Params) -> ir.Table:
    v = values_long(d)
    zero = {k: flag((_digit(v.t10, k) == 0) & (v.t10 >= 10 ** (k + 2))).sum() for k in PLACES}
    eligible = {k: flag(v.t10 >= 10 ** (k + 2)).sum() for k in PLACES}
    f = v.group_by("field").agg(**{f"z{i}": zero[k] for i, k in enumerate(PLACES)},
                                **{f"e{i}": eligible[k] for i, k in enumerate(PLACES)}, lo=v.t10.min(), hi=v.t10.max())
    limit = p["max_zero_share"]
    place = ibis.cases(*[((f[f"e{i}"] > 0) & (f[f"z{i}"].cast("float64") < limit * f[f"e{i}"]), k)
                         for i, k in enumerate(PLACES)], else_=PLACES[-1])
    f = f.mutate(place=place)
    # A last-digit test needs values spread over many steps of the recording place: over a narrow range
    # (first-visit gestational weeks 6–14) the last digit is uneven by nature, not by heaping.
    step = (ibis.literal(10) ** (f.place + 1)).cast("float64")
    f = f.filter((f.hi - f.lo).cast("float64") / step >= MIN_SPAN).select("field", "place")
    j = v.join(f, "field")
    return j.mutate(digit=_digit(j.t10, j.place))


def digit_counts(d: ScanData, p: Params, subject: bool) -> ir.Table:
    return d.shared(shared_key("heaping.counts", p, subject), lambda: _digit_counts(d, p, subject))


def _digit_counts(d: ScanData, p: Params, subject: bool) -> ir.Table:
    v = with_digits(d, p)
    v = v.mutate(subject=v.who if subject else ibis.literal(""))
    v = v.filter(v.subject.notnull())
    keys = ["unit_id", "subject", "field"]
    c = v.group_by([*keys, "place", "digit"]).agg(count=v.count())
    c = c.mutate(n=c["count"].sum().over(group_by=[c.unit_id, c.subject, c.field]))
    expected = c.n.cast("float64") / 10
    return c.mutate(expected=expected, part=(c["count"] - expected) ** 2 / expected,
                    preferred=c["count"] >= p["preferred_ratio"] * expected)


def field_scores(d: ScanData, p: Params, min_n: int, subject: bool) -> ir.Table:
    """One row per (unit, subject, field): χ², DPS, bias-corrected DPS, peers and whether the field deviates."""
    return d.shared(shared_key("heaping.scores", p, min_n, subject), lambda: _field_scores(d, p, min_n, subject))


def _field_scores(d: ScanData, p: Params, min_n: int, subject: bool) -> ir.Table:
    c = digit_counts(d, p, subject)
    g = c.group_by(["unit_id", "subject", "field", "place"]).agg(
        n=c.n.max(), chi2=c.part.sum(), present=c.count(), expected=c.expected.max(),
        share05=c["count"].sum(where=(c.digit == 0) | (c.digit == 5)).fill_null(0).cast("float64") / c.n.max())
    chi2 = g.chi2 + (10 - g.present) * g.expected
    g = g.mutate(chi2=chi2)
    g = g.mutate(dps=100 * (g.chi2 / (g.n * 9)).sqrt(),
                 excess=100 * (ibis.greatest(g.chi2 - 9, 0) / (g.n * 9)).sqrt())
    judged = g.n >= min_n
    critical = wilson_hilferty_quantile(ibis.literal(9), normal_quantile(1 - p["alpha"]))
    ref = judged & (g.chi2 > critical) & (g.dps > p["max_dps"])
    g = g.mutate(judged=judged, ref=ref)
    g = peer_columns(g, "excess", by="field", judged=g.judged, min_peers=p["min_peers"])
    deviates = (g.peer_z >= p["peer_z"]) & (g.excess - g.peer_median >= p["min_gap"])
    fired = g.ref & (g.peer_z.isnull() | deviates.fill_null(False))
    units = g.judged.cast("int64").sum().over(group_by=g.field)
    share = flag(g.ref).sum().over(group_by=g.field).cast("float64") / units.nullif(0)
    return g.mutate(fired=fired.fill_null(False), habit=(units >= p["min_peers"]) & (share >= p["habit_share"]))


def build_heaping(subject: bool) -> Any:
    def build(d: ScanData, p: Params, min_n: int) -> ir.Table:
        s = field_scores(d, p, min_n, subject)
        g = s.group_by(["unit_id", "subject"]).agg(
            n=s.n.sum(), judged=flag(s.judged).sum(), bad=flag(s.fired).sum(),
            items=ibis.struct({"field": s.field, "place": s.place, "n": s.n, "dps": s.dps, "share05": s.share05,
                               "peer_median": s.peer_median, "peer_z": s.peer_z, "fired": s.fired,
                               "habit": s.habit}).collect(where=s.judged))
        # HABIT: fields most units heap are reported per field in ``items`` (habit = true); C's county-habit
        # note (base.HABIT) is where they belong once the engine writes it.
        return verdict(g, n=g.n, measured=g.bad.cast("float64"), threshold=p["min_fields"],
                       fired=g.bad >= p["min_fields"], min_n=min_n, subject=g.subject,
                       undecided=[((g.judged == 0) & (g.n >= min_n), "small")])
    return build


def _field_text(i: dict[str, Any]) -> str:
    peers = "" if i.get("peer_median") is None else f"，全县各单位校正 DPS 中位数 {fmt(i['peer_median'], 1)}" + (
        f"、稳健 z = {fmt(i['peer_z'], 1)}" if i.get("peer_z") is not None else "")
    habit = "（全县多数单位如此，属全县习惯）" if i.get("habit") else ""
    return (f"{field_label(i['field'])}{PLACE_NAMES.get(i['place'], '')} DPS = {fmt(i['dps'], 1)}"
            f"（n = {i['n']}，末位 0/5 占 {pct(i['share05'], 0)}{peers}）{habit}")


def explain_heaping(row: Row, p: Params, labels: Labels) -> str:
    found = sorted(row.get("items") or [], key=lambda i: (not i["fired"], -(i["dps"] or 0)))
    bad = [field_label(i["field"]) for i in found if i["fired"]]
    if bad:
        head = (f"{len(bad)} 项指标末位数字明显偏好（{'、'.join(bad)}），高于均匀分布和同级单位，"
                "多项同时取整是估计或编造数值的迹象")
    else:
        head = "各项指标末位数字未见多项同时偏好"
    return (head + METHOD_MARK + "；".join(_field_text(i) for i in found) +
            f"。判定：χ² 上侧 p < {p['alpha']} 且 DPS > {p['max_dps']}，校正 DPS 比同级中位数高 ≥ {p['min_gap']} "
            f"且稳健 z ≥ {p['peer_z']}（同级不足 {p['min_peers']} 个单位时只看参考值），至少 {p['min_fields']} 项")


def implicate_heaping(subject: bool) -> Any:
    """The records whose values of the deviating fields sit on the unit's preferred digits; risk = how many."""
    def implicate(d: ScanData, p: Params, min_n: int) -> ir.Table:
        s = field_scores(d, p, min_n, subject)
        units = s.group_by(["unit_id", "subject"]).agg(bad=flag(s.fired).sum())
        units = units.filter(units.bad >= p["min_fields"])
        bad = s.filter(s.fired).semi_join(units, ["unit_id", "subject"]).select("unit_id", "subject", "field")
        c = digit_counts(d, p, subject).filter(ibis._.preferred).select("unit_id", "subject", "field", "digit")
        v = with_digits(d, p)
        v = v.mutate(subject=v.who if subject else ibis.literal(""))
        v = v.semi_join(bad, ["unit_id", "subject", "field"])
        v = v.left_join(c.mutate(hit=ibis.literal(1)), ["unit_id", "subject", "field", "digit"])
        r = v.group_by(["unit_id", "record_type", "record_id"]).agg(
            values=v.count(), risk=v.hit.fill_null(0).sum(), fields=v.field.nunique(where=v.hit.notnull()))
        keep = (r.risk >= p["min_record_values"]) & (r.risk >= p["record_share"] * r["values"])
        return r.filter(keep)
    return implicate


def explain_heaping_record(row: Row, p: Params, labels: Labels) -> str:
    return (f"本单位末位数字偏好的指标中，此手册 {row['values']} 个数值有 {row['risk']} 个落在偏好的末位数字上"
            f"（涉及 {row['fields']} 项指标）")


RATIONALE = (f"{QUALITY_MD}：编造数字的人写什么都取整。各项数值指标从登记表结构中自动发现，每项的记录精度取全县数值中"
             "不是几乎全为 0 的最细一位（如体重取小数位、血红蛋白取个位、出生体重取十位）；均匀时末位各数字约 10%。"
             "DPS 随样本量偏高（均匀时约 100/√n），同级比较用扣除期望后的校正 DPS。单项偏好常是习惯（水银血压计读到 0），"
             "所以要求至少 2 项同时偏离参考值和同级单位；全县多数单位都偏好的项目是全县习惯，只有明显高于同级才计。"
             "判定后列出在偏好数字上的数值占八成以上的手册，按这类数值的个数排序。")
DEFAULTS = {"alpha": 0.001, "max_dps": 20, "min_gap": 8, "peer_z": 3.5, "min_peers": 5, "habit_share": 0.5,
            "min_fields": 2, "max_zero_share": 0.8, "preferred_ratio": 2.0, "min_record_values": 2,
            "record_share": 0.8}
THRESHOLD = ("至少 {min_fields} 项指标末位 DPS > {max_dps}（χ² p < {alpha}）且高于同级中位数 {min_gap} 以上、"
             "稳健 z ≥ {peer_z}（每项至少 {min_n} 个数值）")
_check("DQ-F13", "多项指标末位数字偏好（单位）", Level.UNIT, Severity.MEDIUM, build_heaping(False), explain_heaping,
       DEFAULTS, 50, THRESHOLD, RATIONALE, implicate=implicate_heaping(False),
       explain_record=explain_heaping_record)
_check("DQ-F14", "多项指标末位数字偏好（检查者）", Level.OPERATOR, Severity.MEDIUM, build_heaping(True),
       explain_heaping, DEFAULTS, 50, THRESHOLD, RATIONALE + "按检查者（无检查者时按录入人）分别计算，同级为全县检查者。",
       implicate=implicate_heaping(True), explain_record=explain_heaping_record)
