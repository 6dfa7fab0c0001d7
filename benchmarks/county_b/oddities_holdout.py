"""Honest oddities held out from tuning: honest townships that look odd but make nothing up.

Only built with ``build(..., holdout_kinds=True)``. ``BEFORE_ENTRY`` functions change the honest records before
entry metadata is stamped, ``AFTER_ENTRY`` ones change how the entry metadata looks. None of them invents a
record or a value: dates and measurements stay what the honest builder drew.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta

import numpy as np
from benchmarks.county_b.builder import EXPORT_AT, QUARTER_END, SYSTEM_START, Record, stamp
from benchmarks.county_b.habits import VILLAGES, Habits, add_days, person_name

ODDITIES = {
    "nightly_sync": "新系统夜间同步：录入时间都是凌晨同步时刻（诚实）",
    "outreach_campaign": "偏远山区：外展活动集中补录村医纸质记录，家中分娩多（诚实）",
    "vaccination_days": "儿童体检集中在每月两个固定接种日（诚实）",
}


def _items(preg: list[Record], kids: list[Record]) -> list[tuple[date, Record, Record]]:
    """(date of the event, item, its card) for every card, visit and exam, in card order."""
    out: list[tuple[date, Record, Record]] = []
    for p in preg:
        out.append((p["建册日期"], p, p))
        out += [(v["检查日期"], v, p) for v in p["_visits"]] + [(v["访视日期"], v, p) for v in p["_postpartum"]]
    for c in kids:
        out.append((c["_exams"][0]["体检日期"], c, c))
        out += [(e["体检日期"], e, c) for e in c["_exams"]]
    return out


def nightly_sync(rng: np.random.Generator, h: Habits, preg: list[Record], kids: list[Record]) -> None:
    """Since the new system went live, 录入时间 is the time the night's sync wrote the record: ~02:00, seconds apart."""
    live = date(2011, int(rng.integers(7, 11)), 1)
    nights: dict[date, list[Record]] = {}
    for _when, item, _card in _items(preg, kids):
        meta = item.get("_meta")
        if meta and meta["录入时间"].date() >= live and add_days(meta["录入时间"].date(), 1) < EXPORT_AT.date():
            nights.setdefault(add_days(meta["录入时间"].date(), 1), []).append(item)
    for night, batch in nights.items():
        clock = datetime(night.year, night.month, night.day, 2, 0, int(rng.integers(0, 30)))
        for item in sorted(batch, key=lambda x: x["_meta"]["录入时间"]):
            clock += timedelta(seconds=int(rng.integers(0, 3)))
            meta = item["_meta"]
            meta["录入时间"] = clock
            if meta["修改时间"] and meta["修改时间"] < clock:
                meta["修改时间"] = min(clock + timedelta(days=int(rng.integers(1, 10))), EXPORT_AT)


def outreach_homes(rng: np.random.Generator, h: Habits, preg: list[Record], kids: list[Record]) -> None:
    """Remote villages: many women deliver at home (normal births); their cards are marked for the campaign."""
    remote = {h.name[:2] + str(v) + "村" for v in rng.choice(list(VILLAGES), size=4, replace=False)}
    for p in preg:
        p["_outreach"] = p["村（居）"] in remote
        if p["_outreach"] and p.get("分娩日期") and rng.random() < 0.5:
            p["分娩地点"] = "家中"
            if p.get("分娩方式") == "剖宫产":
                p["分娩方式"] = "顺产"
    for c in kids:
        c["_outreach"] = c["村（居）"] in remote


def outreach_entry(rng: np.random.Generator, h: Habits, preg: list[Record], kids: list[Record]) -> None:
    """A real campaign week in March: the team keys in the village doctors' paper records of the remote villages."""
    start = date(2012, 3, int(rng.integers(12, 20)))
    persons = list(h.staff[:1]) + [person_name(rng) for _ in range(2)]
    items = [item for when, item, card in _items(preg, kids) if card.get("_outreach") and when < start]
    days = [add_days(start, k) for k in range(5)]
    per_day = -(-len(items) // len(days))
    for k, day in enumerate(days):
        clocks = [datetime(day.year, day.month, day.day, 8, 30) + timedelta(minutes=int(rng.integers(0, 40)))
                  for _ in persons]
        for j, item in enumerate(items[k * per_day:(k + 1) * per_day]):
            p = j % len(persons)
            clocks[p] += timedelta(seconds=int(rng.integers(60, 300)))
            if clocks[p].hour == 12:
                clocks[p] += timedelta(hours=2)
            item["_meta"] = stamp(rng, clocks[p], persons[p])


def vaccination_days(rng: np.random.Generator, h: Habits, preg: list[Record], kids: list[Record]) -> None:
    """Families bring the child on the clinic's two vaccination days a month; the exam is done the same day."""
    days = sorted(int(d) for d in rng.choice(range(5, 26), size=2, replace=False))
    for c in kids:
        seen: set[date] = set()
        kept: list[Record] = []
        for e in c["_exams"]:
            d = e["体检日期"]
            months = [(d.year + (d.month - 2 + k) // 12, (d.month - 2 + k) % 12 + 1) for k in range(3)]
            near = sorted((date(y, m, day) for y, m in months for day in days), key=lambda x: abs((x - d).days))
            free = [x for x in [*near, d] if x > c["出生日期"] and SYSTEM_START <= x <= QUARTER_END and x not in seen]
            if free:
                e["体检日期"] = free[0]
                seen.add(free[0])
                kept.append(e)
        c["_exams"][:] = sorted(kept or c["_exams"][:1], key=lambda e: e["体检日期"])


Oddity = Callable[[np.random.Generator, Habits, list[Record], list[Record]], None]
BEFORE_ENTRY: dict[str, Oddity] = {"outreach_campaign": outreach_homes, "vaccination_days": vaccination_days}
AFTER_ENTRY: dict[str, Oddity] = {"nightly_sync": nightly_sync, "outreach_campaign": outreach_entry}
