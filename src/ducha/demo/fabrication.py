"""Made-up cards in a few demo townships, the ways the seed bulletins describe, with the ground truth.

The ground truth is kept in the demo (``PlantedFabrication``), never in the product's checks: the
quality scan must find these townships and records for the right reasons on its own.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings

from ducha.demo.models import PlantedFabrication
from ducha.demo.registers import UnitRegisters, from_z

# township short name → kind of fabrication (quality.md §3–§4, seeds/000_*.txt)
PLANTED: dict[str, str] = {
    "滔河": "burst",              # 孕产妇保健卡片一笔写成：同一时段集中填写，血压体重全都一样
    "龙城": "no_antenatal",       # 只有分娩记录，没有产前检查记录
    "金河": "child_ahead",        # 有体检，无儿童姓名和体检时间，超前编写
    "九重": "identical_child",    # 卡片主要指标基本一致，无差异
    "荆紫关": "caesarean_as_vaginal",  # 将剖宫产在分娩登记簿上登记为平产
    "商圣": "implausible",        # 一些客观指标不符合逻辑
}


def planted_for(seed: int, shorts: list[str]) -> dict[str, str]:
    """Which township gets which fabrication: the canonical set for the demo's seed 2012, another
    random draw of townships for any other seed (the second synthetic county of the measurements)."""
    if seed == 2012:
        return dict(PLANTED)
    chosen = random.Random(seed).sample(shorts, k=len(PLANTED))
    return dict(zip(chosen, PLANTED.values(), strict=True))


KIND_LABELS = {
    "burst": "孕产妇保健卡片一笔写成（集中录入、数值雷同）",
    "no_antenatal": "只有分娩记录，没有产前检查记录",
    "child_ahead": "儿童体检无姓名、无体检日期、超前编写",
    "identical_child": "儿童体检卡主要指标基本一致，无差异",
    "caesarean_as_vaginal": "剖宫产登记为平产",
    "implausible": "客观指标不符合逻辑（血压、血红蛋白、日期顺序）",
}


def _unique(items: Sequence[object]) -> list[object]:
    """Distinct objects in order (unsaved model instances are not hashable)."""
    seen: dict[int, object] = {}
    for item in items:
        seen.setdefault(id(item), item)
    return list(seen.values())


def _tz() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def burst(regs: UnitRegisters, rng: random.Random) -> list[object]:
    """All cards written on one afternoon; every visit 120/80, weights the same."""
    start = datetime.combine(date(2012, 3, 29), time(14, 0), tzinfo=_tz())
    for n, rec in enumerate(regs.pregnancies):
        rec.created_at = start + timedelta(seconds=40 * n)
    for n, visit in enumerate(regs.antenatal):
        visit.created_at = start + timedelta(seconds=15 * n)
        visit.sbp, visit.dbp, visit.weight_kg, visit.hb = 120, 80, Decimal("60.0"), 110
    return list(regs.pregnancies)


def no_antenatal(regs: UnitRegisters, rng: random.Random) -> list[object]:
    """Deliveries whose cards carry no antenatal check at all (those with fewer than five)."""
    counts: dict[int, int] = {}
    for visit in regs.antenatal:
        counts[id(visit.record)] = counts.get(id(visit.record), 0) + 1
    victims = [r for r in regs.pregnancies if r.delivered_on and counts.get(id(r), 0) < 5]
    gone = {id(r) for r in victims}
    regs.antenatal = [v for v in regs.antenatal if id(v.record) not in gone]
    return list(victims)


def child_ahead(regs: UnitRegisters, rng: random.Random) -> list[object]:
    """Exams with no child name, no exam date, or dated after the day they were written."""
    q1 = [e for e in regs.exams if e.exam_on and date(2012, 1, 1) <= e.exam_on <= date(2012, 3, 31)]
    picked = rng.sample(q1, k=min(36, len(q1)))
    for n, exam in enumerate(picked):
        if n % 3 == 0:
            exam.child.name = ""
        elif n % 3 == 1:
            exam.exam_on = None
        else:  # written ahead: the card claims an exam weeks after it was written
            exam.exam_on = date(2012, 4, rng.randint(10, 28))
            exam.created_at = datetime.combine(date(2012, 3, 20), time(10, 0), tzinfo=_tz())
    return _unique([e.child for e in picked])


def identical_child(regs: UnitRegisters, rng: random.Random) -> list[object]:
    """Weights and lengths copied from the growth chart's median, with whole centimetres."""
    changed = []
    for exam in regs.exams:
        kid = exam.child
        if not (exam.exam_on and kid.birth_date and kid.sex):
            continue
        age = (exam.exam_on - kid.birth_date).days
        exam.weight_kg = Decimal(str(round(from_z("weianthro.txt", kid.sex, age, rng.gauss(0, 0.15)), 1)))
        exam.length_cm = Decimal(str(round(from_z("lenanthro.txt", kid.sex, age, 0))))
        changed.append(kid)
    return _unique(changed)


def caesarean_as_vaginal(regs: UnitRegisters, rng: random.Random) -> list[object]:
    caesareans = [r for r in regs.pregnancies if r.delivery_mode == "caesarean"]
    victims = caesareans[: len(caesareans) * 2 // 3]
    for rec in victims:
        rec.delivery_mode = "vaginal"
    return list(victims)


def implausible(regs: UnitRegisters, rng: random.Random) -> list[object]:
    delivered = [r for r in regs.pregnancies if r.delivered_on]
    victims = rng.sample(delivered, k=min(20, len(delivered)))
    by_record: dict[int, list[object]] = {}
    for visit in regs.antenatal:
        by_record.setdefault(id(visit.record), []).append(visit)
    for n, rec in enumerate(victims):
        visits = by_record.get(id(rec), [])
        kind = n % 4
        if kind == 0 and visits:
            visits[0].sbp, visits[0].dbp = 260, 170  # type: ignore[attr-defined]
        elif kind == 1 and visits:
            visits[-1].sbp, visits[-1].dbp, visits[-1].hb = 90, 118, 35  # type: ignore[attr-defined]
        elif kind == 2 and rec.registered_on and rec.delivered_on:
            rec.check_42d_on = rec.delivered_on - timedelta(days=12)  # 42-day check before the delivery
        else:
            rec.weeks_at_registration = Decimal("50.0")  # gestational age outside 4–44 weeks
    return list(victims)


MAKERS = {"burst": burst, "no_antenatal": no_antenatal, "child_ahead": child_ahead,
          "identical_child": identical_child, "caesarean_as_vaginal": caesarean_as_vaginal,
          "implausible": implausible}


def plant(kind: str, regs: UnitRegisters, rng: random.Random) -> list[object]:
    """Alter ``regs`` in place before saving; returns the records touched."""
    return MAKERS[kind](regs, rng)


def record_truth(kind: str, unit_code: str, touched: list[object]) -> None:
    """After saving: one ground-truth row per touched record."""
    rows = []
    for rec in _unique(touched):
        record_type = "pregnancy" if rec.__class__.__name__ == "PregnancyRecord" else "child"
        rows.append(PlantedFabrication(kind=kind, unit_code=unit_code, record_type=record_type,
                                       record_id=rec.pk, description=KIND_LABELS[kind]))  # type: ignore[attr-defined]
    PlantedFabrication.objects.bulk_create(rows)
