"""A second group of fabrication kinds held out from tuning, different in mechanism from fakes.py and fakes_holdout.py.

Only built with ``build(..., holdout_kinds2=True)`` (``--holdout-kinds2``); the checks were never tuned on them.
Written from the field's point of view (domain/quality.md, domain/registers.md, seed bulletins: "编造资料",
"室内编造假资料", "工作浮漂", "真实性差"), not from any check. Each kind returns the record numbers it touched
(a made-up monthly report touches no register record).
"""

from __future__ import annotations

import bisect
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

import numpy as np
from benchmarks.county_b.builder import QUARTER_END, QUARTER_START, Record, stamp
from benchmarks.county_b.fakes import KINDS, Report, _pick, _q1
from benchmarks.county_b.fakes_holdout import ALL_KINDS as KINDS_1
from benchmarks.county_b.fakes_holdout import HOLDOUT_KINDS, _next_number
from benchmarks.county_b.habits import GIVEN, Habits, add_days, person_name, read_bp
from benchmarks.county_b.reports import MONTHS, count_month

HOLDOUT2_KINDS = {
    "phone_visits": "电话随访冒充入户产后访视",
    "textbook_anc": "产检体重宫高按教科书推算",
    "double_registered": "同一孕妇换名重复建册",
    "last_year_copied": "照抄去年体检表（只改年份）",
    "report_made_up": "月报按任务数编造（登记簿只录一部分）",
    "shared_lmp": "末次月经统一编写、孕周据此推算",
}
ALL_KINDS = {**KINDS_1, **HOLDOUT2_KINDS}
Q1_MONTHS = ("201201", "201202", "201203")
# Characters a clerk writing a name from hearing may swap for another of the same sound.
HOMOPHONES = {
    "秀": "绣", "英": "瑛", "丽": "莉", "敏": "民", "静": "晶", "芳": "方", "娜": "那", "霞": "侠", "燕": "艳",
    "红": "宏", "艳": "燕", "玲": "苓", "桂": "贵", "兰": "岚", "梅": "美", "琳": "林", "萍": "平", "华": "花",
    "婷": "亭", "雪": "学", "倩": "茜", "文": "雯", "娟": "鹃", "玉": "钰", "晶": "静", "欣": "新", "怡": "宜",
    "佳": "家", "悦": "月", "子": "紫", "涵": "寒", "王": "汪", "李": "黎", "张": "章", "刘": "柳", "陈": "程",
    "杨": "阳", "周": "邹", "吴": "伍", "徐": "许", "胡": "扈", "林": "琳", "何": "贺", "马": "玛", "罗": "骆",
}
# Report elements a township officer fills in from the year's task numbers instead of counting.
MADE_UP = ("PREG_TOTAL", "PREG_REGISTERED", "EARLY_REG", "ANC_FIRST", "PARTURIENTS", "LIVE_BIRTHS",
           "HOSP_DELIVERIES", "ANC_ANY", "ANC_5PLUS", "SYS_MANAGED", "POSTPARTUM_VISIT", "NEWBORN_VISITED",
           "TRIPLE_TESTED", "CHILD_U3", "CHILD_U3_EXAMS", "CHILD_U7", "CHILD_U7_MANAGED", "PERINATAL_BIRTHS")


# ---------------------------------------------------------------- helpers


class Sessions:
    """The clerk's real entry sessions: a new item is keyed in with the items of the same days (same clerk)."""

    def __init__(self, h: Habits, preg: list[Record], kids: list[Record]) -> None:
        self.h = h
        pairs: list[tuple[date, dict[str, Any]]] = []
        for p in preg:
            pairs += [(p["建册日期"], p)] + [(v["检查日期"], v) for v in p["_visits"]]
            pairs += [(v["访视日期"], v) for v in p["_postpartum"]]
        for c in kids:
            pairs += [(e["体检日期"], e) for e in c["_exams"]]
        pairs = sorted(((d, x["_meta"]) for d, x in pairs if x.get("_meta")), key=lambda t: (t[0], t[1]["录入时间"]))
        self.days = [d for d, _ in pairs]
        self.metas = [m for _, m in pairs]

    def meta(self, rng: np.random.Generator, when: date) -> dict[str, Any]:
        lo, hi = bisect.bisect_left(self.days, add_days(when, -3)), bisect.bisect_right(self.days, add_days(when, 3))
        if hi > lo:
            near = self.metas[int(rng.integers(lo, hi))]
            return stamp(rng, near["录入时间"] + timedelta(seconds=int(rng.integers(30, 600))), near["录入人"])
        at = datetime.combine(add_days(when, int(rng.integers(*self.h.entry_lag_days))), datetime.min.time())
        return stamp(rng, at + timedelta(hours=9, minutes=int(rng.integers(0, 420))), str(rng.choice(self.h.staff)))


def _name_variant(rng: np.random.Generator, name: str) -> str:
    """The same woman's name as written a second time: one character by sound, or one dropped or added."""
    swappable = [i for i, ch in enumerate(name) if ch in HOMOPHONES]
    way = rng.random()
    if swappable and way < 0.65:
        i = swappable[int(rng.integers(0, len(swappable)))]
        return name[:i] + HOMOPHONES[name[i]] + name[i + 1:]
    if len(name) == 3 and way < 0.85:
        return name[:2]
    return name + str(rng.choice(list(GIVEN))) if len(name) == 2 else name[0] + name[2:] + name[1]


def _weeks(d: date, lmp: date) -> float:
    return round((d - lmp).days / 7, 1)


# ---------------------------------------------------------------- kinds


def phone_visits(rng: np.random.Generator, h: Habits, preg: list[Record], kids: list[Record], rep: Report) -> set[str]:
    """A village doctor phones the mothers on her weekly phone day and writes each call as a home visit."""
    sessions, doctor, weekday = Sessions(h, preg, kids), person_name(rng), int(rng.integers(0, 5))
    cands = [p for p in preg if p.get("分娩日期") and date(2011, 12, 1) <= p["分娩日期"] <= add_days(QUARTER_END, -4)]
    chosen = _pick(rng, cands, float(rng.uniform(0.4, 0.8)))
    for p in chosen:
        first = add_days(p["分娩日期"], 3)
        first = add_days(first, (weekday - first.weekday()) % 7)
        sbp, dbp = p.get("产后收缩压") or 120, p.get("产后舒张压") or 80   # she cannot take BP on the phone
        p["_postpartum"] = []
        for k in range(int(rng.choice([2, 3, 3]))):
            d = add_days(first, 7 * k)
            if d > QUARTER_END:
                break
            p["_postpartum"].append({"访视日期": d, "收缩压": sbp, "舒张压": dbp, "情况": "恢复良好", "访视者": doctor,
                                     "_meta": sessions.meta(rng, d)})
    return {p["手册编号"] for p in chosen if p["_postpartum"]}


def textbook_anc(rng: np.random.Generator, h: Habits, preg: list[Record], kids: list[Record], rep: Report) -> set[str]:
    """BP is taken, but weight is "worked out" as 0.5 kg a week and fundal height written as the week (宫高≈孕周)."""
    women = [p for p in preg if any(_q1(v["检查日期"]) and v["孕周"] >= 16 for v in p["_visits"])]
    gain, touched = float(rng.choice([0.5, 0.5, 0.4])), set()
    for p in _pick(rng, women, float(rng.uniform(0.4, 0.7))):
        base = ([v for v in p["_visits"] if v["检查日期"] < QUARTER_START] or p["_visits"][:1])[-1]
        w0, t0 = base["体重（kg）"], base["孕周"]
        for v in p["_visits"]:
            if _q1(v["检查日期"]) and v is not base:
                v["体重（kg）"] = round(w0 + gain * (v["孕周"] - t0), 1)
                if v["孕周"] >= 20:
                    v["宫高（cm）"] = float(round(v["孕周"]))
                touched.add(p["手册编号"])
    return touched


def double_registered(rng: np.random.Generator, h: Habits, preg: list[Record], kids: list[Record],
                      rep: Report) -> set[str]:
    """To reach the 建册 target, women already registered are registered again under a name written slightly
    differently, without the ID number; the second card has a visit or two near the first card's values."""
    sessions = Sessions(h, preg, kids)
    used = {p["手册编号"] for p in preg} | {c["手册编号"] for c in kids}
    sources = [p for p in preg if date(2011, 11, 25) <= p["建册日期"] <= date(2012, 3, 20) and p["_visits"]]
    k = max(3, int(round(len(preg) * rng.uniform(0.06, 0.12))))
    out: set[str] = set()
    for i in sorted(rng.choice(len(sources), size=min(k, len(sources)), replace=False)) if sources else []:
        src = sources[int(i)]
        reg = min(max(add_days(src["建册日期"], int(rng.integers(7, 45))), add_days(QUARTER_START, int(rng.integers(0, 10)))),
                  QUARTER_END)
        if src.get("分娩日期") and src["分娩日期"] < add_days(reg, 30):
            continue
        lmp = src["末次月经"] if rng.random() < 0.6 else add_days(src["末次月经"], int(rng.integers(-10, 11)))
        birth = src["出生日期"]
        u = rng.random()
        if u < 0.2:
            birth = add_days(birth, int(rng.choice([-2, -1, 1, 2])))
        elif u < 0.35 and birth.day <= 12 and birth.day != birth.month:
            birth = date(birth.year, birth.day, birth.month)   # month and day typed the other way round
        phone = src["电话"]
        u = rng.random()
        if u < 0.3:
            j = int(rng.integers(3, len(phone)))
            phone = phone[:j] + str((int(phone[j]) + int(rng.integers(1, 10))) % 10) + phone[j + 1:]
        elif u < 0.5:
            phone = None
        new: Record = {k2: v for k2, v in src.items() if not k2.startswith("_") and k2 in (
            "单位编码", "村（居）", "孕次", "产次", "血型", "Rh")}
        new.update({"手册编号": _next_number(used, h.code, "P"), "姓名": _name_variant(rng, src["姓名"]), "身份证号": None,
                    "出生日期": birth, "电话": phone, "建册日期": reg, "末次月经": lmp, "预产期": add_days(lmp, 280),
                    "建册孕周": _weeks(reg, lmp), "风险分级": "绿" if rng.random() < 0.7 else src["风险分级"],
                    "_visits": [], "_postpartum": [], "_meta": sessions.meta(rng, reg)})
        if rng.random() < 0.5:
            for test in ("艾滋病", "梅毒", "乙肝"):
                if src.get(f"{test}检测结果"):
                    new[f"{test}检测日期"] = add_days(reg, int(rng.integers(0, 4)))
                    new[f"{test}检测结果"] = src[f"{test}检测结果"]
        for d in [reg] + ([add_days(reg, 28)] if rng.random() < 0.5 else []):
            if d > QUARTER_END:
                break
            near = min(src["_visits"], key=lambda v: abs((v["检查日期"] - d).days))
            weeks = _weeks(d, lmp)
            new["_visits"].append({
                "检查日期": d, "孕周": weeks, "体重（kg）": round(near["体重（kg）"] + float(rng.normal(0, 0.6)), 1),
                "收缩压": read_bp(rng, near["收缩压"] + rng.normal(0, 4), h),
                "舒张压": min(read_bp(rng, near["舒张压"] + rng.normal(0, 3), h), near["收缩压"] - 20),
                "血红蛋白（g/L）": near.get("血红蛋白（g/L）"), "宫高（cm）": round(weeks - 2 + rng.normal(0, 1.5), 1)
                if weeks >= 20 else None, "胎心率": int(round(rng.normal(142, 8))) if weeks >= 12 else None,
                "检查者": str(rng.choice(h.examiners)), "_meta": sessions.meta(rng, d)})
        preg.append(new)
        out.add(new["手册编号"])
    return out


def last_year_copied(rng: np.random.Generator, h: Habits, preg: list[Record], kids: list[Record],
                     rep: Report) -> set[str]:
    """The first-quarter exams are last year's first-quarter exam sheet copied, values and all, with 2011 → 2012."""
    sessions = Sessions(h, preg, kids)

    def copyable(c: Record, e: Record) -> bool:
        d, birth = e["体检日期"], c["出生日期"]
        return d.year == 2011 and d.month <= 3 and (d - birth).days >= 60 and (d.replace(year=2012) - birth).days < 1095

    eligible = [c for c in kids if any(copyable(c, e) for e in c["_exams"])]
    chosen = _pick(rng, eligible, float(rng.uniform(0.35, 0.65)))
    exact = rng.random() < 0.5
    for c in chosen:
        copies = []
        for e in [e for e in c["_exams"] if copyable(c, e)]:
            d = e["体检日期"].replace(year=2012)
            if not exact:
                d = min(max(add_days(d, int(rng.integers(-5, 6))), QUARTER_START), QUARTER_END)
            copies.append({**{k: v for k, v in e.items() if k != "_meta"}, "体检日期": d, "_meta": sessions.meta(rng, d)})
        kept = [e for e in c["_exams"] if not _q1(e["体检日期"])]
        seen = {e["体检日期"] for e in kept}
        for x in copies:
            if x["体检日期"] not in seen:
                seen.add(x["体检日期"])
                kept.append(x)
        c["_exams"][:] = sorted(kept, key=lambda e: e["体检日期"])
    return {c["手册编号"] for c in chosen}


def report_made_up(rng: np.random.Generator, h: Habits, preg: list[Record], kids: list[Record],
                   rep: Report) -> set[str]:
    """Only part of the cards are ever keyed in (the register is honest but sparse); the monthly reports are filled
    in from the year's task numbers: about the real workload or more, nearly the same every month."""
    before = {m: count_month(m, preg, kids) for m in Q1_MONTHS}
    keep = float(rng.uniform(0.3, 0.75))
    preg[:] = [p for p in preg if rng.random() < keep]
    present = {p["手册编号"] for p in preg}
    kids[:] = [c for c in kids if rng.random() < keep]
    for c in kids:
        if c.get("母亲手册编号") not in present:
            c["母亲手册编号"] = None
    after = {m: count_month(m, preg, kids) for m in Q1_MONTHS}
    lift = float(rng.uniform(1.0, 1.25))
    for element in MADE_UP:
        task = lift * float(np.mean([before[m][element] for m in Q1_MONTHS]))
        level = float(np.mean([after[m][element] for m in Q1_MONTHS]))
        for month in MONTHS:
            value = max(0, int(round(task)) + int(rng.integers(-1, 2)))
            delta = value - (after[month][element] if month in after else int(round(level)))
            key = (month, element)
            if delta > 0 and rep.get(key, 0) >= 0:   # negative values are another kind's multiplier markers
                rep[key] = rep.get(key, 0) + delta
    return set()


def shared_lmp(rng: np.random.Generator, h: Habits, preg: list[Record], kids: list[Record], rep: Report) -> set[str]:
    """Women who did not know their LMP get one made up per registration month (the same date for all of them);
    due date, weeks at registration and at every visit are then worked out from it."""
    women = [p for p in preg if date(2011, 10, 1) <= p["建册日期"] <= QUARTER_END]
    chosen = _pick(rng, women, float(rng.uniform(0.5, 0.8)))
    made_up: dict[tuple[int, int], date] = {}
    touched: set[str] = set()
    for p in chosen:
        reg = p["建册日期"]
        key = (reg.year, reg.month)
        if key not in made_up:
            y, m = divmod(reg.year * 12 + reg.month - 1 - 3, 12)
            made_up[key] = date(y, m + 1, int(rng.choice([1, 1, 10, 15])))
        lmp = made_up[key]
        ends = [v["检查日期"] for v in p["_visits"]] + ([p["分娩日期"]] if p.get("分娩日期") else [])
        if (reg - lmp).days < 35 or any(not 28 <= (d - lmp).days <= 43 * 7 for d in ends):
            continue
        p.update({"末次月经": lmp, "预产期": add_days(lmp, 280), "建册孕周": _weeks(reg, lmp)})
        for v in p["_visits"]:
            v["孕周"] = _weeks(v["检查日期"], lmp)
        touched.add(p["手册编号"])
    return touched


HOLDOUT2_FAKES: dict[str, Callable[..., set[str]]] = {
    "phone_visits": phone_visits, "textbook_anc": textbook_anc, "double_registered": double_registered,
    "last_year_copied": last_year_copied, "report_made_up": report_made_up, "shared_lmp": shared_lmp,
}


def assign_kinds(rng: np.random.Generator, n_fab: int) -> list[list[str]]:
    """Every kind of this group first (when there are enough units), then the older kinds; 45 % get a second."""
    older = list(KINDS) + list(HOLDOUT_KINDS)
    primary = [str(k) for k in rng.permutation(list(HOLDOUT2_KINDS))] + [str(k) for k in rng.permutation(older)]
    out = [[primary[i % len(primary)]] for i in range(n_fab)]
    for unit_kinds in out:
        if rng.random() < 0.45:
            unit_kinds.append(str(rng.choice([k for k in ALL_KINDS if k not in unit_kinds])))
    return [out[int(i)] for i in rng.permutation(n_fab)]
