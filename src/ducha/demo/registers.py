"""Registers for the demo county, consistent with its monthly reports.

Every township's pregnancy and child records are generated so that recounting them gives the numbers
its Q1 reports carry (VF ≈ 1): deliveries, systematic management by the official rule, ≥ 5 antenatal
checks, postpartum visits, caesareans, registrations, children examined and children closing 4:2:2.
Values are realistic (schedule-shaped visit dates, mercury-scale blood pressure, WHO-distributed child
weights and lengths, entry on the day of the visit). ``demo.fabrication`` then makes up a few townships'
cards in the ways the seed bulletins describe and records the ground truth.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from functools import lru_cache
from importlib import resources
from zoneinfo import ZoneInfo

from django.conf import settings

from ducha.registers.models import AntenatalVisit, ChildExam, ChildRecord, PostpartumVisit, PregnancyRecord

Q1_START, Q1_END = date(2012, 1, 1), date(2012, 3, 31)
LATER_CHECK_WEEKS = [16, 18, 20, 23, 26, 28, 32, 34, 36, 38]
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = ["秀英", "桂英", "丽", "静", "敏", "艳", "娟", "霞", "芳", "红", "玲", "燕", "萍", "婷", "雪", "洁"]
CHILD_GIVEN = ["浩然", "子涵", "一诺", "梓萱", "宇轩", "欣怡", "俊杰", "雨桐", "博文", "佳怡"]


@dataclass
class UnitRegisters:
    """What was generated for one township (ids filled after saving)."""

    pregnancies: list[PregnancyRecord] = field(default_factory=list)
    antenatal: list[AntenatalVisit] = field(default_factory=list)
    postpartum: list[PostpartumVisit] = field(default_factory=list)
    children: list[ChildRecord] = field(default_factory=list)
    exams: list[ChildExam] = field(default_factory=list)


@lru_cache(maxsize=8)
def lms_table(name: str) -> dict[tuple[int, int], tuple[float, float, float]]:
    """(sex, age in days) → (L, M, S) from the WHO table shipped with the product."""
    text = resources.files("ducha.quality").joinpath(f"data/who/{name}").read_text()
    out = {}
    for line in text.splitlines()[1:]:
        sex, age, lam, mu, sigma = line.split("\t")[:5]
        out[(int(sex), int(float(age)))] = (float(lam), float(mu), float(sigma))
    return out


def from_z(name: str, sex: int, age_days: int, z: float) -> float:
    lam, mu, sigma = lms_table(name)[(sex, min(age_days, 1856))]
    return float(mu * (1 + lam * sigma * z) ** (1 / lam))


def entered(day: date, rng: random.Random, *, lag_days: int = 2) -> datetime:
    """When a card was written: on the day or a little later, in working hours."""
    when = day + timedelta(days=rng.randint(0, lag_days))
    return datetime.combine(when, time(rng.randint(8, 16), rng.randint(0, 59)), tzinfo=ZoneInfo(settings.TIME_ZONE))


def _name(rng: random.Random, given: list[str]) -> str:
    return rng.choice(SURNAMES) + rng.choice(given)


def _bp(rng: random.Random) -> tuple[int, int]:
    sbp = round(rng.gauss(112, 10) / 2) * 2  # mercury scale: even readings
    return sbp, min(round(rng.gauss(72, 8) / 2) * 2, sbp - 20)


def _pregnancy(unit_id: int, no: str, rng: random.Random, *, registered_on: date, weeks: float,
               delivered_on: date | None) -> PregnancyRecord:
    lmp = registered_on - timedelta(days=round(weeks * 7))
    return PregnancyRecord(
        org_unit_id=unit_id, record_no=no, name=_name(rng, GIVEN),
        birth_date=date(rng.randint(1978, 1994), rng.randint(1, 12), rng.randint(1, 28)),
        village=rng.choice(["东坪", "西岭", "河口", "王营", "张湾"]), registered_on=registered_on, lmp=lmp,
        edd=lmp + timedelta(days=280), gravidity=rng.randint(1, 3), parity=rng.randint(0, 1),
        weeks_at_registration=Decimal(str(weeks)), risk_grade=rng.choice(["green"] * 6 + ["yellow", "orange"]),
        delivered_on=delivered_on, created_at=entered(registered_on, rng),
    )


def _visits(rec: PregnancyRecord, n: int, rng: random.Random, examiner: str) -> list[AntenatalVisit]:
    assert rec.lmp is not None
    first = float(rec.weeks_at_registration or 10)
    later = [w for w in LATER_CHECK_WEEKS if w > first]
    weeks = [first, *sorted(rng.sample(later, k=min(n - 1, len(later))))]
    last = rec.delivered_on or (Q1_END + timedelta(days=2))
    out: list[AntenatalVisit] = []
    for w in weeks:
        planned = rec.lmp + timedelta(days=round(w * 7) + (rng.randint(-3, 3) if out else 0))
        day = min(max(planned, rec.registered_on or planned), last - timedelta(days=1))
        sbp, dbp = _bp(rng)
        out.append(AntenatalVisit(
            record=rec, visit_on=day, weeks=Decimal(str(w)), weight_kg=Decimal(str(round(rng.gauss(55, 7) + w * 0.35, 1))),
            sbp=sbp, dbp=dbp, hb=round(rng.gauss(118, 12)), fundal_height_cm=Decimal(str(max(w - 4, 8))),
            fetal_heart_rate=rng.randint(125, 155) if w >= 12 else None, examiner=examiner, created_at=entered(day, rng),
        ))
    return out


def pregnancies_for(unit_id: int, code: str, totals: dict[str, int], rng: random.Random,
                    examiner: str) -> UnitRegisters:
    """Deliveries of Q1 and registrations of Q1 matching the township's reported quarter totals."""
    out = UnitRegisters()
    live, still = totals["LIVE_BIRTHS"], totals["STILLBIRTHS"]
    managed, anc5, post = totals["SYS_MANAGED"], totals["ANC_5PLUS"], totals["POSTPARTUM_VISIT"]
    assert managed <= anc5 <= live and managed <= post <= live
    caesarean = totals["CAESAREAN"]
    # Records 0…managed-1 are systematically managed; managed…anc5-1 have ≥ 5 checks but registered late;
    # 0…post-1 had a postpartum visit within 28 days; the last `caesarean` live births were caesareans.
    for i in range(live + still):
        is_live = i < live
        delivered = Q1_START + timedelta(days=rng.randint(0, 90))
        five = is_live and i < anc5
        timely_post = is_live and i < post
        if i < managed:
            weeks = rng.choice([8, 9, 10, 11, 12])
        elif five:
            weeks = rng.choice([14, 16])
        else:
            weeks = rng.choice([8, 10, 12, 14, 16, 20])
        registered = delivered - timedelta(days=round((39 - weeks) * 7) + rng.randint(-5, 5))
        rec = _pregnancy(unit_id, f"{code}-Y{i + 1:04d}", rng, registered_on=registered, weeks=weeks,
                         delivered_on=delivered)
        rec.outcome = "live" if is_live else "stillbirth"
        rec.babies = 1
        rec.delivery_mode = "caesarean" if is_live and i >= live - caesarean else "vaginal"
        rec.delivery_place, rec.delivery_weeks = "乡镇卫生院", Decimal(str(rng.choice([38, 39, 40])))
        rec.blood_loss_ml = rng.randint(150, 400)
        rec.delivery_sbp, rec.delivery_dbp = _bp(rng)
        rec.hiv_tested_on = rec.syphilis_tested_on = rec.hbv_tested_on = registered + timedelta(days=3)
        rec.hiv_result = rec.syphilis_result = rec.hbv_result = "neg"
        rec.created_at = entered(registered, rng)
        out.pregnancies.append(rec)
        out.antenatal += _visits(rec, 5 if five else rng.randint(1, 4), rng, examiner)
        if timely_post:
            day = delivered + timedelta(days=rng.randint(3, 7))
            sbp, dbp = _bp(rng)
            out.postpartum.append(PostpartumVisit(record=rec, visit_on=day, sbp=sbp, dbp=dbp, findings="正常",
                                                  examiner=examiner, created_at=entered(day, rng)))
    for j in range(totals["PREG_REGISTERED"]):
        registered = Q1_START + timedelta(days=rng.randint(0, 90))
        weeks = rng.choice([7, 8, 9, 10, 11, 12]) if j < totals["EARLY_REG"] else rng.choice([14, 16, 18, 22])
        rec = _pregnancy(unit_id, f"{code}-J{j + 1:04d}", rng, registered_on=registered, weeks=weeks,
                         delivered_on=None)
        out.pregnancies.append(rec)
        out.antenatal += _visits(rec, 1, rng, examiner)
    return out


def _exam(kid: ChildRecord, age: int, rng: random.Random, examiner: str, z: float) -> ChildExam:
    assert kid.birth_date is not None and kid.sex is not None
    day = kid.birth_date + timedelta(days=age)
    lying = age < 731
    length = from_z("lenanthro.txt", kid.sex, age, z + rng.gauss(0, 0.9))  # SD of LAZ ≈ 1.4
    weight = from_z("weianthro.txt", kid.sex, age, z + rng.gauss(0, 0.6))
    return ChildExam(child=kid, exam_on=day, weight_kg=Decimal(str(round(weight, 1))),
                     length_cm=Decimal(str(round(length, 1))), measured_lying=lying,
                     hb=round(rng.gauss(120, 10)) if age in range(180, 250) else None,
                     feeding=rng.choice(["breast", "mixed", "formula"]) if age < 400 else "",
                     examiner=examiner, conclusion="正常", created_at=entered(day, rng))


FULL_SCHEDULE = [91, 182, 243, 365, 547, 730, 912, 1093]


def children_for(unit_id: int, code: str, totals: dict[str, int], rng: random.Random, examiner: str,
                 closing: int) -> UnitRegisters:
    """Children closing 4:2:2 in Q1 (``CHILD_U3_SYS`` of them managed) and children examined in Q1."""
    out = UnitRegisters()
    managed = totals["CHILD_U3_SYS"]
    examined = totals["CHILD_U3_EXAMS"]
    n = 0
    for i in range(max(closing, managed)):
        n += 1
        birth = Q1_START - timedelta(days=1093) + timedelta(days=rng.randint(0, 88))
        kid = ChildRecord(org_unit_id=unit_id, record_no=f"{code}-E{n:05d}", name=_name(rng, CHILD_GIVEN),
                          sex=rng.choice([1, 2]), birth_date=birth, birth_weight_g=rng.randint(2600, 4000),
                          created_at=entered(birth + timedelta(days=30), rng))
        out.children.append(kid)
        z = rng.gauss(-0.2, 1.1)
        schedule = FULL_SCHEDULE if i < managed else rng.sample(FULL_SCHEDULE[:6], k=rng.randint(0, 3))
        out.exams += [_exam(kid, a + rng.randint(-5, 5) if a < 1093 else a, rng, examiner, z) for a in schedule]
    in_q1 = sum(1 for e in out.exams if e.exam_on and Q1_START <= e.exam_on <= Q1_END)
    for _ in range(max(0, examined - in_q1)):
        n += 1
        age = rng.randint(75, 1060)
        exam_day = Q1_START + timedelta(days=rng.randint(0, 90))
        birth = exam_day - timedelta(days=age)
        kid = ChildRecord(org_unit_id=unit_id, record_no=f"{code}-E{n:05d}", name=_name(rng, CHILD_GIVEN),
                          sex=rng.choice([1, 2]), birth_date=birth, birth_weight_g=rng.randint(2600, 4000),
                          created_at=entered(birth + timedelta(days=30), rng))
        out.children.append(kid)
        out.exams.append(_exam(kid, age, rng, examiner, rng.gauss(-0.2, 1.1)))
    return out


def save(regs: UnitRegisters) -> None:
    """Bulk-insert one township's registers (children of a record get their saved ids)."""
    PregnancyRecord.objects.bulk_create(regs.pregnancies, batch_size=2000)
    for antenatal in regs.antenatal:
        antenatal.record_id = antenatal.record.pk
    for postpartum in regs.postpartum:
        postpartum.record_id = postpartum.record.pk
    AntenatalVisit.objects.bulk_create(regs.antenatal, batch_size=2000)
    PostpartumVisit.objects.bulk_create(regs.postpartum, batch_size=2000)
    ChildRecord.objects.bulk_create(regs.children, batch_size=2000)
    for exam in regs.exams:
        exam.child_id = exam.child.pk
    ChildExam.objects.bulk_create(regs.exams, batch_size=2000)
