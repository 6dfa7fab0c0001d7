"""Honest registers of one township: pregnancies (visits, delivery, postpartum) and children (exams).

Records are plain dicts keyed by the import headers of docs/registers-import.md; entry metadata sits under
``_meta`` (录入时间, 录入人, 修改时间) on every record, visit and exam.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import numpy as np
from benchmarks.county_b.habits import (
    Habits,
    add_days,
    add_months,
    measure_child,
    person_name,
    read_birth_weight,
    read_blood_loss,
    read_bp,
    read_length,
    read_weight,
    village,
)

Record = dict[str, Any]
QUARTER_START, QUARTER_END = date(2012, 1, 1), date(2012, 3, 31)
SYSTEM_START = date(2011, 1, 1)      # the register system went live; older exams were never keyed in
EXPORT_AT = datetime(2012, 5, 20, 16, 0)
ANC_WEEKS = [16, 20, 24, 28, 30, 32, 34, 36, 37, 38, 39, 40]
CHILD_MONTHS = [1, 3, 6, 8, 12, 18, 24, 30, 36]


def booked_date(birth: date, months: int, schedule: str) -> date:
    """The day the clinic books an exam: by calendar month, by days of age or by weeks of age."""
    if schedule == "days":
        return add_days(birth, 42 if months == 1 else round(months * 30.44))
    if schedule == "weeks":
        return add_days(birth, 7 * (6 if months == 1 else round(months * 4.345)))
    return add_months(birth, months)


def id_number(rng: np.random.Generator, birth: date) -> str:
    body = f"411399{birth:%Y%m%d}{int(rng.integers(100, 999))}"
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    check = "10X98765432"[sum(int(c) * w for c, w in zip(body, weights, strict=True)) % 11]
    return body + check


def _fmt(d: date, h: Habits) -> Any:
    return f"{d.year}年{d.month}月{d.day}日" if h.text_dates else d


def pregnancy_count(h: Habits) -> int:
    return max(1, int(h.population * 11.5 / 1000 * h.coverage * 11 / 12))


def build_pregnancies(rng: np.random.Generator, h: Habits) -> list[Record]:
    out: list[Record] = []
    n = int(rng.poisson(pregnancy_count(h)))
    for i in range(n):
        lmp = add_days(date(2011, 3, 1), int(rng.integers(0, 337)))
        reg_weeks = float(np.clip(rng.gamma(4.0, 2.6) + 5, 6, 30))
        reg_date = add_days(lmp, round(reg_weeks * 7))
        if reg_date > QUARTER_END:
            continue
        age = int(rng.integers(19, 40))
        birth = date(2011 - age, int(rng.integers(1, 13)), int(rng.integers(1, 29)))
        rec: Record = {
            "单位编码": h.code, "手册编号": f"{h.code}-P{i + 1:04d}", "姓名": person_name(rng),
            "身份证号": id_number(rng, birth) if rng.random() < 0.7 else None, "出生日期": birth,
            "电话": f"13{int(rng.integers(100_000_000, 999_999_999))}", "村（居）": village(rng, h.name),
            "建册日期": reg_date, "末次月经": lmp, "预产期": add_days(lmp, 280),
            "孕次": int(rng.integers(1, 5)), "建册孕周": round((reg_date - lmp).days / 7, 1),
            "风险分级": str(rng.choice(["绿", "黄", "橙", "红"], p=[0.7, 0.2, 0.08, 0.02])),
            "血型": str(rng.choice(["A", "B", "O", "AB"], p=[0.28, 0.3, 0.33, 0.09])), "Rh": "阳性",
            "_visits": [], "_postpartum": [],
        }
        rec["产次"] = int(rng.integers(0, rec["孕次"]))
        for test in ("艾滋病", "梅毒", "乙肝"):
            if rng.random() < 0.9:
                rec[f"{test}检测日期"] = add_days(reg_date, int(rng.integers(0, 8)))
                rec[f"{test}检测结果"] = "阳性" if rng.random() < (0.05 if test == "乙肝" else 0.002) else "阴性"
        gest_days = int(np.clip(rng.normal(276, 9), 238, 296))
        delivery = add_days(lmp, gest_days)
        no_anc = delivery <= QUARTER_END and rng.random() < h.no_anc_share
        if not no_anc:
            _antenatal_visits(rng, h, rec, lmp, reg_date, min(delivery, QUARTER_END + timedelta(days=1)))
        if delivery <= QUARTER_END:
            _delivery(rng, h, rec, delivery, gest_days)
        out.append(rec)
    return out


def _antenatal_visits(rng: np.random.Generator, h: Habits, rec: Record, lmp: date, first: date,
                      before: date) -> None:
    base_sbp, base_dbp = rng.normal(110, 9), rng.normal(71, 7)
    base_hb, pre_weight = rng.normal(118, 11), rng.normal(53, 7)
    dates = [first]
    for week in ANC_WEEKS:
        booked = add_days(lmp, week * 7)
        if booked <= first + timedelta(days=10) or rng.random() > 0.72:
            continue
        d = booked if rng.random() < h.exact_share else add_days(booked, int(rng.integers(-4, 8)))
        if d > dates[-1]:
            dates.append(d)
    for k, d in enumerate(dates):
        if d >= before:
            break
        weeks = (d - lmp).days / 7
        visit: Record = {
            "检查日期": d, "孕周": round(weeks, 1),
            "体重（kg）": read_weight(rng, pre_weight + max(0.0, weeks - 12) * 0.45, 0.3),
            "收缩压": read_bp(rng, base_sbp + rng.normal(0, 6), h),
            "舒张压": min(read_bp(rng, base_dbp + rng.normal(0, 5), h), int(base_sbp) - 20),
            "血红蛋白（g/L）": int(round(base_hb + rng.normal(0, 5) - 4 * (weeks > 26))) if k == 0 or
            rng.random() < 0.35 else None,
            "宫高（cm）": round(weeks - 2 + rng.normal(0, 1.5), 1) if weeks >= 20 else None,
            "胎心率": int(round(rng.normal(142, 8))) if weeks >= 12 else None,
            "检查者": str(rng.choice(h.examiners)),
        }
        rec["_visits"].append(visit)


def _delivery(rng: np.random.Generator, h: Habits, rec: Record, delivery: date, gest_days: int) -> None:
    u = rng.random()
    mode = "剖宫产" if u < h.caesarean_rate else ("助产" if u < h.caesarean_rate + 0.03 else "顺产")
    place = str(rng.choice(["县人民医院", "县妇幼保健院", f"{h.name}卫生院", "家中"], p=[0.55, 0.3, 0.13, 0.02]))
    twins = 2 if rng.random() < 0.012 else 1
    grams = rng.normal(3300, 420) - max(0, 259 - gest_days) * 30 - (350 if twins == 2 else 0)
    rec.update({
        "分娩日期": delivery, "分娩地点": place, "分娩方式": mode, "分娩孕周": round(gest_days / 7, 1),
        "产后出血量（ml）": read_blood_loss(rng, float(rng.lognormal(np.log(380 if mode == "剖宫产" else 230), 0.35))),
        "产后收缩压": read_bp(rng, rng.normal(115, 10), h), "产后舒张压": read_bp(rng, rng.normal(74, 8), h),
        "妊娠结局": "活产" if rng.random() > 0.004 else "死胎死产", "胎数": twins,
        "新生儿性别": str(rng.choice(["男", "女"], p=[0.53, 0.47])), "出生体重（g）": read_birth_weight(rng, grams),
    })
    for offset in (int(rng.integers(3, 8)), int(rng.integers(12, 16)), int(rng.integers(26, 29))):
        d = add_days(delivery, offset)
        if d <= QUARTER_END and rng.random() < 0.82:
            rec["_postpartum"].append({
                "访视日期": d, "收缩压": read_bp(rng, rng.normal(114, 9), h), "舒张压": read_bp(rng, rng.normal(73, 7), h),
                "情况": "恢复良好", "访视者": str(rng.choice(h.examiners)),
            })
    if add_days(delivery, 42) <= QUARTER_END and rng.random() < 0.7:
        rec["产后42天检查日期"] = add_days(delivery, int(rng.integers(42, 50)))
        rec["产后42天检查结果"] = "正常"
        if rec["产后42天检查日期"] > QUARTER_END:
            del rec["产后42天检查日期"], rec["产后42天检查结果"]


def build_children(rng: np.random.Generator, h: Habits, pregnancies: list[Record]) -> list[Record]:
    out: list[Record] = []
    births: list[tuple[date, int, Record | None]] = []
    for p in pregnancies:
        if p.get("分娩日期") and p.get("妊娠结局") == "活产" and rng.random() < 0.9:
            births.append((p["分娩日期"], 1 if p["新生儿性别"] == "男" else 2, p))
    n_older = int(rng.poisson(h.population * 11.5 / 1000 * h.coverage * 0.6 * 2.7))
    for _ in range(n_older):
        births.append((add_days(date(2009, 4, 1), int(rng.integers(0, 975))), int(rng.integers(1, 3)), None))
    for i, (birth, sex, mother) in enumerate(sorted(births, key=lambda b: b[0])):
        rec: Record = {
            "单位编码": h.code, "手册编号": f"{h.code}-C{i + 1:04d}", "姓名": person_name(rng),
            "性别": "男" if sex == 1 else "女", "出生日期": birth,
            "出生体重（g）": mother["出生体重（g）"] if mother else read_birth_weight(rng, rng.normal(3300, 420)),
            "出生孕周": mother["分娩孕周"] if mother else round(float(rng.normal(39.3, 1.2)), 1),
            "母亲手册编号": mother["手册编号"] if mother else None,
            "村（居）": mother["村（居）"] if mother else village(rng, h.name),
            "体弱儿/高危儿": "是" if rng.random() < 0.04 else "否", "_exams": [],
        }
        laz0, whz0 = rng.normal(), rng.normal()
        for months in CHILD_MONTHS:
            booked = booked_date(birth, months, h.schedule)
            if rng.random() > (0.85 if months <= 12 else 0.7):
                continue
            d = booked if rng.random() < h.exact_share else add_days(booked, int(round(abs(rng.normal(0, 9)) + 1))
                                                                    * int(rng.choice([-1, 1, 1])))
            if not SYSTEM_START <= d <= QUARTER_END or d <= birth:
                continue
            age = (d - birth).days
            laz = h.laz_mean + h.laz_sd * (0.92 * laz0 + 0.39 * rng.normal())
            whz = h.whz_mean + h.whz_sd * (0.9 * whz0 + 0.43 * rng.normal())
            length, weight, lying = measure_child(sex, age, laz, whz)
            tight = h.laz_sd < 0.9
            rec["_exams"].append({
                "体检日期": d, "体重（kg）": read_weight(rng, weight, 0.03 if tight else 0.08),
                "身长/身高（cm）": read_length(rng, length, h, 0.15 if tight else 0.4),
                "测量方式": "卧位" if lying else "立位",
                "头围（cm）": round(34.5 + 14 * (1 - np.exp(-age / 260)) + rng.normal(0, 1.0), 1),
                "血红蛋白（g/L）": int(round(rng.normal(118, 10))) if months in (6, 12, 24, 36) else None,
                "喂养方式": str(rng.choice(["母乳", "混合", "人工"], p=[0.6, 0.25, 0.15])) if age < 183 else None,
                "检查者": str(rng.choice(h.examiners)), "结论": "未见异常",
            })
        if rec["_exams"]:
            out.append(rec)
    return out


def stamp_entry(rng: np.random.Generator, h: Habits, pregnancies: list[Record], children: list[Record]) -> None:
    """Honest entry: paper cards keyed in at regular sessions weeks after the visit (county-wide habit)."""
    items: list[tuple[date, Record]] = []
    for p in pregnancies:
        items.append((p["建册日期"], p))
        items += [(v["检查日期"], v) for v in p["_visits"]] + [(v["访视日期"], v) for v in p["_postpartum"]]
    for c in children:
        items.append((c["_exams"][0]["体检日期"], c))
        items += [(e["体检日期"], e) for e in c["_exams"]]
    every = int(rng.integers(5, 15))
    first_session = date(2011, 1, 3) + timedelta(days=int(rng.integers(0, every)))
    sessions: dict[date, list[tuple[date, Record]]] = {}
    for when, item in items:
        ready = add_days(when, int(rng.integers(*h.entry_lag_days)))
        k = max(0, -(-(ready - first_session).days // every))
        sessions.setdefault(add_days(first_session, k * every), []).append((when, item))
    for day, batch in sorted(sessions.items()):
        clock = datetime(day.year, day.month, day.day, 8, 30) + timedelta(minutes=int(rng.integers(0, 90)))
        for _when, item in sorted(batch, key=lambda b: b[0]):
            clock += timedelta(seconds=int(rng.integers(40, 400)))
            if clock.hour >= 17:
                clock += timedelta(hours=15, minutes=30)
            item["_meta"] = stamp(rng, clock, str(rng.choice(h.staff)))


def stamp(rng: np.random.Generator, at: datetime, who: str) -> dict[str, Any]:
    at = min(at, EXPORT_AT - timedelta(hours=1))
    changed = at + timedelta(days=int(rng.integers(1, 20))) if rng.random() < 0.12 else None
    return {"录入时间": at, "录入人": who, "修改时间": min(changed, EXPORT_AT) if changed else None}


def as_cell(value: Any, h: Habits) -> Any:
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return _fmt(value, h)
    return value
