"""Fabrication kinds held out from tuning: ways a township clerk makes up records that ``fakes.KINDS`` do not use.

Only built with ``build(..., holdout_kinds=True)`` (``--holdout-kinds``); the checks were never tuned on them.
Written from the field's point of view (domain/quality.md, seed bulletins: "编造资料", "集中突击、被动应付",
"事后补记", "高危孕产妇筛选不到位"), not from any check. Each kind returns the record numbers it touched.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import date, datetime, timedelta

import numpy as np
from benchmarks.county_b.builder import (
    ANC_WEEKS,
    CHILD_MONTHS,
    QUARTER_END,
    QUARTER_START,
    Record,
    booked_date,
    id_number,
    stamp,
)
from benchmarks.county_b.fakes import KINDS, Report, _median_child, _pick, _q1, _q1_children
from benchmarks.county_b.habits import Habits, add_days, person_name, read_bp
from benchmarks.county_b.reports import count_month

HOLDOUT_KINDS = {
    "card_cloned": "照抄他人卡片（只改姓名和日期）",
    "growth_extrapolated": "体检数值按标准推算（过于标准）",
    "backfilled": "督查前突击补录",
    "high_risk_hidden": "高危孕产妇漏登或降级",
    "postpartum_elsewhere": "外地分娩者补写产后访视",
    "bp_fixed": "血压固定写 110/70、120/80",
}
Q1_MONTHS = ("201201", "201202", "201203")
BACKFILL_FROM = date(2011, 10, 1)     # the inspection looks at the last six months
DELIVERY_COLS = ("分娩日期", "分娩地点", "分娩方式", "分娩孕周", "产后出血量（ml）", "产后收缩压", "产后舒张压", "妊娠结局",
                 "胎数", "新生儿性别", "出生体重（g）", "产后42天检查日期", "产后42天检查结果")


# ---------------------------------------------------------------- helpers


def _counts(preg: list[Record], kids: list[Record]) -> dict[str, dict[str, int]]:
    return {m: count_month(m, preg, kids) for m in Q1_MONTHS}


def _report_keeps(rep: Report, before: dict[str, dict[str, int]], preg: list[Record], kids: list[Record]) -> None:
    """The monthly report goes on counting what the register no longer shows (adds the lost counts)."""
    after = _counts(preg, kids)
    for month in Q1_MONTHS:
        for element, value in before[month].items():
            delta, key = value - after[month][element], (month, element)
            if delta > 0 and rep.get(key, 0) >= 0:     # negative values are another kind's multiplier markers
                rep[key] = rep.get(key, 0) + delta


def _sittings(rng: np.random.Generator, items: list[Record], days: list[date], persons: list[str]) -> None:
    """Office-hours typing over several days by several people, card after card (entry metadata of ``items``)."""
    per_day = -(-len(items) // max(len(days), 1))
    for k, day in enumerate(days):
        batch = items[k * per_day:(k + 1) * per_day]
        clocks = [datetime(day.year, day.month, day.day, 8, int(rng.integers(0, 50))) for _ in persons]
        for j, item in enumerate(batch):
            p = j % len(persons)
            clocks[p] += timedelta(seconds=int(rng.integers(90, 420)))
            if clocks[p].hour == 12:
                clocks[p] += timedelta(hours=2, minutes=30)
            item["_meta"] = stamp(rng, clocks[p], persons[p])


def _next_number(used: set[str], code: str, letter: str) -> str:
    numbers = [int(x.split(f"-{letter}")[1]) for x in used if f"-{letter}" in x]
    n = max([x for x in numbers if x < 9000], default=0) + 1
    while f"{code}-{letter}{n:04d}" in used:
        n += 1
    used.add(f"{code}-{letter}{n:04d}")
    return f"{code}-{letter}{n:04d}"


def _shift_dates(item: Record, days: int, keep: tuple[str, ...] = ()) -> None:
    for key, value in list(item.items()):
        if isinstance(value, date) and not isinstance(value, datetime) and key not in keep:
            item[key] = add_days(value, days)


def _latest(rec: Record, visits: str) -> date:
    dates = [v for v in rec.values() if isinstance(v, date) and not isinstance(v, datetime)]
    for sub in visits.split(","):
        dates += [v for x in rec[sub] for v in x.values() if isinstance(v, date) and not isinstance(v, datetime)]
    return max(dates)


def _shifted_meta(rng: np.random.Generator, src: Record, dst: Record, when: date, shift: int, h: Habits) -> None:
    """The clone is keyed in at the clerk's usual sessions: the source's entry moved by the same days."""
    meta = src.get("_meta")
    floor = datetime.combine(add_days(when, int(rng.integers(*h.entry_lag_days))), datetime.min.time())
    at = meta["录入时间"] + timedelta(days=shift, seconds=int(rng.integers(60, 900))) if meta else floor
    dst["_meta"] = stamp(rng, max(at, floor + timedelta(hours=10)), meta["录入人"] if meta else h.staff[0])


# ---------------------------------------------------------------- kinds


def card_cloned(rng: np.random.Generator, h: Habits, preg: list[Record], kids: list[Record], rep: Report) -> set[str]:
    """New cards made from real ones: every value copied; name, ID, phone and dates changed (to reach 建卡 targets)."""
    used = {p["手册编号"] for p in preg} | {c["手册编号"] for c in kids}
    out: set[str] = set()
    if rng.random() < 0.6:   # pregnancy cards, visits and all, copied from women with full cards
        sources = [p for p in preg if len(p["_visits"]) >= 3]
        for _ in range(int(len(preg) * rng.uniform(0.08, 0.16)) if sources else 0):
            src = sources[int(rng.integers(0, len(sources)))]
            room = (QUARTER_END - _latest(src, "_visits,_postpartum")).days
            if room < -75:
                continue
            shift = int(rng.integers(-75, min(room, 60) + 1))
            new = copy.deepcopy({k: v for k, v in src.items() if k != "_meta"})
            birth = date(src["出生日期"].year + int(rng.integers(-3, 4)), int(rng.integers(1, 13)), int(rng.integers(1, 29)))
            _shift_dates(new, shift, keep=("出生日期",))
            new.update({"手册编号": _next_number(used, h.code, "P"), "姓名": person_name(rng), "出生日期": birth,
                        "身份证号": id_number(rng, birth) if src.get("身份证号") else None,
                        "电话": f"13{int(rng.integers(100_000_000, 999_999_999))}"})
            _shifted_meta(rng, src, new, new["建册日期"], shift, h)
            for sub, col in (("_visits", "检查日期"), ("_postpartum", "访视日期")):
                for x, y in zip(src[sub], new[sub], strict=True):
                    _shift_dates(y, shift)
                    y.pop("_meta", None)
                    _shifted_meta(rng, x, y, y[col], shift, h)
            preg.append(new)
            out.add(new["手册编号"])
        return out
    sources = [c for c in kids if len(c["_exams"]) >= 2]
    for _ in range(int(len(kids) * rng.uniform(0.06, 0.12)) if sources else 0):   # child cards
        src = sources[int(rng.integers(0, len(sources)))]
        room = (QUARTER_END - src["_exams"][-1]["体检日期"]).days
        if room < -75:
            continue
        shift = int(rng.integers(-75, min(room, 60) + 1))
        if add_days(src["_exams"][0]["体检日期"], shift) < date(2011, 1, 1):
            continue
        new = copy.deepcopy({k: v for k, v in src.items() if k != "_meta"})
        _shift_dates(new, shift)
        new.update({"手册编号": _next_number(used, h.code, "C"), "姓名": person_name(rng), "母亲手册编号": None})
        _shifted_meta(rng, src, new, add_days(src["_exams"][0]["体检日期"], shift), shift, h)
        for x, y in zip(src["_exams"], new["_exams"], strict=True):
            _shift_dates(y, shift)
            y.pop("_meta", None)
            _shifted_meta(rng, x, y, y["体检日期"], shift, h)
        kids.append(new)
        out.add(new["手册编号"])
    return out


def growth_extrapolated(rng: np.random.Generator, h: Habits, preg: list[Record], kids: list[Record],
                        rep: Report) -> set[str]:
    """Exams of children nobody weighed: carried forward along the child's centile, or written near the median."""
    along = rng.random() < 0.6
    chosen = _pick(rng, _q1_children(kids), float(rng.uniform(0.35, 0.6)))
    for c in chosen:
        sex, birth = (1 if c["性别"] == "男" else 2), c["出生日期"]
        earlier = [e for e in c["_exams"] if e["体检日期"] < QUARTER_START]
        if earlier:   # last real exam, from which the clerk "works out" what the child should weigh now
            age0 = (earlier[-1]["体检日期"] - birth).days
            l0, w0 = _median_child(sex, age0)
            ratio_l, ratio_w = earlier[-1]["身长/身高（cm）"] / l0, earlier[-1]["体重（kg）"] / w0
        else:
            ratio_l, ratio_w = 1 + float(rng.normal(0, 0.02)), (c["出生体重（g）"] or 3300) / 1000 / _median_child(sex, 0)[1]
        for e in c["_exams"]:
            if not _q1(e["体检日期"]):
                continue
            length, weight = _median_child(sex, (e["体检日期"] - birth).days)
            if along:
                e["体重（kg）"] = round(weight * ratio_w + float(rng.normal(0, 0.04)), 1)
                e["身长/身高（cm）"] = round(length * ratio_l + float(rng.normal(0, 0.1)), 1)
            else:
                e["体重（kg）"] = round(weight * (1 + float(rng.normal(0, 0.025))), 1)
                e["身长/身高（cm）"] = round(length * (1 + float(rng.normal(0, 0.008))), 1)
    return {c["手册编号"] for c in chosen}


def _invented_exam(rng: np.random.Generator, h: Habits, c: Record, d: date, months: int) -> Record:
    sex, birth = (1 if c["性别"] == "男" else 2), c["出生日期"]
    near = min(c["_exams"], key=lambda e: abs((e["体检日期"] - d).days))
    age, age0 = (d - birth).days, (near["体检日期"] - birth).days
    (l0, w0), (length, weight) = _median_child(sex, age0), _median_child(sex, age)
    head = near.get("头围（cm）") or 40.0
    return {
        "体检日期": d, "体重（kg）": round(weight * near["体重（kg）"] / w0 * (1 + float(rng.normal(0, 0.025))), 1),
        "身长/身高（cm）": round(length * near["身长/身高（cm）"] / l0 * (1 + float(rng.normal(0, 0.008))), 1),
        "测量方式": "卧位" if age < 731 else "立位",
        "头围（cm）": round(head + 14 * (np.exp(-age0 / 260) - np.exp(-age / 260)) + float(rng.normal(0, 0.4)), 1),
        "血红蛋白（g/L）": int(round(rng.normal(118, 10))) if months in (6, 12, 24, 36) else None,
        "喂养方式": str(rng.choice(["母乳", "混合", "人工"], p=[0.6, 0.25, 0.15])) if age < 183 else None,
        "检查者": str(rng.choice(h.examiners)), "结论": "未见异常",
    }


def _invented_visit(rng: np.random.Generator, h: Habits, p: Record, d: date) -> Record:
    near = min(p["_visits"], key=lambda v: abs((v["检查日期"] - d).days))
    weeks = (d - p["末次月经"]).days / 7
    sbp = float(np.mean([v["收缩压"] for v in p["_visits"]]))
    dbp = float(np.mean([v["舒张压"] for v in p["_visits"]]))
    return {
        "检查日期": d, "孕周": round(weeks, 1),
        "体重（kg）": round(near["体重（kg）"] + 0.45 * (weeks - near["孕周"]) + float(rng.normal(0, 0.4)), 1),
        "收缩压": read_bp(rng, sbp + rng.normal(0, 5), h), "舒张压": min(read_bp(rng, dbp + rng.normal(0, 4), h), int(sbp) - 20),
        "血红蛋白（g/L）": int(round(rng.normal(115, 7))) if rng.random() < 0.3 else None,
        "宫高（cm）": round(weeks - 2 + rng.normal(0, 1.5), 1) if weeks >= 20 else None,
        "胎心率": int(round(rng.normal(142, 8))) if weeks >= 12 else None, "检查者": str(rng.choice(h.examiners)),
    }


def backfilled(rng: np.random.Generator, h: Habits, preg: list[Record], kids: list[Record], rep: Report) -> set[str]:
    """The week before the April inspection: every missed scheduled exam/visit of the last six months filled in."""
    inspection = date(2012, 4, int(rng.integers(16, 21)))
    days = sorted(d for d in (add_days(inspection, -k) for k in range(1, 9)) if d.weekday() < 6)[-6:]
    persons = list(h.staff[:2]) + [person_name(rng)]
    share = float(rng.uniform(0.6, 0.9))
    touched: set[str] = set()
    items: list[Record] = []

    def window(d: date) -> bool:
        return BACKFILL_FROM <= d <= QUARTER_END

    way = int(rng.integers(0, 3))
    for c in kids if way in (0, 2) else []:
        added: list[Record] = []
        for months in CHILD_MONTHS:
            booked = booked_date(c["出生日期"], months, h.schedule)
            if not window(booked) or any(abs((e["体检日期"] - booked).days) <= 20 for e in c["_exams"]):
                continue
            d = add_days(booked, int(rng.integers(-5, 10)))
            if window(d) and d > c["出生日期"] and all(e["体检日期"] != d for e in c["_exams"]) and rng.random() < share:
                added.append(_invented_exam(rng, h, c, d, months))
        if added:
            c["_exams"] += added
            items += added
            touched.add(c["手册编号"])
    for p in preg if way in (1, 2) else []:
        if not p["_visits"]:
            continue
        end = min(p.get("分娩日期") or add_days(QUARTER_END, 1), add_days(QUARTER_END, 1))
        added = []
        for week in ANC_WEEKS:
            d = add_days(p["末次月经"], 7 * week + int(rng.integers(-3, 5)))
            if not window(d) or d < p["建册日期"] or d >= end or rng.random() > share:
                continue
            if all(abs((v["检查日期"] - d).days) > 10 for v in p["_visits"] + added):
                added.append(_invented_visit(rng, h, p, d))
        if p.get("分娩日期") and window(p["分娩日期"]) and len(p["_postpartum"]) < 2:
            for offset in (int(rng.integers(3, 8)), int(rng.integers(12, 16)), int(rng.integers(26, 29))):
                d = add_days(p["分娩日期"], offset)
                if d <= QUARTER_END and all(abs((v["访视日期"] - d).days) > 4 for v in p["_postpartum"]):
                    p["_postpartum"].append({"访视日期": d, "收缩压": read_bp(rng, rng.normal(114, 8), h),
                                             "舒张压": read_bp(rng, rng.normal(73, 6), h), "情况": "恢复良好",
                                             "访视者": str(rng.choice(h.examiners))})
                    added.append(p["_postpartum"][-1])
        if added:
            p["_visits"] += [v for v in added if "检查日期" in v]
            items += added
            touched.add(p["手册编号"])
    _sittings(rng, items, days, persons)
    return touched


def high_risk_hidden(rng: np.random.Generator, h: Habits, preg: list[Record], kids: list[Record],
                     rep: Report) -> set[str]:
    """High-risk women (who need 专案管理 and referral) left out of the register or graded down; the report counts them."""
    risky = [p for p in preg if p.get("风险分级") in ("橙", "红")
             and (_q1(p.get("分娩日期")) or any(_q1(v["检查日期"]) for v in p["_visits"]))]
    if not risky:
        return set()
    before = _counts(preg, kids)
    chosen = {p["手册编号"] for p in _pick(rng, risky, float(rng.uniform(0.6, 1.0)))}
    if rng.random() < 0.5:   # the cards are taken out: nothing left in the register to point at
        preg[:] = [p for p in preg if p["手册编号"] not in chosen]
        for c in kids:
            if c.get("母亲手册编号") in chosen:
                c["母亲手册编号"] = None
        touched: set[str] = set()
    else:
        for p in preg:
            if p["手册编号"] in chosen:
                p["风险分级"] = str(rng.choice(["黄", "绿"], p=[0.8, 0.2]))
        touched = chosen
    _report_keeps(rep, before, preg, kids)
    return touched


def postpartum_elsewhere(rng: np.random.Generator, h: Habits, preg: list[Record], kids: list[Record],
                         rep: Report) -> set[str]:
    """Women who went away to deliver: no delivery here, but postpartum visits written from the due date."""
    cands = [p for p in preg if _q1(p.get("分娩日期")) and p["_visits"] and p.get("分娩地点") != f"{h.name}卫生院"
             and add_days(max(p["预产期"], p["_visits"][-1]["检查日期"]), 3) <= QUARTER_END]
    chosen = _pick(rng, cands, float(rng.uniform(0.25, 0.45)))
    before = _counts(preg, kids)
    examiner, who = str(rng.choice(h.examiners)), str(rng.choice(h.staff))
    for p in chosen:
        for col in DELIVERY_COLS:
            p.pop(col, None)
        base, p["_postpartum"] = max(p["预产期"], p["_visits"][-1]["检查日期"]), []
        for offset in (int(rng.integers(3, 8)), int(rng.integers(12, 16)), int(rng.integers(26, 29))):
            d = add_days(base, offset)
            if d > QUARTER_END:
                break
            at = datetime.combine(add_days(d, int(rng.integers(*h.entry_lag_days))), datetime.min.time())
            p["_postpartum"].append({"访视日期": d, "收缩压": int(rng.choice([110, 115, 120])),
                                     "舒张压": int(rng.choice([70, 75, 80])), "情况": "恢复良好", "访视者": examiner,
                                     "_meta": stamp(rng, at + timedelta(minutes=int(rng.integers(540, 1000))), who)})
    ids = {p["手册编号"] for p in chosen}
    kids[:] = [c for c in kids if c.get("母亲手册编号") not in ids]   # the babies live where they were born
    _report_keeps(rep, before, preg, kids)
    return ids


def bp_fixed(rng: np.random.Generator, h: Habits, preg: list[Record], kids: list[Record], rep: Report) -> set[str]:
    """One examiner stopped measuring this quarter and writes 110/70 or 120/80."""
    lazy, touched = str(rng.choice(h.examiners)), set()
    p_low = float(rng.uniform(0.4, 0.7))
    for p in preg:
        for v in p["_visits"] + p["_postpartum"]:
            if (v.get("检查者") or v.get("访视者")) == lazy and _q1(v.get("检查日期") or v.get("访视日期")):
                v["收缩压"], v["舒张压"] = (110, 70) if rng.random() < p_low else (120, 80)
                touched.add(p["手册编号"])
    return touched


HOLDOUT_FAKES: dict[str, Callable[..., set[str]]] = {
    "card_cloned": card_cloned, "growth_extrapolated": growth_extrapolated, "backfilled": backfilled,
    "high_risk_hidden": high_risk_hidden, "postpartum_elsewhere": postpartum_elsewhere, "bp_fixed": bp_fixed,
}
ALL_KINDS = {**KINDS, **HOLDOUT_KINDS}


def assign_kinds(rng: np.random.Generator, n_fab: int) -> list[list[str]]:
    """Every held-out kind first (when there are enough units), then the old kinds; 45 % get a second, any kind."""
    primary = [str(k) for k in rng.permutation(list(HOLDOUT_KINDS))] + [str(k) for k in rng.permutation(list(KINDS))]
    out = [[primary[i % len(primary)]] for i in range(n_fab)]
    for unit_kinds in out:
        if rng.random() < 0.45:
            unit_kinds.append(str(rng.choice([k for k in ALL_KINDS if k not in unit_kinds])))
    return [out[int(i)] for i in rng.permutation(n_fab)]

