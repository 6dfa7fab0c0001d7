"""§3 Cards copied from other cards (DQ-C11 child, DQ-P17 pregnancy): to reach 建卡 targets a clerk makes new cards
out of real ones — every measured value copied, name, ID, phone and dates changed (the dates shifted together).
Comparing fields that include dates (DQ-P14) misses them; the copied part is the card's *values*.

The **signature** of a card is the ordered sequence of its exams' measured values (child: weight, length/height,
Hb; pregnancy: weight, blood pressure, Hb at each antenatal visit), names, IDs and dates left out. Cards of the scan
with the same signature are grouped (a hash aggregation: linear, no pairs of cards) and a group of two or more
cards is a clone group when the signature carries enough information that honest cards cannot share it by chance:

* at least ``min_exams`` different exams and ``min_values`` filled values (one exam of 3.3 kg / 50 cm is common);
* the **chance** that another card of the scan has the same values: each value's frequency among the scan's exams
  of the same age (child: month of age; pregnancy: 4-week band of gestation) — after a card's first exam the
  frequency of the *change* since its previous exam (``_exam_information``) — multiplied over the card's distinct
  exams, times the number of cards compared, must be ≤ ``max_chance``. Frequencies come from the scan itself, so
  a county that rounds every weight to 0.5 kg or writes 120/80 for everyone needs longer signatures (its values
  carry less information), and default values (the same for everybody) carry none;
* cards of the same family are one card: twins (child: same birth date and village) and the same woman registered
  twice (pregnancy: same ID, or same name and birth date — that is DQ-P13's duplicate) never make a group alone.

Every card of a clone group is listed; the earliest entered (the likely original) with the lower weight.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import ibis
import ibis.expr.types as ir

from ducha.quality.checks.base import (
    METHOD_MARK,
    Builder,
    Explainer,
    Labels,
    Params,
    Row,
    ScanData,
    Severity,
    flag,
)
from ducha.quality.checks.records import QUALITY_MD, blank, record_check


@dataclass(frozen=True)
class Source:
    exams: str            # the table of the card's exams/visits
    cards: str            # the table of the cards
    order: tuple[str, ...]
    fields: tuple[tuple[str, int, str], ...]   # column, decimals kept, name
    what: str             # "次体检"
    band_words: str       # how values are compared for chance: "同月龄"


SOURCES = {
    "child": Source("exams", "children", ("exam_on", "age_days", "exam_id"),
                    (("weight_kg", 1, "体重"), ("length_cm", 1, "身长/身高"), ("hb", 0, "血红蛋白")),
                    "次体检", "同月龄"),
    "pregnancy": Source("antenatal", "pregnancies", ("visit_on", "weeks", "visit_id"),
                        (("weight_kg", 1, "体重"), ("sbp", 0, "收缩压"), ("dbp", 0, "舒张压"), ("hb", 0, "血红蛋白")),
                        "次产前检查", "同孕周段（4 周）"),
}


def _band(e: ir.Table, record_type: str) -> ir.IntegerValue:
    """The exam's age (child: completed months) or gestation band (pregnancy: 4 weeks); -1 when unknown."""
    value = (e.age_days / 30.4375).floor() if record_type == "child" else (e.weeks / 4).floor()
    return value.cast("int64").fill_null(-1)


def _exam_information(d: ScanData, record_type: str) -> ir.Table:
    """Each exam with a filled value: its value token, the log-probability of its values, how many it has, and
    whether its token is new on its card.

    The probability of a value is its frequency among the scan's exams of the same band; a value that follows one
    of the same card's previous exam is judged by its *change* instead (the frequency of that change among the
    scan's exams of the band): a heavy child stays heavy, so after the first exam only the growth is new
    information (a first-order Markov chain, not independent values)."""
    s = SOURCES[record_type]
    e = d[s.exams]
    values = {f"_v{i}": e[col].cast("float64").round(digits) for i, (col, digits, _name) in enumerate(s.fields)}
    e = e.mutate(**values)
    e = e.filter(ibis.or_(*[e[v].notnull() for v in values]))
    e = e.mutate(_band=_band(e, record_type))
    card = ibis.window(group_by=[e.record_id], order_by=[e[c] for c in s.order])
    steps = {}
    for i, (v, (_col, digits, _name)) in enumerate(zip(values, s.fields, strict=True)):
        prev = e[v].lag().over(card)
        steps[f"_s{i}"] = prev.notnull()
        steps[f"_x{i}"] = ibis.cases((prev.notnull(), (e[v] - prev).round(digits)), else_=e[v])
    e = e.mutate(**steps)
    token = ibis.literal("/").join([e[v].cast("string").fill_null("-") for v in values])
    e = e.mutate(_token=token)
    e = e.mutate(_new=(e._token != e._token.lag().over(card)).fill_null(True))   # a repeated exam adds nothing
    logs = []
    for i in range(len(values)):   # frequencies by hash aggregation, joined back on the exam's row
        x, step = f"_x{i}", f"_s{i}"
        k = e.filter(e[x].notnull()).group_by(["_band", step, x]).agg(_k=ibis._.count())
        n = k.group_by(["_band", step]).agg(_n=k._k.sum())
        f = k.join(n, ["_band", step]).select("_band", step, x, **{f"_l{i}": (k._k.cast("float64") / n._n).ln()})
        logs.append(f)
    for f in logs:
        keys = [c for c in f.columns if not c.startswith("_l")]
        e = e.left_join(f, keys).select(e, *[c for c in f.columns if c.startswith("_l")])
    logp = sum((e[f"_l{i}"].fill_null(0.0) for i in range(len(values))), ibis.literal(0.0))
    filled = sum((e[v].notnull().cast("int64") for v in values), ibis.literal(0, "int64"))
    return e.mutate(_logp=logp, _filled=filled)


def _family(c: ir.Table, record_type: str) -> ir.StringValue:
    """Cards of one family count once: twins (same birth date and village), one woman's two cards (same ID, or
    same name and birth date); a card without those fields is its own family."""
    own = ibis.literal("#") + c.record_id.cast("string")
    if record_type == "child":
        key = c.birth_date.cast("string") + "|" + c.village.fill_null("")
        return ibis.cases((c.birth_date.notnull(), key), else_=own)
    person = c.name.fill_null("") + "|" + c.birth_date.cast("string")
    return ibis.cases((~blank(c.id_hash), "id:" + c.id_hash), (~blank(c.name) & c.birth_date.notnull(), person),
                      else_=own)


def signatures(d: ScanData, p: Params, record_type: str) -> ir.Table:
    """One row per card with enough information: ``signature``, exams, values, ``logp`` (log-probability that
    a card of the same ages has these values by chance), family, entry time."""
    s = SOURCES[record_type]
    e = _exam_information(d, record_type)
    g = e.group_by([e.unit_id, e.record_id]).agg(
        signature=e._token.group_concat(";", order_by=[e[c] for c in s.order]),
        exams=e.count(), different=flag(e._new).sum(), filled=e._filled.sum(where=e._new),
        logp=e._logp.sum(where=e._new))
    g = g.filter((g.different >= int(p["min_exams"])) & (g.filled >= int(p["min_values"])))
    c = d[s.cards]
    cards = c.select(cid=c.record_id, family=_family(c, record_type), entered=c.created_at)
    g = g.join(cards, g.record_id == cards.cid).drop("cid")
    return g.mutate(compared=g.count().over(ibis.window()))


def build(record_type: str) -> Builder:
    def builder(d: ScanData, p: Params, min_n: int) -> ir.Table:
        g = signatures(d, p, record_type)
        # expected number of cards of the scan sharing the signature by chance, on the log scale
        g = g.mutate(log_chance=g.logp + g.compared.cast("float64").ln())
        groups = g.group_by("signature").agg(
            cards=g.count(), families=g.family.nunique(), worst=g.log_chance.max(),
            members=g.record_id.collect(order_by=[g.entered, g.record_id]),
            member_units=g.unit_id.collect(order_by=[g.entered, g.record_id]))
        groups = groups.filter((groups.cards >= 2) & (groups.families >= 2)
                               & (groups.worst <= math.log(float(p["max_chance"]))))
        j = g.join(groups, "signature")
        rank = ibis.row_number().over(group_by=[j.signature], order_by=[j.entered, j.record_id])
        j = j.mutate(original=rank == 0)
        return j.select("unit_id", "record_id", "cards", "exams", "different", "filled", "members", "member_units",
                        "original", chance=j.worst.exp(), compared=j.compared,
                        risk=ibis.cases((j.original, 1), else_=2))
    return builder


def _others(row: Row, labels: Labels, record_type: str, shown: int = 5) -> str:
    pairs = [(int(r), int(u)) for r, u in zip(row.get("members") or [], row.get("member_units") or [], strict=False)
             if int(r) != int(row["record_id"])]
    names = [labels.record(record_type, r) + ("" if u == int(row["unit_id"]) else f"（{labels.unit(u)}）")
             for r, u in pairs[:shown]]
    return "、".join(names) + (f" 等 {len(pairs)} 份" if len(pairs) > shown else "")


def chance_text(chance: float) -> str:
    """A small expected count as a person reads it: ``0.004``, ``3×10^-9``."""
    if not chance or chance != chance:
        return "0"
    exponent = math.floor(math.log10(chance))
    if exponent >= -3:
        return f"{chance:.3f}".rstrip("0").rstrip(".")
    return f"{chance / 10 ** exponent:.0f}×10^{exponent}"


def explain(record_type: str) -> Explainer:
    s = SOURCES[record_type]
    names = "、".join(name for _c, _d, name in s.fields)

    def text(row: Row, p: Params, labels: Labels) -> str:
        head = (f"与手册 {_others(row, labels, record_type)} 的 {row['exams']} {s.what}数值（{names}，"
                f"{row['different']} 次不同的检查共 {row['filled']} 个数值）按先后次序完全相同，只有姓名、日期等不同，"
                "像是照抄他人卡片")
        tail = "；本卡在这组中录入最早，可能是被抄的原卡（不一定，须核实哪一份是真的）" if row.get("original") else ""
        method = (f"{METHOD_MARK}按本次检查中{s.band_words}各数值（首次以后为与上次相比的变化）出现的频率相乘，"
                  f"再乘以比较的 {row['compared']} 份手册，"
                  f"偶然完全相同的期望份数约 {chance_text(float(row['chance']))}（判定 ≤ {p['max_chance']}）；"
                  f"至少 {p['min_exams']} 次不同的检查、{p['min_values']} 个数值；"
                  + ("同出生日期同村的（双胞胎）不算。" if record_type == "child" else "同一人的两份手册不算（见 DQ-P13）。"))
        return head + tail + method
    return text


DEFAULTS = {"min_exams": 3, "min_values": 6, "max_chance": 0.001}
THRESHOLD = ("两份以上手册（不同的人）≥ {min_exams} 次不同检查、≥ {min_values} 个数值按次序完全相同，"
             "偶然相同的期望份数 ≤ {max_chance}")
RATIONALE = (f"{QUALITY_MD}；通报“卡片主要指标基本一致”“编造资料”。为完成建卡任务，把真实手册整本照抄，只改姓名、身份证、"
             "电话和日期（日期整体平移）；比较含日期的字段（DQ-P14）发现不了。这里只比较各次检查的测量值序列，不比较姓名和日期；"
             "按数值序列分组计数，不两两比较。偶然相同的可能：首次检查的每个数值按它在本次检查同月龄（孕妇为同孕周段）各次检查中"
             "出现的频率，以后各次按与上次相比的变化（长了多少）出现的频率——胖孩子一直胖，只有变化是新的信息——相乘，"
             "再乘以比较的手册数，得到偶然相同的期望份数；默认要求 ≤ 0.001。体重、身长记到 0.1 时，同龄儿童首次体检两项都相同"
             "约千分之一，以后每次再都相同约百分之一，五次都相同约 10^-11；全县取整到 0.5 kg、整厘米或都写 120/80 时，"
             "频率自动升高，需要更多次检查才判；人人相同的默认值不提供信息。双胞胎（同出生日期同村）和同一人的两份手册不算。"
             "组内每份手册都列出，录入最早的一份可能是原卡，权重较低。")
record_check("DQ-C11", "儿童手册数值照抄他人", Severity.HIGH, "child", build("child"), explain("child"),
             THRESHOLD, RATIONALE, dict(DEFAULTS))
record_check("DQ-P17", "孕产妇手册数值照抄他人", Severity.HIGH, "pregnancy", build("pregnancy"),
             explain("pregnancy"), THRESHOLD, RATIONALE, dict(DEFAULTS))
