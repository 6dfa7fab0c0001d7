"""Monthly reports (妇幼保健月报表) counted from the registers the way a township officer would count them.

2012Q1 months are recounted from the registers; 2011 months are drawn around the same level (the registers
only hold what was keyed in since the system went live). Report-side fakes adjust the counts afterwards.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import numpy as np
from benchmarks.county_b.builder import Record
from benchmarks.county_b.habits import Habits

MONTHS = [f"2011{m:02d}" for m in range(1, 13)] + ["201201", "201202", "201203"]


def _month(d: Any) -> str:
    return f"{d:%Y%m}" if isinstance(d, date) else ""


def count_month(month: str, preg: list[Record], kids: list[Record]) -> dict[str, int]:
    y, m = int(month[:4]), int(month[4:])
    first = date(y, m, 1)
    end = (date(y + m // 12, m % 12 + 1, 1)) - timedelta(days=1)
    reg = [p for p in preg if _month(p["建册日期"]) == month]
    delivered = [p for p in preg if _month(p.get("分娩日期")) == month]
    live = [p for p in delivered if p.get("妊娠结局") == "活产"]
    live_births = sum(int(p.get("胎数") or 1) for p in live)

    def early(p: Record) -> bool:
        return float(p.get("建册孕周") or 99) < 13

    def pp28(p: Record) -> bool:
        return any(0 <= (v["访视日期"] - p["分娩日期"]).days <= 28 for v in p["_postpartum"])

    anc5 = [p for p in live if len(p["_visits"]) >= 5]
    examined = {c["手册编号"] for c in kids for e in c["_exams"] if _month(e["体检日期"]) == month
                and (e["体检日期"] - c["出生日期"]).days < 1095}
    under3 = sum(1 for c in kids if c["出生日期"] <= end and (end - c["出生日期"]).days < 1095)
    active = sum(1 for p in preg if p["建册日期"] <= end and (not p.get("分娩日期") or p["分娩日期"] >= first))
    return {
        "PREG_TOTAL": active, "PARTURIENTS": len(delivered), "PREG_REGISTERED": len(reg),
        "EARLY_REG": sum(early(p) for p in reg),
        "ANC_FIRST": sum(1 for p in preg if p["_visits"] and _month(p["_visits"][0]["检查日期"]) == month),
        "ANC_ANY": sum(1 for p in delivered if p["_visits"]), "ANC_5PLUS": len(anc5),
        "SYS_MANAGED": sum(1 for p in anc5 if early(p) and pp28(p)),
        "POSTPARTUM_VISIT": sum(1 for p in delivered if pp28(p)), "LIVE_BIRTHS": live_births,
        "STILLBIRTHS": len(delivered) - len(live),
        "HOSP_DELIVERIES": sum(int(p.get("胎数") or 1) for p in live if p.get("分娩地点") != "家中"),
        "CAESAREAN": sum(int(p.get("胎数") or 1) for p in live if p.get("分娩方式") == "剖宫产"),
        "HIGH_RISK": sum(1 for p in delivered if p.get("风险分级") in ("橙", "红", "紫")),
        "HIGH_RISK_MANAGED": sum(1 for p in delivered if p.get("风险分级") in ("橙", "红", "紫")),
        "MATERNAL_DEATHS": 0, "TRIPLE_TESTED": sum(1 for p in reg if p.get("艾滋病检测日期")),
        "NEWBORN_VISITED": sum(1 for p in live if p["_postpartum"]), "CHILD_U3": under3,
        "CHILD_U3_EXAMS": len(examined), "CHILD_U3_SYS": sum(_closing_422(c, first, end) for c in kids), "CHILD_U7": int(under3 * 2.2),
        "CHILD_U7_MANAGED": int(under3 * 1.6),
        "LOW_BIRTH_WEIGHT": sum(1 for p in live if int(p.get("出生体重（g）") or 9999) < 2500),
        "PERINATAL_BIRTHS": live_births + len(delivered) - len(live),
    }


def _closing_422(c: Record, first: date, end: date) -> bool:
    """Turned three this month with 4, 2 and 2 exams in the first, second and third year (系统管理)."""
    if not first <= c["出生日期"] + timedelta(days=1095) <= end:
        return False
    ages = [(e["体检日期"] - c["出生日期"]).days for e in c["_exams"]]
    years = [sum(lo <= a <= hi for a in ages) for lo, hi in ((75, 395), (396, 760), (761, 1125))]
    return years[0] >= 4 and years[1] >= 2 and years[2] >= 2


def report_rows(rng: np.random.Generator, h: Habits, preg: list[Record], kids: list[Record],
                adjust: dict[tuple[str, str], int]) -> list[dict[str, Any]]:
    counted = {m: count_month(m, preg, kids) for m in MONTHS[-3:]}
    level = {k: float(np.mean([counted[m][k] for m in counted])) for k in counted[MONTHS[-1]]}
    rows = []
    for month in MONTHS:
        values = dict(counted[month]) if month in counted else {
            k: (int(v) if k in ("CHILD_U3", "CHILD_U7", "CHILD_U7_MANAGED", "PREG_TOTAL")
                else int(rng.poisson(max(v, 0.0)))) for k, v in level.items()}
        for (adj_month, element), delta in adjust.items():
            if adj_month != month:
                continue
            if delta == -99_999:
                values[element] = values["PARTURIENTS"]
            elif delta < 0:
                values[element] = int(round(values[element] * (-delta) / 1000))
            else:
                values[element] += delta
        values["EARLY_REG"] = min(values["EARLY_REG"], values["PREG_REGISTERED"])
        values["PREG_TOTAL"] = max(values["PREG_TOTAL"], values["PREG_REGISTERED"])
        values["HOSP_DELIVERIES"] = min(values["HOSP_DELIVERIES"], values["LIVE_BIRTHS"])
        values["CAESAREAN"] = min(values["CAESAREAN"], values["HOSP_DELIVERIES"])
        values["ANC_ANY"] = min(values["ANC_ANY"], values["PARTURIENTS"])
        values["ANC_5PLUS"] = min(values["ANC_5PLUS"], values["ANC_ANY"]) if (month, "ANC_5PLUS") not in adjust \
            else values["ANC_5PLUS"]
        values["SYS_MANAGED"] = min(values["SYS_MANAGED"], values["ANC_5PLUS"])
        values["HIGH_RISK_MANAGED"] = min(values["HIGH_RISK_MANAGED"], values["HIGH_RISK"])
        values["FOLIC_DUE"] = max(values["PREG_REGISTERED"], 1)
        values["FOLIC_NEW"] = int(values["FOLIC_DUE"] * rng.uniform(0.7, 1.0))
        values["HIGH_RISK_REFERRAL"] = int(rng.poisson(0.3))
        values["HIGH_RISK_ADMISSION"] = values["HIGH_RISK"]
        for k in ("NEONATAL_DEATHS", "INFANT_DEATHS", "U5_DEATHS", "BIRTH_DEFECTS"):
            values[k] = int(rng.random() < 0.04)
        y, m = int(month[:4]), int(month[4:])
        due = datetime(y + m // 12, m % 12 + 1, 1)
        late = rng.random() < 0.08
        submitted = due + timedelta(days=int(rng.integers(12, 30) if late else rng.integers(0, 6)),
                                    hours=int(rng.integers(9, 17)), minutes=int(rng.integers(0, 60)))
        rows.append({"period": month, "submitted_at": submitted, "values": values})
    return rows
