"""Synthetic registers at county and province scale, generated with numpy and bulk-loaded into ducha.

Builds a fresh ducha database (the real Django tables, migrated under ``--home``) with an org tree, one
officer per township, three years of monthly reports with their submissions, and the pregnancy and
child registers, all vectorised:

* county:   1 county, 20 townships, ~5,000 pregnancies, ~30,000 child exams;
* province: 1 province, 100 counties, 2,000 townships, ~500,000 pregnancies (with ~2.3 M antenatal and
  ~0.6 M postpartum visits), ~650,000 children with ~3,000,000 exams.

Registrations run over the 15 months up to the end of 2012Q1 (the quarter the benchmarks scan); children
are born over the 3¼ years before it and examined on the 4:2:2 schedule. The reports of 2012Q1 are the
register counts (± 3 %), so the verification factor is near 1 where nobody cheated. A few townships
(one in 500, at least one per kind) have made-up cards (``PLANTED``) so that the checks have real work;
which ones is printed and written to ``--json``.

Rows are written with bulk SQL on the raw connection inside one transaction: ``executemany`` for SQLite,
``COPY … FROM STDIN`` (CSV) for PostgreSQL.

    python benchmarks/synth_registers.py --scale county --home /tmp/bench-county
    python benchmarks/synth_registers.py --scale province --home /tmp/bench-province --json build.json
    DUCHA_DATABASE_URL=postgresql://postgres@127.0.0.1:PORT/postgres \\
        python benchmarks/synth_registers.py --scale province --home /tmp/bench-pg --wipe-postgres
"""

from __future__ import annotations

import argparse
import io
import json
import os
import resource
import sys
import time
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

END = np.datetime64("2012-03-31")
Q_START = np.datetime64("2012-01-01")
PERIOD = "2012Q1"
REG_WINDOW_DAYS = 456  # registrations from 2011-01-01 to 2012-03-31
CHILD_WINDOW_DAYS = 1186  # children born from 2008-12-31: the oldest close 4:2:2 in the quarter
REPORT_MONTHS = 39  # 2009-01 … 2012-03: three years of history before the quarter and the quarter
UTC_OFFSET = np.timedelta64(8, "h")  # Asia/Shanghai, no DST
LATER_WEEKS = np.array([16, 18, 20, 23, 26, 28, 32, 34, 36, 38])
SLOTS = np.array([30, 91, 182, 274, 365, 547, 730, 912, 1093])  # newborn visit, then 4:2:2
SURNAMES = list("王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎"
                "余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文")
WOMEN = ["秀英", "桂英", "丽", "静", "敏", "艳", "娟", "霞", "芳", "红", "玲", "燕", "萍", "婷", "雪", "洁", "丽娟", "晓燕",
         "春梅", "海燕", "玉兰", "秀兰", "凤", "慧", "琳", "倩", "颖", "佳", "梦", "欣", "月", "莉", "蕾", "琴", "云", "莹",
         "丹", "晶", "璐", "薇", "露", "梅", "兰", "菊", "青", "琼", "华", "秋月", "冬梅", "晓红", "小红", "亚楠", "文静",
         "雅琴", "淑芬", "淑珍", "瑞", "宁", "蓉", "萱"]
CHILDREN = ["浩然", "子涵", "一诺", "梓萱", "宇轩", "欣怡", "俊杰", "雨桐", "博文", "佳怡", "子轩", "诗涵", "浩宇", "梦琪",
            "皓轩", "雨涵", "子豪", "可馨", "明轩", "思涵", "天佑", "若汐", "睿", "涵", "轩", "瑶", "阳", "晨", "乐",
            "一鸣", "嘉怡", "子墨", "紫涵", "俊熙", "语桐", "梓涵", "奕辰", "雨萱", "沐辰", "安琪", "家豪", "心怡",
            "泽宇", "晨曦", "铭", "彤", "航", "琪", "宇", "婷", "鑫", "杰", "磊", "洋", "帅", "颖", "慧", "娜", "丹", "强"]
VILLAGES = ["东坪", "西岭", "河口", "王营", "张湾", "李庄", "新村", "南街", "北关", "后寨", "前营", "上店", "下湾", "石门",
            "柳树", "杨岗", "马庄", "刘营", "陈湾", "赵庄", "黄岭", "周寨", "吴店", "高庄", "林场", "何湾", "郭岗", "宋庄",
            "孙营", "田湾"]
PLANTED = ["burst", "no_antenatal", "child_ahead", "identical_child", "caesarean_as_vaginal", "implausible",
           "copied_cards", "over_reported"]


@dataclass(frozen=True)
class Scale:
    name: str
    counties: int
    townships: int  # per county
    pregnancies: int
    exams: int


PRESETS = {"county": Scale("county", 1, 20, 5_000, 30_000),
           "province": Scale("province", 100, 20, 500_000, 3_000_000)}


def entered(rng: np.random.Generator, day: np.ndarray, lag: int = 2) -> np.ndarray:
    """When a card was written (UTC): on the day of the event or up to ``lag`` days later, 8:00–17:00."""
    n = len(day)
    local = (day + rng.integers(0, lag + 1, n)).astype("datetime64[s]")
    return local + rng.integers(8 * 3600, 17 * 3600, n).astype("timedelta64[s]") - UTC_OFFSET


def bp(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Mercury-scale readings (even numbers)."""
    sbp = np.round(rng.normal(112, 10, n) / 2) * 2
    return sbp, np.minimum(np.round(rng.normal(72, 8, n) / 2) * 2, sbp - 20)


def names(rng: np.random.Generator, given: list[str], n: int) -> np.ndarray:
    return np.char.add(np.array(SURNAMES)[rng.integers(0, len(SURNAMES), n)],
                       np.array(given)[rng.integers(0, len(given), n)])


def seq_in_group(group: np.ndarray) -> np.ndarray:
    """1, 2, 3 … within runs of equal values of a sorted array."""
    starts = np.r_[0, np.flatnonzero(np.diff(group)) + 1]
    counts = np.diff(np.r_[starts, len(group)])
    return np.arange(len(group)) - np.repeat(starts, counts) + 1


def record_nos(codes: np.ndarray, unit: np.ndarray, letter: str) -> list[str]:
    return [f"{c}-{letter}{s:06d}" for c, s in zip(codes[unit].tolist(), seq_in_group(unit).tolist(), strict=True)]


def col(values: Any, kind: pa.DataType | None = None) -> pa.Array:
    """numpy → Arrow; NaT/NaN become null; datetime64[D] → date32; floats cast to ``kind`` if given."""
    if isinstance(values, pa.Array):
        return values
    if isinstance(values, list):
        return pa.array(values, kind)
    if values.dtype.kind == "M" and np.datetime_data(values.dtype)[0] == "D":
        return pa.array(values, pa.date32(), from_pandas=True)
    array = pa.array(values, from_pandas=True)
    return array.cast(kind) if kind is not None else array


# ---- the tree ---------------------------------------------------------------------------------------------

@dataclass
class Tree:
    ids: np.ndarray  # townships' unit ids
    codes: np.ndarray
    shorts: np.ndarray
    users: np.ndarray  # the township officer's user id
    population: np.ndarray
    root_code: str
    units: pa.Table
    auth: pa.Table


def build_tree(scale: Scale, rng: np.random.Generator, first_unit: int, first_user: int) -> Tree:
    rows: list[tuple[str, str, str, str, int | None, str, int, int, int]] = []
    if scale.counties > 1:
        root = ("41", "模拟省卫生健康委员会", "模拟省", "bureau", None, "/41/", 1, 0, 0)
        rows.append(root)
    towns: list[int] = []
    for c in range(scale.counties):
        code = f"41{c + 1:04d}"
        parent = first_unit if scale.counties > 1 else None
        path = f"/41/{code}/" if scale.counties > 1 else f"/{code}/"
        rows.append((code, f"模拟{c + 1}县", f"模拟{c + 1}县", "county", parent, path, path.count("/") - 1, 0, c + 1))
        county_id = first_unit + len(rows) - 1
        for t in range(scale.townships):
            tcode = f"{code}{t + 1:03d}"
            short = f"{c + 1}县{t + 1}镇" if scale.counties > 1 else f"第{t + 1}镇"
            towns.append(len(rows))
            rows.append((tcode, f"{short}卫生院", short, "township_centre", county_id, f"{path}{tcode}/",
                         path.count("/"), 0, t + 1))
    population = np.clip(np.round(rng.lognormal(10.0, 0.45, len(towns)), -2), 5_000, 120_000).astype(int)
    for i, pop in zip(towns, population.tolist(), strict=True):
        rows[i] = (*rows[i][:7], pop, rows[i][8])
    ids = first_unit + np.arange(len(rows))
    units = pa.table({
        "id": ids, "code": [r[0] for r in rows], "name": [r[1] for r in rows], "short_name": [r[2] for r in rows],
        "kind": [r[3] for r in rows], "parent_id": pa.array([r[4] for r in rows], pa.int64()),
        "path": [r[5] for r in rows], "level": [r[6] for r in rows], "population": [r[7] for r in rows],
        "opened_on": pa.nulls(len(rows), pa.date32()), "closed_on": pa.nulls(len(rows), pa.date32()),
        "sort_order": [r[8] for r in rows]})
    town_idx = np.array(towns)
    codes = np.array([r[0] for r in rows])[town_idx]
    n_users = len(towns) + 1
    joined = np.full(n_users, np.datetime64("2010-01-01T00:00:00", "s"))
    auth = pa.table({
        "id": first_user + np.arange(n_users), "password": ["!"] * n_users, "last_login": pa.nulls(n_users, pa.timestamp("s")),
        "is_superuser": [True] + [False] * len(towns), "username": ["bench-admin"] + [f"zg{c}" for c in codes.tolist()],
        "last_name": [""] * n_users, "email": [""] * n_users, "is_staff": [True] + [False] * len(towns),
        "is_active": [True] * n_users, "date_joined": pa.array(joined, pa.timestamp("s")),
        "first_name": ["基准管理员"] + [f"{s}专干" for s in np.array([r[2] for r in rows])[town_idx].tolist()]})
    return Tree(ids=ids[town_idx], codes=codes, shorts=np.array([r[2] for r in rows])[town_idx],
                users=first_user + 1 + np.arange(len(towns)), population=population, root_code=rows[0][0],
                units=units, auth=auth)


# ---- pregnancies ------------------------------------------------------------------------------------------

@dataclass
class Pregnancies:
    unit: np.ndarray  # township index
    reg: np.ndarray
    weeks: np.ndarray
    lmp: np.ndarray
    delivered: np.ndarray
    live: np.ndarray
    babies: np.ndarray
    mode: np.ndarray
    fields: dict[str, Any]


def pregnancies(tree: Tree, n: int, rng: np.random.Generator, planted: dict[str, list[int]]) -> Pregnancies:
    weights = tree.population / tree.population.sum()
    unit = np.sort(rng.choice(len(weights), n, p=weights))
    reg = END - rng.integers(0, REG_WINDOW_DAYS, n)
    weeks = np.round(np.where(rng.random(n) < 0.6, rng.uniform(6, 12.9, n), rng.uniform(13, 28, n)), 1)
    lmp = reg - np.round(weeks * 7).astype(int)
    gest = np.clip(np.round(rng.normal(276, 9, n)), 210, 300).astype(int)
    delivered = np.where(lmp + gest <= END, lmp + gest, np.datetime64("NaT"))
    done = ~np.isnat(delivered)
    live = done & (rng.random(n) > 0.005)
    babies = np.where(done, np.where(rng.random(n) < 0.012, 2, 1), 0)
    mode = np.where(rng.random(n) < 0.3, "caesarean", np.where(rng.random(n) < 0.03, "assisted", "vaginal"))
    mode = np.where(done, mode, "")
    check = delivered + 42 + rng.integers(0, 10, n)
    check = np.where((check <= END) & (rng.random(n) < 0.75), check, np.datetime64("NaT"))
    dsbp, ddbp = bp(rng, n)
    gravidity = rng.integers(1, 5, n)
    fields: dict[str, Any] = {
        "name": names(rng, WOMEN, n), "birth_date": np.datetime64("1975-01-01") + rng.integers(0, 7300, n),
        "phone": np.char.add("13", np.char.zfill(rng.integers(0, 10**9, n).astype(str), 9)),
        "village": np.char.add(tree.shorts[unit], np.array(VILLAGES)[rng.integers(0, len(VILLAGES), n)]),
        "gravidity": gravidity, "parity": np.minimum(gravidity - 1, rng.integers(0, 3, n)),
        "risk_grade": np.array(["green"] * 6 + ["yellow", "orange"])[rng.integers(0, 8, n)],
        "blood_group": np.array(["A", "B", "O", "O", "AB"])[rng.integers(0, 5, n)],
        "delivery_place": np.where(done, np.array(["乡镇卫生院", "县人民医院", "县妇幼保健院"])[rng.integers(0, 3, n)], ""),
        "delivery_weeks": np.where(done, np.round(gest / 7, 1), np.nan),
        "blood_loss_ml": np.where(done, rng.integers(10, 50, n) * 10.0, np.nan),
        "delivery_sbp": np.where(done, dsbp, np.nan), "delivery_dbp": np.where(done, ddbp, np.nan),
        "outcome": np.where(done, np.where(live, "live", "stillbirth"), ""),
        "baby_sex": np.where(live, rng.integers(1, 3, n), np.nan),
        "birth_weight_g": np.where(live, np.clip(np.round(rng.normal(3300, 450, n)), 1200, 5000), np.nan),
        "check_42d_on": check,
    }
    for u in planted["copied_cards"]:  # ~20 cards of one township copied from one woman's card
        idx = np.flatnonzero((unit == u) & (reg >= Q_START))[:21]
        for key in ("birth_date", "phone", "village", "gravidity", "parity", "blood_group", "delivery_place",
                    "delivery_weeks", "blood_loss_ml", "delivery_sbp", "delivery_dbp", "birth_weight_g"):
            fields[key][idx] = fields[key][idx[0]]
        for arr in (reg, weeks, lmp, delivered):
            arr[idx] = arr[idx[0]]
    for u in planted["implausible"]:
        idx = np.flatnonzero(unit == u)[:6]
        weeks[idx] = 50.0
    return Pregnancies(unit, reg, weeks, lmp, delivered, live, babies, mode, fields)


def antenatal(p: Pregnancies, rng: np.random.Generator) -> dict[str, np.ndarray]:
    n = len(p.reg)
    attend = rng.uniform(0.35, 0.85, n)
    day = p.lmp[:, None] + LATER_WEEKS[None, :] * 7 + rng.integers(-3, 4, (n, len(LATER_WEEKS)))
    stop = np.where(np.isnat(p.delivered), END + 1, p.delivered)
    keep = (LATER_WEEKS[None, :] > p.weeks[:, None]) & (day > p.reg[:, None]) & (day < stop[:, None]) \
        & (rng.random((n, len(LATER_WEEKS))) < attend[:, None])
    rec = np.r_[np.arange(n), np.nonzero(keep)[0]]
    visit = np.r_[p.reg, day[keep]]
    order = np.lexsort((visit, rec))
    rec, visit = rec[order], visit[order]
    wk = np.round((visit - p.lmp[rec]).astype(int) / 7, 1)
    base = rng.normal(55, 7, n)
    m = len(rec)
    sbp, dbp = bp(rng, m)
    return {"rec": rec, "visit_on": visit, "weeks": wk, "weight_kg": np.round(base[rec] + 0.35 * wk + rng.normal(0, 0.6, m), 1),
            "sbp": sbp, "dbp": dbp, "hb": np.round(rng.normal(118, 12, m)),
            "fundal_height_cm": np.where(wk >= 20, np.maximum(wk - 4, 8), np.nan),
            "fetal_heart_rate": np.where(wk >= 12, rng.integers(125, 156, m), np.nan)}


def postpartum(p: Pregnancies, rng: np.random.Generator) -> dict[str, np.ndarray]:
    n = len(p.reg)
    first = p.delivered + rng.integers(3, 8, n)
    second = p.delivered + rng.integers(14, 29, n)
    ok1 = ~np.isnat(p.delivered) & (first <= END) & (rng.random(n) < 0.8)
    ok2 = ~np.isnat(p.delivered) & (second <= END) & (rng.random(n) < 0.45)
    rec = np.r_[np.flatnonzero(ok1), np.flatnonzero(ok2)]
    visit = np.r_[first[ok1], second[ok2]]
    order = np.lexsort((visit, rec))
    sbp, dbp = bp(rng, len(rec))
    return {"rec": rec[order], "visit_on": visit[order], "sbp": sbp, "dbp": dbp}


# ---- children -----------------------------------------------------------------------------------------------

def per_child_exams() -> float:
    """Expected exams per child: the schedule's slots that fall before the end, attended 80 % of the time."""
    return float(0.8 * np.clip((CHILD_WINDOW_DAYS - SLOTS - 2.5) / CHILD_WINDOW_DAYS, 0, 1).sum())


def lms_value(table: Any, sex: np.ndarray, age: np.ndarray, z: np.ndarray) -> np.ndarray:
    row = np.minimum(age, table.rows - 1)
    l, m, s = table.l[sex, row], table.m[sex, row], table.s[sex, row]  # noqa: E741
    return m * (1 + l * s * z) ** (1 / l)


def children(tree: Tree, n: int, rng: np.random.Generator, planted: dict[str, list[int]]) -> dict[str, Any]:
    from ducha.quality.who_tables import who_tables

    weights = tree.population / tree.population.sum()
    unit = np.sort(rng.choice(len(weights), n, p=weights))
    birth = END - rng.integers(0, CHILD_WINDOW_DAYS, n)
    sex = rng.integers(1, 3, n)
    z_child = rng.normal(-0.2, 1.1, n)
    attend = rng.uniform(0.6, 1.0, n)
    day = birth[:, None] + SLOTS[None, :] + rng.integers(-5, 11, (n, len(SLOTS)))
    keep = (day <= END) & (rng.random((n, len(SLOTS))) < attend[:, None])
    rec = np.nonzero(keep)[0]
    exam_on = day[keep]
    m = len(rec)
    age = (exam_on - birth[rec]).astype(int)
    z_len = z_child[rec] + rng.normal(0, 0.9, m)
    z_wt = z_child[rec] + rng.normal(0, 0.6, m)
    in_q = exam_on >= Q_START
    for u in planted["identical_child"]:  # every exam of the quarter written next to one value
        idx = np.flatnonzero((unit[rec] == u) & in_q)
        z_len[idx] = -0.3 + rng.normal(0, 0.08, len(idx))
        z_wt[idx] = -0.3 + rng.normal(0, 0.08, len(idx))
    tables = who_tables()
    length = np.round(lms_value(tables["lhfa"], sex[rec], age, z_len), 1)
    weight = np.round(lms_value(tables["wfa"], sex[rec], age, z_wt), 1)
    hb = np.where((age >= 170) & (age <= 290), np.round(rng.normal(120, 10, m)), np.nan)
    created = entered(rng, exam_on)
    name = names(rng, CHILDREN, n)
    exam_day = exam_on.copy()
    for u in planted["child_ahead"]:  # no name, no exam date, written ahead of the exam
        kids = np.unique(rec[(unit[rec] == u) & in_q])
        ahead = kids[rng.random(len(kids)) < 0.15]
        name[ahead] = ""
        idx = np.flatnonzero(np.isin(rec, ahead) & in_q)
        created[idx] = (exam_on[idx] - 10).astype("datetime64[s]") + np.timedelta64(9 * 3600 - 8 * 3600, "s")
        no_date = np.flatnonzero((unit[rec] == u) & in_q)
        exam_day[no_date[rng.random(len(no_date)) < 0.05]] = np.datetime64("NaT")
    return {"unit": unit, "birth": birth, "sex": sex, "name": name, "rec": rec, "exam_on": exam_day, "age": age,
            "weight_kg": weight, "length_cm": length, "hb": hb, "created": created, "true_exam_on": exam_on,
            "village": np.char.add(tree.shorts[unit], np.array(VILLAGES)[rng.integers(0, len(VILLAGES), n)])}


# ---- the made-up cards that act on visits -------------------------------------------------------------------

def plant_visits(p: Pregnancies, anc: dict[str, np.ndarray], post: dict[str, np.ndarray], anc_created: np.ndarray,
                 planted: dict[str, list[int]], rng: np.random.Generator) -> np.ndarray:
    """Bursts, missing antenatal care and implausible values; returns the antenatal rows to keep."""
    unit = p.unit[anc["rec"]]
    in_q = anc["visit_on"] >= Q_START
    for u in planted["burst"]:  # 60 women's every antenatal card written in one sitting, all 120/80
        women = np.unique(anc["rec"][(unit == u) & in_q])[:60]
        idx = np.flatnonzero(np.isin(anc["rec"], women))
        sitting = np.datetime64("2012-03-20T14:00:00") - UTC_OFFSET
        anc_created[idx] = sitting + (np.arange(len(idx)) * 70).astype("timedelta64[s]")
        anc["sbp"][idx], anc["dbp"][idx] = 120, 80
    for u in planted["implausible"]:
        idx = np.flatnonzero((unit == u) & in_q)
        bad = idx[rng.random(len(idx)) < 0.03]
        anc["sbp"][bad], anc["dbp"][bad] = 300, 20
        anc["hb"][idx[rng.random(len(idx)) < 0.03]] = 250
        pp = np.flatnonzero(p.unit[post["rec"]] == u)[:5]
        post["visit_on"][pp] = p.delivered[post["rec"][pp]] - 10
    for u in planted["copied_cards"]:  # the copies' first visit has the first woman's measurements
        women = np.flatnonzero((p.unit == u) & (p.reg >= Q_START))[:21]
        first = np.searchsorted(anc["rec"], women)
        for key in ("weight_kg", "sbp", "dbp", "hb"):
            anc[key][first] = anc[key][first[0]]
    keep = np.ones(len(unit), bool)
    for u in planted["no_antenatal"]:  # 40 % of the quarter's deliveries have no antenatal card at all
        women = np.flatnonzero((p.unit == u) & (p.delivered >= Q_START))
        keep &= ~np.isin(anc["rec"], women[rng.random(len(women)) < 0.4])
    return keep


# ---- reports ----------------------------------------------------------------------------------------------

RATES = {  # per expected monthly delivery, for the elements not counted from the registers
    "PREG_TOTAL": 1.05, "PARTURIENTS": 1.0, "ANC_ANY": 1.0, "ANC_FIRST": 1.0, "STILLBIRTHS": 0.005, "HOSP_DELIVERIES": 0.95,
    "HIGH_RISK": 0.25, "HIGH_RISK_MANAGED": 0.2, "HIGH_RISK_REFERRAL": 0.1, "HIGH_RISK_ADMISSION": 0.12,
    "MATERNAL_DEATHS": 0.0002, "TRIPLE_TESTED": 0.9, "FOLIC_DUE": 1.1, "FOLIC_NEW": 0.85, "NEWBORN_VISITED": 0.85,
    "CHILD_U3": 36.0, "CHILD_U7": 84.0, "CHILD_U7_MANAGED": 6.0, "NEONATAL_DEATHS": 0.003, "INFANT_DEATHS": 0.006,
    "U5_DEATHS": 0.008, "LOW_BIRTH_WEIGHT": 0.04, "PERINATAL_BIRTHS": 1.0, "BIRTH_DEFECTS": 0.01,
}


def register_counts(p: Pregnancies, anc: dict[str, np.ndarray], post: dict[str, np.ndarray], kids: dict[str, Any],
                    towns: int) -> dict[str, np.ndarray]:
    """The quarter's counts per township as ``quality.register_indicators`` recounts them."""
    n = len(p.reg)
    n_anc = np.bincount(anc["rec"], minlength=n)
    first_weeks = np.full(n, np.inf)
    np.minimum.at(first_weeks, anc["rec"], anc["weeks"])
    gap = (post["visit_on"] - p.delivered[post["rec"]]).astype(int)
    has_post = np.zeros(n, bool)
    has_post[post["rec"][(gap >= 0) & (gap <= 28)]] = True
    registered = (p.reg >= Q_START) & (p.reg <= END)
    early = (p.weeks < 13) | (first_weeks < 13)
    live = p.live & (p.delivered >= Q_START)
    count = {
        "PREG_REGISTERED": registered, "EARLY_REG": registered & early, "ANC_5PLUS": live & (n_anc >= 5),
        "SYS_MANAGED": live & early & (n_anc >= 5) & has_post, "POSTPARTUM_VISIT": live & has_post,
        "CAESAREAN": live & (p.mode == "caesarean")}
    out = {k: np.bincount(p.unit[v], minlength=towns) for k, v in count.items()}
    out["LIVE_BIRTHS"] = np.bincount(p.unit, weights=live * p.babies, minlength=towns).astype(int)
    rec, age, exam_on = kids["rec"], kids["age"], kids["true_exam_on"]
    years = [np.bincount(rec, weights=(age >= lo) & (age <= hi), minlength=len(kids["birth"])) >= need
             for lo, hi, need in ((75, 395, 4), (396, 760, 2), (761, 1125, 2))]
    closes = kids["birth"] + 1095
    closing = (closes >= Q_START) & (closes <= END)
    examined = np.zeros(len(kids["birth"]), bool)
    examined[rec[(exam_on >= Q_START) & (age < 1095)]] = True
    out["CHILD_U3_SYS"] = np.bincount(kids["unit"][closing & years[0] & years[1] & years[2]], minlength=towns)
    out["CHILD_U3_EXAMS"] = np.bincount(kids["unit"][examined], minlength=towns)
    return out


def reports(tree: Tree, counts: dict[str, np.ndarray], monthly_births: np.ndarray, elements: dict[str, int],
            data_set: int, planted: dict[str, list[int]], rng: np.random.Generator) -> tuple[pa.Table, pa.Table]:
    """Monthly MCH reports 2009-01 … 2012-03 of every township and their submissions (0.5 % never handed in,
    most within the 5-day deadline, 5 % late)."""
    towns = len(tree.ids)
    months = np.arange(REPORT_MONTHS)  # 0 = 2009-01
    codes = [f"{2009 + m // 12}{m % 12 + 1:02d}" for m in months]
    season = 1 + 0.1 * np.cos(2 * np.pi * (months % 12) / 12)
    quarter = counts.copy()
    for u in planted["over_reported"]:
        for key in ("LIVE_BIRTHS", "ANC_5PLUS", "SYS_MANAGED"):
            quarter[key][u] = round(quarter[key][u] * 1.4) + 2
    grid: dict[str, np.ndarray] = {}
    for code in elements:
        if code in quarter:
            q = np.round(quarter[code] * rng.uniform(0.97, 1.03, towns)).astype(int)
            value = rng.poisson(np.maximum(q / 3, 0.2)[:, None] * season[None, :])
            value[:, -3:] = np.stack([rng.multinomial(t, [0.33, 0.31, 0.36]) for t in q])
        elif code in ("CHILD_U3", "CHILD_U7"):
            value = np.round(RATES[code] * monthly_births[:, None] * (1 + 0.002 * months[None, :])).astype(int)
        else:
            value = rng.poisson(RATES[code] * monthly_births[:, None] * season[None, :])
        grid[code] = value
    # the quarter's related figures agree as they do in an honest report
    grid["PARTURIENTS"][:, -3:] = grid["LIVE_BIRTHS"][:, -3:] + grid["STILLBIRTHS"][:, -3:]
    grid["PERINATAL_BIRTHS"][:, -3:] = grid["PARTURIENTS"][:, -3:]
    grid["ANC_ANY"][:, -3:] = np.maximum(grid["ANC_ANY"][:, -3:], grid["ANC_5PLUS"][:, -3:])
    unit = np.tile(np.repeat(np.arange(towns), REPORT_MONTHS), len(grid))
    period = np.tile(months, towns * len(grid))
    element = np.repeat([elements[c] for c in grid], towns * REPORT_MONTHS)
    value = np.concatenate([v.ravel() for v in grid.values()])
    handed_in = rng.random((towns, REPORT_MONTHS)) > 0.005
    keep = handed_in[unit, period]
    first_of_next = np.array([np.datetime64(f"{2009 + (m + 1) // 12}-{(m + 1) % 12 + 1:02d}-01") for m in months])
    sub_unit, sub_month = np.nonzero(handed_in)
    late = np.where(rng.random(len(sub_month)) < 0.05, rng.integers(2, 10, len(sub_month)), 0)
    submitted = entered(rng, first_of_next[sub_month] + rng.integers(0, 5, len(sub_month)) + late, lag=0)
    at = np.full((towns, REPORT_MONTHS), np.datetime64("NaT", "s"))
    at[sub_unit, sub_month] = submitted
    code_arr = np.array(codes)
    values_table = pa.table({
        "period": code_arr[period[keep]], "value": value[keep],
        "created_at": col(at[unit[keep], period[keep]], pa.timestamp("s")),
        "updated_at": col(at[unit[keep], period[keep]], pa.timestamp("s")), "source": pa.repeat("基准模拟", int(keep.sum())),
        "created_by_id": tree.users[unit[keep]], "data_element_id": element[keep],
        "org_unit_id": tree.ids[unit[keep]], "updated_by_id": pa.nulls(int(keep.sum()), pa.int64())})
    submissions = pa.table({
        "period": code_arr[sub_month], "submitted_at": col(submitted, pa.timestamp("s")),
        "data_set_id": np.full(len(sub_unit), data_set),
        "org_unit_id": tree.ids[sub_unit], "submitted_by_id": tree.users[sub_unit]})
    return values_table, submissions


# ---- everything as the database's tables -------------------------------------------------------------------

def _const(value: Any, n: int, kind: pa.DataType | None = None) -> pa.Array:
    return pa.nulls(n, kind) if value is None else pa.repeat(pa.scalar(value, kind), n)


def _examiners(tree: Tree, rng: np.random.Generator) -> np.ndarray:
    return names(rng, WOMEN, len(tree.ids) * 3).reshape(len(tree.ids), 3)


def choose_planted(towns: int, rng: np.random.Generator) -> dict[str, list[int]]:
    per_kind = max(1, towns // 500)
    chosen = rng.choice(towns, per_kind * len(PLANTED), replace=False).tolist()
    return {kind: chosen[i * per_kind:(i + 1) * per_kind] for i, kind in enumerate(PLANTED)}


def build(scale: Scale, seed: int, first: dict[str, int], elements: dict[str, int], data_set: int
          ) -> tuple[dict[str, pa.Table], dict[str, Any]]:
    """All rows to insert, keyed by table, with explicit ids where other rows point at them."""
    rng = np.random.default_rng(seed)
    tree = build_tree(scale, rng, first["unit"], first["user"])
    towns = len(tree.ids)
    planted = choose_planted(towns, rng)
    examiners = _examiners(tree, rng)
    p = pregnancies(tree, scale.pregnancies, rng, planted)
    anc, post = antenatal(p, rng), postpartum(p, rng)
    anc_created = entered(rng, anc["visit_on"])
    keep = plant_visits(p, anc, post, anc_created, planted, rng)
    anc = {k: v[keep] for k, v in anc.items()}
    anc_created = anc_created[keep]
    n_kids = round(scale.exams / per_child_exams())
    kids = children(tree, n_kids, rng, planted)
    counts = register_counts(p, anc, post, kids, towns)
    for u in planted["caesarean_as_vaginal"]:  # the reports keep the caesareans, the cards say vaginal
        idx = np.flatnonzero((p.unit == u) & (p.mode == "caesarean"))
        p.mode[idx[rng.random(len(idx)) < 0.8]] = "vaginal"
    monthly_births = np.maximum(counts["LIVE_BIRTHS"] / 3, 0.5)
    values, submissions = reports(tree, counts, monthly_births, elements, data_set, planted, rng)

    n, f = len(p.reg), p.fields
    preg_ids = first["pregnancy"] + np.arange(n)
    last_event = np.where(np.isnat(f["check_42d_on"]), np.where(np.isnat(p.delivered), p.reg, p.delivered),
                          f["check_42d_on"])
    blank = {k: _const("", n) for k in ("source_sheet", "id_hash", "id_last4", "high_risk_reasons", "hiv_result",
                                         "syphilis_result", "hbv_result", "rh", "check_42d_result", "death_cause")}
    preg = pa.table({
        "id": preg_ids, "created_at": col(entered(rng, p.reg), pa.timestamp("s")),
        "updated_at": col(entered(rng, last_event), pa.timestamp("s")),
        "record_no": record_nos(tree.codes, p.unit, "Y"), "name": col(f["name"]), "birth_date": col(f["birth_date"]),
        "phone": col(f["phone"]), "village": col(f["village"]), "registered_on": col(p.reg), "lmp": col(p.lmp),
        "edd": col(p.lmp + 280), "gravidity": f["gravidity"], "parity": f["parity"],
        "weeks_at_registration": p.weeks, "risk_grade": col(f["risk_grade"]), "referred": _const(False, n),
        "blood_group": col(f["blood_group"]), "delivered_on": col(p.delivered),
        "delivery_place": col(f["delivery_place"]), "delivery_mode": col(p.mode),
        "delivery_weeks": col(f["delivery_weeks"]), "blood_loss_ml": col(f["blood_loss_ml"], pa.int64()),
        "delivery_sbp": col(f["delivery_sbp"], pa.int64()), "delivery_dbp": col(f["delivery_dbp"], pa.int64()),
        "outcome": col(f["outcome"]), "babies": col(np.where(p.babies > 0, p.babies, np.nan), pa.int64()),
        "baby_sex": col(f["baby_sex"], pa.int64()), "birth_weight_g": col(f["birth_weight_g"], pa.int64()),
        "check_42d_on": col(f["check_42d_on"]), "created_by_id": tree.users[p.unit], "org_unit_id": tree.ids[p.unit],
        **blank})
    m = len(anc["rec"])
    anc_unit = p.unit[anc["rec"]]
    antenatal_t = pa.table({
        "created_at": col(anc_created, pa.timestamp("s")), "source_sheet": _const("", m),
        "updated_at": col(anc_created, pa.timestamp("s")), "visit_on": col(anc["visit_on"]), "weeks": anc["weeks"],
        "weight_kg": anc["weight_kg"], "sbp": col(anc["sbp"], pa.int64()), "dbp": col(anc["dbp"], pa.int64()),
        "hb": col(anc["hb"], pa.int64()), "fundal_height_cm": col(anc["fundal_height_cm"]),
        "fetal_heart_rate": col(anc["fetal_heart_rate"], pa.int64()),
        "examiner": col(examiners[anc_unit, rng.integers(0, 3, m)]), "created_by_id": tree.users[anc_unit],
        "record_id": preg_ids[anc["rec"]]})
    k = len(post["rec"])
    post_unit = p.unit[post["rec"]]
    post_created = col(entered(rng, post["visit_on"]), pa.timestamp("s"))
    postpartum_t = pa.table({
        "created_at": post_created, "source_sheet": _const("", k), "updated_at": post_created,
        "visit_on": col(post["visit_on"]), "sbp": col(post["sbp"], pa.int64()), "dbp": col(post["dbp"], pa.int64()),
        "findings": _const("正常", k), "examiner": col(examiners[post_unit, rng.integers(0, 3, k)]),
        "created_by_id": tree.users[post_unit], "record_id": preg_ids[post["rec"]]})
    c = len(kids["birth"])
    kid_ids = first["child"] + np.arange(c)
    kid_created = col(entered(rng, kids["birth"] + 28), pa.timestamp("s"))
    child_t = pa.table({
        "id": kid_ids, "created_at": kid_created, "source_sheet": _const("", c), "updated_at": kid_created,
        "record_no": record_nos(tree.codes, kids["unit"], "E"), "name": col(kids["name"]), "sex": kids["sex"],
        "birth_date": col(kids["birth"]), "birth_weight_g": np.clip(np.round(rng.normal(3300, 450, c)), 1500, 5000),
        "gestational_weeks": np.round(np.clip(rng.normal(39, 1.2, c), 34, 42), 1), "village": col(kids["village"]),
        "vulnerable": _const(False, c), "case_managed": _const(False, c), "created_by_id": tree.users[kids["unit"]],
        "org_unit_id": tree.ids[kids["unit"]]})
    e = len(kids["rec"])
    exam_unit = kids["unit"][kids["rec"]]
    age = kids["age"]
    exam_t = pa.table({
        "created_at": col(kids["created"], pa.timestamp("s")), "source_sheet": _const("", e),
        "updated_at": col(kids["created"], pa.timestamp("s")), "exam_on": col(kids["exam_on"]),
        "weight_kg": kids["weight_kg"], "length_cm": kids["length_cm"], "measured_lying": age < 731,
        "hb": col(kids["hb"], pa.int64()),
        "feeding": col(np.where(age < 400, np.array(["breast", "mixed", "formula"])[rng.integers(0, 3, e)], "")),
        "examiner": col(examiners[exam_unit, rng.integers(0, 3, e)]), "conclusion": _const("正常", e),
        "created_by_id": tree.users[exam_unit], "child_id": kid_ids[kids["rec"]]})
    dataset_units = pa.table({"dataset_id": np.full(towns, data_set), "orgunit_id": tree.ids})
    tables = {"auth_user": tree.auth, "orgs_orgunit": tree.units, "reporting_dataset_org_units": dataset_units,
              "reporting_datavalue": values, "reporting_submission": submissions,
              "registers_pregnancyrecord": preg, "registers_antenatalvisit": antenatal_t,
              "registers_postpartumvisit": postpartum_t, "registers_childrecord": child_t,
              "registers_childexam": exam_t}
    info = {"root": tree.root_code, "period": PERIOD, "townships": towns,
            "planted": {kind: [str(tree.codes[u]) for u in us] for kind, us in planted.items()},
            "rows": {name: t.num_rows for name, t in tables.items()},
            "exams_in_quarter": int((kids["true_exam_on"] >= Q_START).sum())}
    return tables, info


# ---- bulk loading ------------------------------------------------------------------------------------------

CHUNK = 200_000


def _sqlite_values(column: pa.ChunkedArray) -> list[Any]:
    kind = column.type
    if pa.types.is_timestamp(kind):
        column = pc.strftime(column, format="%Y-%m-%d %H:%M:%S")
    elif pa.types.is_date(kind):
        column = column.cast(pa.string())
    elif pa.types.is_boolean(kind):
        column = column.cast(pa.int8())
    return column.to_pylist()


def _load_sqlite(raw: Any, name: str, table: pa.Table) -> None:
    sql = f'INSERT INTO "{name}" ({", ".join(table.column_names)}) VALUES ({", ".join("?" * table.num_columns)})'
    for start in range(0, table.num_rows, CHUNK):
        part = table.slice(start, CHUNK)
        raw.executemany(sql, zip(*[_sqlite_values(part[c]) for c in part.column_names], strict=True))


def _load_postgres(cursor: Any, name: str, table: pa.Table) -> None:
    cols = [pc.cast(table[c], pa.timestamp("s", tz="UTC")) if pa.types.is_timestamp(table[c].type) else table[c]
            for c in table.column_names]
    table = pa.table(cols, names=table.column_names)
    options = pacsv.WriteOptions(include_header=False, quoting_style="all_valid")
    with cursor.copy(f'COPY "{name}" ({", ".join(table.column_names)}) FROM STDIN WITH (FORMAT csv)') as copy:
        for start in range(0, table.num_rows, CHUNK):
            buf = io.BytesIO()
            pacsv.write_csv(table.slice(start, CHUNK), buf, options)
            copy.write(buf.getvalue())
    if "id" in table.column_names:
        cursor.execute(f"SELECT setval(pg_get_serial_sequence('\"{name}\"', 'id'), (SELECT max(id) FROM \"{name}\"))")


def _with_defaults(name: str, table: pa.Table) -> pa.Table:
    """Columns the builder does not know (added to the models later: ``version``, the imported entry metadata…)
    get the model field's default, as the ORM would write it: rows written straight into the store start at
    version 0, like rows stored before versions existed, with no imported 录入人."""
    from django.apps import apps

    model = next((m for m in apps.get_models() if m._meta.db_table == name), None)
    if model is None:
        return table
    for field in model._meta.concrete_fields:
        if field.column in table.column_names or field.null or getattr(field, "primary_key", False):
            continue
        value = field.get_default()  # the default, or "" for a text field without one (as the ORM writes)
        if value is None:
            continue
        table = table.append_column(field.column, pa.array([value] * table.num_rows))
    return table


def load(tables: dict[str, pa.Table]) -> dict[str, float]:
    """Insert every table in one transaction; seconds per table."""
    from django.db import connection, transaction

    seconds: dict[str, float] = {}
    with transaction.atomic(), connection.cursor() as cursor:
        raw = connection.connection
        if connection.vendor == "sqlite":
            raw.execute("PRAGMA defer_foreign_keys = ON")
        for name, table in tables.items():
            table = _with_defaults(name, table)
            t0 = time.perf_counter()
            if connection.vendor == "sqlite":
                _load_sqlite(raw, name, table)
            else:
                _load_postgres(cursor.cursor, name, table)
            seconds[name] = round(time.perf_counter() - t0, 2)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return seconds


def next_ids() -> dict[str, int]:
    from django.contrib.auth import get_user_model
    from django.db.models import Max

    from ducha.orgs.models import OrgUnit
    from ducha.registers.models import ChildRecord, PregnancyRecord

    def after(model: Any) -> int:
        return int(model.objects.aggregate(m=Max("pk"))["m"] or 0) + 1

    return {"unit": after(OrgUnit), "user": after(get_user_model()), "pregnancy": after(PregnancyRecord),
            "child": after(ChildRecord)}


def setup_django(home: str) -> None:
    os.environ["DUCHA_HOME"] = home
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ducha.settings")
    # The benchmarks import files beyond the default upload limit (300 k rows ≈ 26 MB of CSV).
    os.environ.setdefault("DUCHA_IMPORT_MAX_MB", "200")
    os.makedirs(home, exist_ok=True)
    import django

    django.setup()


def peak_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def scale_from(args: argparse.Namespace) -> Scale:
    base = PRESETS[args.scale]
    return Scale(base.name, args.counties or base.counties, base.townships, args.pregnancies or base.pregnancies,
                 args.exams or base.exams)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="在新建的 ducha 数据库中生成县级或省级规模的模拟登记数据")
    parser.add_argument("--scale", choices=sorted(PRESETS), default="county")
    parser.add_argument("--home", required=True, help="DUCHA_HOME：新数据库所在目录（SQLite 文件若已存在会被删除）")
    parser.add_argument("--seed", type=int, default=2012)
    parser.add_argument("--counties", type=int, help="县的个数（默认按规模）")
    parser.add_argument("--pregnancies", type=int, help="孕产妇手册数（默认按规模）")
    parser.add_argument("--exams", type=int, help="儿童体检次数（默认按规模）")
    parser.add_argument("--json", help="把结果另存为 JSON 文件")
    parser.add_argument("--wipe-postgres", action="store_true",
                        help="DUCHA_DATABASE_URL 指向的 PostgreSQL 数据库会被清空（DROP SCHEMA public）：必须明确同意")
    args = parser.parse_args(argv)
    postgres = os.environ.get("DUCHA_DATABASE_URL", "").startswith("postgres")
    if postgres and not args.wipe_postgres:
        parser.error("PostgreSQL 数据库会被清空重建：只用临时数据库（scripts/pg.sh start DIR），并加 --wipe-postgres")
    if "DUCHA_DATABASE_URL" not in os.environ:
        for suffix in ("", "-wal", "-shm", "-journal"):
            path = os.path.join(args.home, "ducha.sqlite3" + suffix)
            if os.path.exists(path):
                os.remove(path)
    setup_django(args.home)
    from django.core.management import call_command

    from ducha.reporting.models import DataElement, DataSet

    scale = scale_from(args)
    t0 = time.perf_counter()
    if postgres:
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    call_command("migrate", verbosity=0)
    t1 = time.perf_counter()
    elements = dict(DataElement.objects.filter(datasetelement__data_set__code="MCH_MONTHLY")
                    .values_list("code", "pk"))
    data_set = DataSet.objects.get(code="MCH_MONTHLY").pk
    tables, info = build(scale, args.seed, next_ids(), elements, data_set)
    t2 = time.perf_counter()
    per_table = load(tables)
    t3 = time.perf_counter()
    result = {"scale": asdict(scale), "seed": args.seed, "home": args.home,
              "database": "postgresql" if "DUCHA_DATABASE_URL" in os.environ else "sqlite", **info,
              "seconds": {"migrate": round(t1 - t0, 2), "generate": round(t2 - t1, 2), "load": round(t3 - t2, 2),
                          "load_per_table": per_table},
              "rows_per_second_loaded": round(sum(info["rows"].values()) / (t3 - t2)), "peak_rss_mb": peak_mb()}
    text = json.dumps(result, ensure_ascii=False, indent=2)
    print(text)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as out:
            out.write(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
