"""A second group of honest oddities held out from tuning: honest townships that look odd but make nothing up.

Only built with ``build(..., holdout_kinds2=True)``. ``BEFORE_ENTRY`` functions change the honest records before
entry metadata is stamped, ``AFTER_ENTRY`` ones change how the entry metadata looks. Each one is a way real work
is done (a referral centre, new equipment, one midwife, many twins); nothing is copied or made up.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import numpy as np
from benchmarks.county_b.builder import Record, stamp
from benchmarks.county_b.fakes_holdout import _next_number
from benchmarks.county_b.habits import GIVEN, Habits, person_name, read_birth_weight, read_blood_loss
from benchmarks.county_b.oddities_holdout import Oddity

ODDITIES = {
    "referral_centre": "县医院分院：周边高危孕妇转来，剖宫产多（诚实）",
    "new_equipment": "季度中换用电子秤和电子血压计（诚实）",
    "one_midwife": "一位细心的助产士包揽全部产检和访视，当天下班后自己录入（诚实）",
    "many_twins": "双胎多：同日出生、同日体检、数值相近的两本儿童手册（诚实）",
}


def referral_centre(rng: np.random.Generator, h: Habits, preg: list[Record], kids: list[Record]) -> None:
    """A centre run as a branch of the county hospital: high-risk women of nearby townships are sent here and
    deliver here, many by caesarean section."""
    rate = float(rng.uniform(0.55, 0.7))
    for p in preg:
        p["风险分级"] = str(rng.choice(["绿", "黄", "橙", "红"], p=[0.42, 0.3, 0.2, 0.08]))
        if not p.get("分娩日期"):
            continue
        if rng.random() < 0.8:
            p["分娩地点"] = f"{h.name}卫生院"
        mode = "剖宫产" if rng.random() < rate else p["分娩方式"].replace("剖宫产", "顺产")
        if mode != p["分娩方式"]:
            p["分娩方式"] = mode
            p["产后出血量（ml）"] = read_blood_loss(rng, float(rng.lognormal(np.log(380 if mode == "剖宫产" else 230), 0.35)))


def new_equipment(rng: np.random.Generator, h: Habits, preg: list[Record], kids: list[Record]) -> None:
    """Until mid-quarter the children's pan scale was read to the half kilogram and BP taken on a mercury
    sphygmomanometer; from the day the new electronic scale and BP monitors came, readings are to 0.1 kg and 1 mmHg."""
    switch = date(2012, 2, int(rng.integers(1, 29)))
    for c in kids:
        for e in c["_exams"]:
            if e["体检日期"] < switch:
                e["体重（kg）"] = max(0.5, round(round(e["体重（kg）"] * 2) / 2, 1))
    for p in preg:
        for v in p["_visits"] + p["_postpartum"]:
            if (v.get("检查日期") or v.get("访视日期")) >= switch:
                v["收缩压"] = int(v["收缩压"] + rng.integers(-4, 5))
                v["舒张压"] = int(min(v["舒张压"] + rng.integers(-4, 5), v["收缩压"] - 20))


def _careful_reading(rng: np.random.Generator, value: int) -> int:
    """Mercury read carefully to the even mmHg: a value the county habit rounded to 0 becomes a nearby even one."""
    return int(value + rng.choice([-4, -2, 0, 2, 4])) if value % 10 == 0 else value


def midwife_visits(rng: np.random.Generator, h: Habits, preg: list[Record], kids: list[Record]) -> None:
    """One midwife does every antenatal visit and postpartum visit herself."""
    midwife = person_name(rng)
    for p in preg:
        for v in p["_visits"] + p["_postpartum"]:
            v["检查者" if "检查日期" in v else "访视者"] = midwife
            v["收缩压"] = _careful_reading(rng, v["收缩压"])
            v["舒张压"] = min(_careful_reading(rng, v["舒张压"]), v["收缩压"] - 20)


def midwife_entry(rng: np.random.Generator, h: Habits, preg: list[Record], kids: list[Record]) -> None:
    """... and keys the day's visits in herself after the clinic closes, the same evening."""
    by_day: dict[date, list[Record]] = {}
    for p in preg:
        for v in p["_visits"] + p["_postpartum"]:
            by_day.setdefault(v.get("检查日期") or v["访视日期"], []).append(v)
    for day, visits in sorted(by_day.items()):
        clock = datetime(day.year, day.month, day.day, 17, 20) + timedelta(minutes=int(rng.integers(0, 40)))
        for v in visits:
            clock += timedelta(minutes=int(rng.integers(3, 9)))
            v["_meta"] = stamp(rng, clock, v.get("检查者") or v["访视者"])


def many_twins(rng: np.random.Generator, h: Habits, preg: list[Record], kids: list[Record]) -> None:
    """Many twin births (a cluster around a family tradition and a fertility clinic in the county town): each twin
    has a card, same birth date and mother, brought to every exam together, measured within a few per cent."""
    used = {p["手册编号"] for p in preg} | {c["手册编号"] for c in kids}
    mothers = {p["手册编号"]: p for p in preg}
    recent = [c for c in kids if c["出生日期"] >= date(2010, 6, 1) and c["_exams"]]
    k = max(4, int(round(len(recent) * rng.uniform(0.04, 0.07))))
    chosen = {int(i) for i in rng.choice(len(recent), size=min(k, len(recent)), replace=False)} if recent else set()
    out: list[Record] = []
    for i, c in enumerate(recent):
        if i not in chosen:
            continue
        mother = mothers.get(c.get("母亲手册编号") or "")
        grams = float(c["出生体重（g）"] or 3000) - 350
        c["出生体重（g）"] = read_birth_weight(rng, grams)
        if mother:
            mother.update({"胎数": 2, "出生体重（g）": c["出生体重（g）"]})
        surname = c["姓名"][0]
        twin: Record = {**{k2: v for k2, v in c.items() if not k2.startswith("_")},
                        "手册编号": _next_number(used, h.code, "C"), "性别": str(rng.choice(["男", "女"])),
                        "姓名": surname + "".join(rng.choice(list(GIVEN), size=len(c["姓名"]) - 1)),
                        "出生体重（g）": read_birth_weight(rng, grams + float(rng.normal(0, 220))), "_exams": []}
        for e in c["_exams"]:
            twin["_exams"].append({**{k2: v for k2, v in e.items() if k2 != "_meta"}, "体重（kg）": round(max(1.0, e["体重（kg）"] * (1 + float(rng.normal(0, 0.05)))), 1),
                                   "身长/身高（cm）": round(e["身长/身高（cm）"] + float(rng.normal(0, 1.0)), 1),
                                   "头围（cm）": round(e["头围（cm）"] + float(rng.normal(0, 0.6)), 1),
                                   "血红蛋白（g/L）": int(round(rng.normal(116, 10))) if e.get("血红蛋白（g/L）") else None})
        out.append(twin)
    kids.extend(out)


BEFORE_ENTRY: dict[str, Oddity] = {"referral_centre": referral_centre, "new_equipment": new_equipment,
                                   "one_midwife": midwife_visits, "many_twins": many_twins}
AFTER_ENTRY: dict[str, Oddity] = {"one_midwife": midwife_entry}
