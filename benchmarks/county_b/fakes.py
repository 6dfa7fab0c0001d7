"""Ways a township officer fakes registers, as inspectors describe them (domain/quality.md, seed bulletins).

Each kind has several ways of doing it; ``apply`` picks one (or two) per unit and returns the record numbers
it touched. Written from the field's point of view, not from any check.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

import numpy as np
from benchmarks.county_b.builder import (
    ANC_WEEKS,
    QUARTER_END,
    QUARTER_START,
    Record,
    booked_date,
    id_number,
    stamp,
)
from benchmarks.county_b.habits import Habits, _lms, add_days, add_months, person_name, village

KINDS = {
    "one_sitting": "卡片一笔写成",
    "copied_values": "数值雷同（抄写）",
    "invented_heaping": "编造数值（末位数字堆积）",
    "on_schedule": "体检恰在计划日",
    "register_vs_report": "登记簿与月报不符",
    "written_ahead": "超前编写",
    "anc_filled_in": "补填产前检查",
}
Report = dict[tuple[str, str], int]   # (period 2012MM, element) -> delta or override marker


def _q1(d: Any) -> bool:
    return isinstance(d, date) and QUARTER_START <= d <= QUARTER_END


def _q1_children(children: list[Record]) -> list[Record]:
    return [c for c in children if any(_q1(e["体检日期"]) for e in c["_exams"])]


def _pick(rng: np.random.Generator, items: list[Record], share: float) -> list[Record]:
    k = max(1, int(round(len(items) * share))) if items else 0
    return [items[i] for i in sorted(rng.choice(len(items), size=min(k, len(items)), replace=False))]


def _median_child(sex: int, age: int) -> tuple[float, float]:
    age = min(max(age, 0), 1856)
    return float(_lms("lenanthro")[sex][age][1]), float(_lms("weianthro")[sex][age][1])


def _burst(rng: np.random.Generator, items: list[Record], start: datetime, who: str, sittings: int) -> None:
    per = -(-len(items) // sittings)
    for s in range(sittings):
        clock = start + timedelta(days=s)
        for item in items[s * per:(s + 1) * per]:
            clock += timedelta(seconds=int(rng.integers(25, 150)))
            item["_meta"] = stamp(rng, clock, who)
            item["_meta"]["修改时间"] = None


# ---------------------------------------------------------------- kinds


def one_sitting(rng: np.random.Generator, h: Habits, preg: list[Record], kids: list[Record], rep: Report) -> set[str]:
    who, sittings = str(rng.choice([h.staff[0], person_name(rng)])), int(rng.choice([1, 1, 2]))
    start = datetime(2012, 3, int(rng.integers(24, 30)), int(rng.integers(14, 20)), int(rng.integers(0, 59)))
    examiner = str(rng.choice(h.examiners))
    if rng.random() < 0.5:   # whole pregnancy cards invented for women nobody saw
        cards: list[Record] = []
        for i in range(int(rng.integers(25, 45))):
            lmp = add_days(date(2011, 6, 1), int(rng.integers(0, 150)))
            birth = date(int(rng.integers(1975, 1992)), int(rng.integers(1, 13)), int(rng.integers(1, 29)))
            rec: Record = {"单位编码": h.code, "手册编号": f"{h.code}-P{9000 + i}", "姓名": person_name(rng),
                           "身份证号": id_number(rng, birth), "出生日期": birth, "村（居）": village(rng, h.name),
                           "建册日期": add_days(lmp, 7 * int(rng.integers(8, 13))), "末次月经": lmp,
                           "预产期": add_days(lmp, 280), "孕次": 1, "产次": 0, "风险分级": "绿",
                           "_visits": [], "_postpartum": []}
            rec["建册孕周"] = round((rec["建册日期"] - lmp).days / 7, 1)
            for week in [int((rec["建册日期"] - lmp).days / 7)] + [w for w in ANC_WEEKS if w > 16]:
                d = add_days(lmp, 7 * week + int(rng.integers(0, 3)))
                if d <= QUARTER_END:
                    rec["_visits"].append({"检查日期": d, "孕周": round((d - lmp).days / 7, 1),
                                           "体重（kg）": round(float(rng.normal(55 + week * 0.4, 2)), 1),
                                           "收缩压": int(rng.choice([110, 115, 120])), "舒张压": int(rng.choice([70, 75, 80])),
                                           "血红蛋白（g/L）": int(rng.choice([110, 115, 120])), "检查者": examiner})
            cards.append(rec)
        preg.extend(cards)
        _burst(rng, [x for c in cards for x in [c, *c["_visits"]]], start, who, sittings)
        return {c["手册编号"] for c in cards}
    chosen = _pick(rng, _q1_children(kids), float(rng.uniform(0.3, 0.5)))[:60]   # child cards of the quarter
    items: list[Record] = []
    for c in chosen:
        sex = 1 if c["性别"] == "男" else 2
        for e in c["_exams"]:
            length, weight = _median_child(sex, (e["体检日期"] - c["出生日期"]).days)
            e.update({"体重（kg）": round(weight + float(rng.normal(0, 0.3)), 1), "检查者": examiner,
                      "身长/身高（cm）": round(length + float(rng.normal(0, 0.8)), 1)})
        items += [c, *c["_exams"]]
    _burst(rng, items, start, who, sittings)
    return {c["手册编号"] for c in chosen}


def copied_values(rng: np.random.Generator, h: Habits, preg: list[Record], kids: list[Record], rep: Report) -> set[str]:
    way = int(rng.integers(0, 3))
    if way == 0:   # exams of many children copied from a few "template" children of the same age
        chosen = _pick(rng, _q1_children(kids), float(rng.uniform(0.35, 0.6)))
        templates: dict[tuple[int, int], tuple[float, float]] = {}
        for c in chosen:
            sex = 1 if c["性别"] == "男" else 2
            for e in c["_exams"]:
                age_band = (e["体检日期"] - c["出生日期"]).days // 45
                if (sex, age_band) not in templates:
                    templates[(sex, age_band)] = (e["体重（kg）"], e["身长/身高（cm）"])
                w, length = templates[(sex, age_band)]
                e["体重（kg）"] = round(w + float(rng.choice([0, 0, 0.1, -0.1])), 1)
                e["身长/身高（cm）"] = round(length + float(rng.choice([0, 0, 0.1, 0.2])), 1)
        return {c["手册编号"] for c in chosen}
    women = [p for p in preg if sum(_q1(v["检查日期"]) for v in p["_visits"]) >= 2]
    chosen = _pick(rng, women, float(rng.uniform(0.35, 0.6)))
    template = chosen[0]["_visits"][0] if chosen else {}
    for p in chosen:   # way 1: a woman's visits all copied from her first; way 2: everyone copied from one woman
        first = template if way == 2 else p["_visits"][0]
        for v in p["_visits"]:
            for col in ("收缩压", "舒张压", "血红蛋白（g/L）"):
                v[col] = first.get(col) or 115
            v["体重（kg）"] = round(float(first["体重（kg）"]) + (0.5 * (way == 1) * rng.integers(0, 2)), 1)
    return {p["手册编号"] for p in chosen}


def invented_heaping(rng: np.random.Generator, h: Habits, preg: list[Record], kids: list[Record], rep: Report) -> set[str]:
    touched: set[str] = set()
    way = int(rng.integers(0, 3))
    if way in (0, 2):   # child measurements written without a scale: .0/.5 weights, whole centimetres
        for c in _pick(rng, _q1_children(kids), float(rng.uniform(0.4, 0.7))):
            sex = 1 if c["性别"] == "男" else 2
            for e in c["_exams"]:
                if not _q1(e["体检日期"]):
                    continue
                length, weight = _median_child(sex, (e["体检日期"] - c["出生日期"]).days)
                e["体重（kg）"] = round(round((weight + float(rng.normal(0, 0.8))) * 2) / 2, 1)
                e["身长/身高（cm）"] = float(round(length + float(rng.normal(0, 2.5))))
                e["头围（cm）"] = float(round(e["头围（cm）"]))
                if e.get("血红蛋白（g/L）"):
                    e["血红蛋白（g/L）"] = int(rng.choice([100, 110, 110, 120, 120, 130]))
            touched.add(c["手册编号"])
    if way in (1, 2):   # pregnancy values: Hb, BP, weight, weeks, birth weight, blood loss all round
        q1 = [p for p in preg if any(_q1(v["检查日期"]) for v in p["_visits"]) or _q1(p.get("分娩日期"))]
        for p in _pick(rng, q1, float(rng.uniform(0.4, 0.7))):
            for v in p["_visits"]:
                if _q1(v["检查日期"]):
                    v.update({"收缩压": int(rng.choice([100, 110, 120, 120, 130])), "舒张压": int(rng.choice([60, 70, 80, 80])),
                              "体重（kg）": float(round(v["体重（kg）"])), "孕周": float(round(v["孕周"]))})
                    if v.get("血红蛋白（g/L）"):
                        v["血红蛋白（g/L）"] = int(rng.choice([100, 110, 120, 120, 130]))
            if _q1(p.get("分娩日期")):
                p.update({"出生体重（g）": int(rng.choice([2500, 3000, 3000, 3500, 3500, 4000])),
                          "产后出血量（ml）": int(rng.choice([100, 200, 200, 300, 500])),
                          "分娩孕周": float(rng.choice([38, 39, 40, 40]))})
            touched.add(p["手册编号"])
    return touched


def on_schedule(rng: np.random.Generator, h: Habits, preg: list[Record], kids: list[Record], rep: Report) -> set[str]:
    way = str(rng.choice(["months", "days", "weeks", "anc"]))
    if way == "anc":   # antenatal visits exactly every four weeks from the LMP, whole weeks
        women = [p for p in preg if any(_q1(v["检查日期"]) for v in p["_visits"])]
        chosen = _pick(rng, women, float(rng.uniform(0.5, 0.8)))
        for p in chosen:
            for v in p["_visits"]:
                week = int(round(v["孕周"]))
                v["检查日期"], v["孕周"] = add_days(p["末次月经"], 7 * week), float(week)
            end = min(p.get("分娩日期") or QUARTER_END, QUARTER_END + timedelta(days=1))
            p["_visits"] = [v for v in p["_visits"] if v["检查日期"] < end and v["检查日期"] >= p["建册日期"]]
            _dedupe_dates(p["_visits"], "检查日期")
            _keep_entry_after(rng, p["_visits"], "检查日期")
        return {p["手册编号"] for p in chosen}
    chosen = _pick(rng, _q1_children(kids), float(rng.uniform(0.5, 0.85)))
    for c in chosen:
        birth = c["出生日期"]
        for e in c["_exams"]:
            age = (e["体检日期"] - birth).days
            months = min(range(1, 61), key=lambda m: abs((add_months(birth, m) - birth).days - age))
            e["体检日期"] = booked_date(birth, months, way)
        c["_exams"] = [e for e in c["_exams"] if e["体检日期"] <= QUARTER_END]
        _dedupe_dates(c["_exams"], "体检日期")
        _keep_entry_after(rng, c["_exams"], "体检日期")
    return {c["手册编号"] for c in chosen if c["_exams"]}


def register_vs_report(rng: np.random.Generator, h: Habits, preg: list[Record], kids: list[Record], rep: Report) -> set[str]:
    way = int(rng.integers(0, 3))
    if way == 0:   # caesareans written as normal (or assisted) births in the register; the report is right
        cs = [p for p in preg if _q1(p.get("分娩日期")) and p.get("分娩方式") == "剖宫产"]
        chosen = _pick(rng, cs, float(rng.uniform(0.6, 1.0)))
        as_mode = str(rng.choice(["顺产", "助产"], p=[0.8, 0.2]))
        for p in chosen:
            p["分娩方式"] = as_mode
            if p.get("妊娠结局") == "活产":
                key = (f"{p['分娩日期']:%Y%m}", "CAESAREAN")
                rep[key] = rep.get(key, 0) + int(p.get("胎数") or 1)
        return {p["手册编号"] for p in chosen}
    factor = float(rng.uniform(1.3, 1.7))
    for month in ("201201", "201202", "201203"):   # the report inflates what was done
        if way == 1:
            for element in ("PREG_REGISTERED", "EARLY_REG", "ANC_FIRST", "CHILD_U3_EXAMS", "ANC_5PLUS", "SYS_MANAGED"):
                rep[(month, element)] = -int(factor * 1000)   # negative = multiply by |value|/1000
        else:
            for element in ("ANC_5PLUS", "SYS_MANAGED", "POSTPARTUM_VISIT"):
                rep[(month, element)] = -99_999               # = PARTURIENTS (everyone managed)
    return set()


def written_ahead(rng: np.random.Generator, h: Habits, preg: list[Record], kids: list[Record], rep: Report) -> set[str]:
    way = int(rng.integers(0, 3))
    touched: set[str] = set()
    if way == 0:   # the next child exam filled in at the previous visit
        for c in _pick(rng, _q1_children(kids), float(rng.uniform(0.25, 0.45))):
            for e in c["_exams"]:
                if _q1(e["体检日期"]) and e.get("_meta"):
                    at = datetime.combine(add_days(e["体检日期"], -int(rng.integers(10, 45))), datetime.min.time())
                    e["_meta"] = stamp(rng, at + timedelta(hours=int(rng.integers(9, 17))), e["_meta"]["录入人"])
                    touched.add(c["手册编号"])
        return touched
    for p in _pick(rng, [p for p in preg if p["_visits"] and any(_q1(v["检查日期"]) for v in p["_visits"])],
                   float(rng.uniform(0.25, 0.45))):
        if way == 1:   # scheduled antenatal visits written before they happen
            last = p["_visits"][-1]
            for v in p["_visits"]:
                if _q1(v["检查日期"]) and v is not p["_visits"][0]:
                    at = datetime.combine(add_days(v["检查日期"], -int(rng.integers(14, 40))), datetime.min.time())
                    v["_meta"] = stamp(rng, at + timedelta(hours=10), last.get("_meta", {}).get("录入人", h.staff[0]))
                    touched.add(p["手册编号"])
        elif p.get("分娩日期") and p["_postpartum"]:   # postpartum visits written on the day of delivery
            for v in p["_postpartum"]:
                v["_meta"] = stamp(rng, datetime.combine(p["分娩日期"], datetime.min.time()) + timedelta(hours=15),
                                   h.staff[0])
            touched.add(p["手册编号"])
    return touched


def anc_filled_in(rng: np.random.Generator, h: Habits, preg: list[Record], kids: list[Record], rep: Report) -> set[str]:
    delivered = [p for p in preg if _q1(p.get("分娩日期"))]
    chosen = _pick(rng, delivered, float(rng.uniform(0.25, 0.45)))
    copy_from = [p for p in preg if len(p["_visits"]) >= 5 and p not in chosen]
    examiner, who = str(rng.choice(h.examiners)), str(rng.choice(h.staff))
    for p in chosen:
        lmp, when = p["末次月经"], datetime.combine(p["分娩日期"], datetime.min.time()) + timedelta(days=3, hours=15)
        if rng.random() < 0.5 or not copy_from:   # five round visits, every four weeks from week 12
            p["_visits"] = [{"检查日期": add_days(lmp, 7 * w), "孕周": float(w), "体重（kg）": float(55 + w // 4),
                             "收缩压": 120, "舒张压": 80, "血红蛋白（g/L）": int(rng.choice([110, 120])),
                             "检查者": examiner} for w in (12, 16, 20, 28, 36)]
        else:   # another woman's visits copied, dates shifted to this pregnancy
            src = copy_from[int(rng.integers(0, len(copy_from)))]
            shift = (lmp - src["末次月经"]).days
            p["_visits"] = [{**{k: v for k, v in x.items() if k != "_meta"},
                             "检查日期": add_days(x["检查日期"], shift)} for x in src["_visits"][:6]]
        p["_visits"] = [v for v in p["_visits"] if v["检查日期"] < p["分娩日期"]]
        p["建册日期"] = min(p["建册日期"], p["_visits"][0]["检查日期"]) if p["_visits"] else p["建册日期"]
        for k, v in enumerate(p["_visits"]):
            v["_meta"] = stamp(rng, when + timedelta(minutes=2 * k), who)
    return {p["手册编号"] for p in chosen}


def _dedupe_dates(items: list[Record], col: str) -> None:
    seen: set[date] = set()
    items[:] = [x for x in items if not (x[col] in seen or seen.add(x[col]))]  # type: ignore[func-returns-value]


def _keep_entry_after(rng: np.random.Generator, items: list[Record], col: str) -> None:
    for x in items:
        meta = x.get("_meta")
        if meta and meta["录入时间"].date() < x[col]:
            x["_meta"] = stamp(rng, datetime.combine(add_days(x[col], int(rng.integers(3, 20))),
                                                     datetime.min.time()) + timedelta(hours=10), meta["录入人"])


FAKES: dict[str, Callable[..., set[str]]] = {
    "one_sitting": one_sitting, "copied_values": copied_values, "invented_heaping": invented_heaping,
    "on_schedule": on_schedule, "register_vs_report": register_vs_report, "written_ahead": written_ahead,
    "anc_filled_in": anc_filled_in,
}


def assign_kinds(rng: np.random.Generator, n_fab: int) -> list[list[str]]:
    """1–2 kinds per fabricating unit; every kind used at least once when there are enough units."""
    kinds = list(rng.permutation(list(KINDS)))
    out = [[str(kinds[i % len(kinds)])] for i in range(n_fab)]
    for unit_kinds in out:
        if rng.random() < 0.45:
            extra = str(rng.choice([k for k in KINDS if k not in unit_kinds]))
            unit_kinds.append(extra)
    return out


def fix_order(preg: list[Record], kids: list[Record]) -> None:
    """Keep visit lists sorted by date after the fakes moved things."""
    for p in preg:
        p["_visits"].sort(key=lambda v: v["检查日期"])
    for c in kids:
        c["_exams"].sort(key=lambda e: e["体检日期"])

