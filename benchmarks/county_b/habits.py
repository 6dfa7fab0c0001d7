"""Honest habits of county B's townships, and realistic child growth from the WHO LMS tables.

Written from the field's point of view (docs/registers-import.md, /work/shared/domain/*.md), independently of
ducha's demo generator and of its quality checks. Nothing here imports ducha.
"""

from __future__ import annotations

import csv
import math
import os
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from pathlib import Path

import numpy as np

WHO_DIR = Path(os.environ.get("COUNTY_B_WHO_DIR", "/work/shared/data/who"))

TOWNSHIP_NAMES = [
    "东岭镇", "桃源乡", "石门镇", "柳河乡", "青山镇", "白沙乡", "双井镇", "云台乡", "花园镇", "南坪乡",
    "北关街道", "杨柳镇", "清泉乡", "高庙镇", "关山乡", "梨树镇", "黄土岭乡", "枫林镇", "龙湾乡", "新集镇",
]
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎"
GIVEN = "秀英丽敏静芳娜霞燕红艳玲桂兰梅琳萍华婷雪倩文娟玉晶欣怡佳悦子涵浩然宇轩博俊杰明辉强磊鹏飞"
VILLAGES = "东西南北前后上下大小新老"


@dataclass
class Habits:
    """How one township honestly works: measurement spread, schedules, entry practice."""

    code: str
    name: str
    population: int
    laz_mean: float = -0.2
    laz_sd: float = 1.1
    whz_mean: float = 0.1
    whz_sd: float = 1.1
    schedule: str = "months"          # months | days | weeks: how the clinic books child exams
    exact_share: float = 0.12         # honest share of families who come exactly on the booked day
    bp_zero_share: float = 0.62       # county habit: blood pressure read to 0 (mercury, even digits) ...
    bp_five_share: float = 0.18       # ... or to 5
    length_half_share: float = 0.0    # share of lengths read to the nearest 0.5 cm
    entry_lag_days: tuple[int, int] = (5, 40)   # county habit: cards keyed in weeks after the visit
    staff: list[str] = field(default_factory=list)
    examiners: list[str] = field(default_factory=list)
    caesarean_rate: float = 0.35
    no_anc_share: float = 0.015       # women who turn up only to deliver (migrants returning home)
    coverage: float = 1.0             # share of the population's births that reach the register
    text_dates: bool = False          # dates written as text instead of Excel dates
    layout_b_exams: bool = False      # child exams one row per exam with the child's identity repeated
    kinds: list[str] = field(default_factory=list)   # fabrication kinds, empty for an honest unit
    note: str = ""


def person_name(rng: np.random.Generator) -> str:
    given = "".join(rng.choice(list(GIVEN), size=int(rng.integers(1, 3))))
    return str(rng.choice(list(SURNAMES))) + given


def village(rng: np.random.Generator, township: str) -> str:
    return township[:2] + str(rng.choice(list(VILLAGES))) + "村"


def township_habits(rng: np.random.Generator, n_units: int, n_honest: int, prefix: str = "B") -> list[Habits]:
    """Honest profiles with the variety a real county has; fabrication kinds are assigned later."""
    units: list[Habits] = []
    names = list(rng.permutation(TOWNSHIP_NAMES))[:n_units]
    for i, name in enumerate(names):
        h = Habits(
            code=f"{prefix}{i + 1:02d}", name=str(name), population=int(rng.integers(14_000, 34_000)),
            laz_mean=float(rng.normal(-0.3, 0.3)), laz_sd=float(rng.uniform(0.85, 1.5)),
            whz_mean=float(rng.normal(0.15, 0.25)), whz_sd=float(rng.uniform(0.9, 1.4)),
            schedule=str(rng.choice(["months", "days", "weeks"], p=[0.5, 0.3, 0.2])),
            exact_share=float(rng.uniform(0.05, 0.2)),
            bp_zero_share=float(rng.uniform(0.5, 0.8)), bp_five_share=float(rng.uniform(0.05, 0.25)),
            caesarean_rate=float(rng.uniform(0.2, 0.5)), no_anc_share=float(rng.uniform(0.0, 0.03)),
            coverage=float(rng.uniform(0.75, 1.0)), text_dates=bool(rng.random() < 0.3),
            layout_b_exams=bool(i % 3 == 1),
        )
        h.staff = [person_name(rng) for _ in range(int(rng.integers(1, 4)))]
        h.examiners = [person_name(rng) for _ in range(int(rng.integers(2, 5)))]
        units.append(h)
    # Honest oddities go to the honest units (the first n_honest; the caller shuffles the order afterwards).
    oddities = [
        dict(laz_sd=0.86, whz_sd=0.88, note="出色的测量员：z 标准差小"),
        dict(laz_mean=-1.3, whz_mean=-0.6, laz_sd=1.35, note="贫困地区：z 评分偏低"),
        dict(population=1_300, note="单位太小，无法判断"),
        dict(length_half_share=0.3, note="身长常读到 0.5 cm"),
    ]
    for unit, changes in zip(units[:n_honest], oddities, strict=False):
        for key, value in changes.items():
            setattr(unit, key, value)
    return units


# ---------------------------------------------------------------- WHO growth


@cache
def _lms(table: str) -> dict[int, np.ndarray]:
    """{sex: array[index, (l, m, s)]} indexed by age in days or length in mm (45.0 cm = 450)."""
    rows: dict[int, dict[int, tuple[float, float, float]]] = {1: {}, 2: {}}
    with open(WHO_DIR / f"{table}.txt", encoding="utf-8") as f:
        for row in csv.DictReader(f, delimiter="\t"):
            key = row.get("age") or row.get("length") or row.get("height") or "0"
            index = int(round(float(key) * (10 if table in ("wflanthro", "wfhanthro") else 1)))
            rows[int(row["sex"])][index] = (float(row["l"]), float(row["m"]), float(row["s"]))
    out: dict[int, np.ndarray] = {}
    for sex, values in rows.items():
        size = max(values) + 1
        arr = np.full((size, 3), np.nan)
        for k, v in values.items():
            arr[k] = v
        out[sex] = arr
    return out


def _from_z(lms: np.ndarray, z: float) -> float:
    lam, m, s = (float(x) for x in lms)
    if abs(lam) < 1e-9:
        return m * math.exp(s * z)
    return m * (1 + lam * s * z) ** (1 / lam)


def measure_child(sex: int, age_days: int, laz: float, whz: float) -> tuple[float, float, bool]:
    """True length (cm), weight (kg) and whether measured lying, for the given z-scores."""
    age_days = max(0, min(age_days, 1856))
    length = _from_z(_lms("lenanthro")[sex][age_days], laz)
    lying = age_days < 731
    table, lo, hi = ("wflanthro", 45.0, 110.0) if lying else ("wfhanthro", 65.0, 120.0)
    clamped = min(max(length, lo), hi)
    weight = _from_z(_lms(table)[sex][int(round(clamped * 10))], whz)
    if clamped != length:
        weight *= (length / clamped) ** 2.5
    return length, weight, lying


# ---------------------------------------------------------------- rounding habits


def read_bp(rng: np.random.Generator, true_value: float, h: Habits) -> int:
    """A blood pressure as written down: mostly to 0 or 5 (county habit), otherwise to the mmHg."""
    u = rng.random()
    if u < h.bp_zero_share:
        return int(round(true_value / 10) * 10)
    if u < h.bp_zero_share + h.bp_five_share:
        return int(round(true_value / 5) * 5)
    return int(round(true_value / 2) * 2) if rng.random() < 0.5 else int(round(true_value))


def read_length(rng: np.random.Generator, true_cm: float, h: Habits, sd: float = 0.4) -> float:
    value = true_cm + rng.normal(0, sd)
    if rng.random() < h.length_half_share:
        return round(round(value * 2) / 2, 1)
    return round(value, 1)


def read_weight(rng: np.random.Generator, true_kg: float, sd: float = 0.08) -> float:
    return round(max(true_kg + rng.normal(0, sd), 1.0), 1)


def read_birth_weight(rng: np.random.Generator, grams: float) -> int:
    return int(round(grams / 50) * 50) if rng.random() < 0.35 else int(round(grams / 10) * 10)


def read_blood_loss(rng: np.random.Generator, ml: float) -> int:
    return int(round(ml / 50) * 50) if rng.random() < 0.5 else int(round(ml / 10) * 10)


def add_days(d: date, days: int) -> date:
    return date.fromordinal(d.toordinal() + int(days))


def add_months(d: date, months: int) -> date:
    y, m = divmod(d.month - 1 + months, 12)
    year, month = d.year + y, m + 1
    for day in (d.day, 30, 29, 28):
        try:
            return date(year, month, day)
        except ValueError:
            continue
    raise ValueError(d)
