"""Build the demo county into the current database: units, users, reports for Jan–Mar 2012, targets."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction

from ducha.core.actor import Actor
from ducha.core.periods import Period, quarter
from ducha.demo import county as C
from ducha.demo.fabrication import plant, planted_for, record_truth
from ducha.demo.inventory import record_demo_build
from ducha.demo.monthly import distribute, month_weights, split_quarter
from ducha.demo.registers import children_for, pregnancies_for, save
from ducha.indicators.mch_pack import install_mch_indicators
from ducha.indicators.models import Indicator, Target
from ducha.orgs.actions import create_org_unit, create_user
from ducha.orgs.models import OrgUnit, OrgUnitKind, Role
from ducha.reporting.actions import save_report
from ducha.reporting.mch_pack import HOSP_MONTHLY, MCH_MONTHLY, install_mch_data_set
from ducha.reporting.models import DataSet
from ducha.reporting.validation import Violation

Progress = Callable[[str, int], None]

USERS: list[tuple[str, str, str, str, str | None]] = [
    # username, password, 姓名, role, unit (None = county)
    ("admin", "ducha-admin-2012", "系统管理员", Role.ADMIN, None),
    ("duchayuan", "ducha-duchayuan-2012", "王督查", Role.INSPECTOR, None),
    ("xihuang", "ducha-xihuang-2012", "李专干（西簧乡）", Role.MCH_OFFICER, f"{C.COUNTY_CODE}008"),
    ("lingdao", "ducha-lingdao-2012", "张局长", Role.LEADER, None),
]

RATE_TARGETS: list[tuple[str, int, bool]] = [
    # indicator, annual target, split by quarter
    ("REG_RATE", 90, False),
    ("MATERNAL_POP_RATIO", 6, False),
    ("MAT_SYS_RATE", 80, True),
    ("CHILD_SYS_RATE", 80, True),
    ("HOSP_DELIVERY_RATE", 95, False),
    ("CAESAREAN_RATE", 30, False),
    ("POSTPARTUM_RATE", 85, False),
    ("NEWBORN_VISIT_RATE", 85, False),
    ("HIGH_RISK_MGMT_RATE", 90, False),
    ("CHILD_HEALTH_RATE", 85, False),
]


@dataclass
class DemoSummary:
    units: int = 0
    users: list[tuple[str, str, str, str]] = field(default_factory=list)
    reports: int = 0
    late: list[tuple[str, str]] = field(default_factory=list)
    missing: list[tuple[str, str]] = field(default_factory=list)
    violations: list[Violation] = field(default_factory=list)
    targets: int = 0
    registers: dict[str, int] = field(default_factory=dict)
    planted_units: list[str] = field(default_factory=list)


def _township_quarter(t: C.Township, rng: random.Random, exams: int, child_u3: int,
                      hospital: int, referral: int, admission: int) -> dict[str, int]:
    live = t.parturients - t.stillbirths
    anc5 = max(t.sys_managed, round(live * rng.uniform(0.35, 0.6)))
    high_risk = round(t.parturients * rng.uniform(0.2, 0.3))
    u5 = rng.choice([0, 0, 1, 1, 2])
    infant = min(u5, rng.choice([0, 1, 1]))
    return {
        "PREG_TOTAL": t.preg_total, "PARTURIENTS": t.parturients, "PREG_REGISTERED": t.registered,
        "EARLY_REG": max(min(t.registered, t.sys_managed), round(t.registered * rng.uniform(0.4, 0.7))),
        "ANC_FIRST": _first_antenatal(t),
        "LIVE_BIRTHS": live, "STILLBIRTHS": t.stillbirths,
        "ANC_5PLUS": anc5, "ANC_ANY": max(anc5, round(t.registered * rng.uniform(0.96, 1.04))),
        "SYS_MANAGED": t.sys_managed,
        "POSTPARTUM_VISIT": max(t.sys_managed, round(live * rng.uniform(0.4, 0.8))),
        "HOSP_DELIVERIES": hospital, "CAESAREAN": round(hospital * rng.uniform(0.2, 0.4)),
        "HIGH_RISK": high_risk, "HIGH_RISK_MANAGED": round(high_risk * rng.uniform(0.6, 0.95)),
        "HIGH_RISK_REFERRAL": referral, "HIGH_RISK_ADMISSION": admission,
        "MATERNAL_DEATHS": 1 if t.short == "荆紫关" else 0,
        "TRIPLE_TESTED": t.triple_tested,
        "FOLIC_DUE": max(t.folic_task, t.folic_new) + rng.randint(0, 12), "FOLIC_NEW": t.folic_new,
        "NEWBORN_VISITED": round(live * rng.uniform(0.6, 0.9)),
        "CHILD_U3": child_u3, "CHILD_U3_EXAMS": exams, "CHILD_U3_SYS": t.child_sys,
        "CHILD_U7": round(child_u3 * 2.3), "CHILD_U7_MANAGED": round(exams * rng.uniform(1.1, 1.5)),
        "U5_DEATHS": u5, "INFANT_DEATHS": infant, "NEONATAL_DEATHS": min(infant, rng.choice([0, 1])),
        "LOW_BIRTH_WEIGHT": round(live * rng.uniform(0.02, 0.05)), "PERINATAL_BIRTHS": live + t.stillbirths,
        "BIRTH_DEFECTS": rng.choice([0, 0, 0, 1]),
    }


def _first_antenatal(t: C.Township) -> int:
    """首次产前检查人数: most women have their first antenatal check when the card is opened (93–100 % of the
    cards, inside DQ-R08's ±10 %). Its own generator, so every other figure stays the seed's."""
    return round(t.registered * random.Random(f"anc-first-{t.code}").uniform(0.93, 1.0))


def township_quarters(rng: random.Random) -> dict[str, dict[str, int]]:
    """Quarter totals per township whose sums are the seed county's."""
    towns = C.TOWNSHIPS
    exams = distribute(C.SEED_TOTALS["CHILD_U3_EXAMS"],
                       [t.population * (0.05 if t.short in ("龙城", "滔河") else rng.uniform(0.6, 1.4))
                        for t in towns])
    child_u3 = distribute(C.CHILD_U3, [t.population for t in towns])
    births = [t.parturients - t.stillbirths for t in towns]
    hospital = distribute(C.SEED_TOTALS["HOSP_DELIVERIES"], [b * rng.uniform(0.5, 0.9) for b in births])
    referral = distribute(C.SEED_TOTALS["HIGH_RISK_REFERRAL"], [t.parturients * rng.uniform(0.5, 1.5) for t in towns])
    admission = distribute(C.SEED_TOTALS["HIGH_RISK_ADMISSION"], [t.parturients * rng.uniform(0.5, 1.5)
                                                                  for t in towns])
    return {t.code: _township_quarter(t, rng, exams[i], child_u3[i], hospital[i], referral[i], admission[i])
            for i, t in enumerate(towns)}


def facility_quarters(rng: random.Random) -> dict[str, dict[str, int]]:
    out = {}
    for suffix, _name, _short, _kind, deliveries, caesarean_share in C.FACILITIES:
        live = deliveries - rng.randint(0, 3)
        out[f"{C.COUNTY_CODE}{suffix}"] = {
            "FAC_DELIVERIES": deliveries, "FAC_LIVE_BIRTHS": live,
            "FAC_CAESAREAN": round(live * caesarean_share),
            "FAC_TRIPLE_TESTED": round(deliveries * rng.uniform(0.7, 0.98)),
            "FAC_MATERNAL_DEATHS": 1 if suffix == 101 else 0,
        }
    return out


def build_units() -> dict[str, OrgUnit]:
    county = create_org_unit(actor=None, code=C.COUNTY_CODE, name=C.COUNTY_NAME, kind=OrgUnitKind.COUNTY,
                             population=sum(t.population for t in C.TOWNSHIPS))
    units = {county.code: county}
    for n, t in enumerate(C.TOWNSHIPS, start=1):
        town = create_org_unit(actor=None, code=t.code, name=t.name, short_name=t.short,
                               kind=OrgUnitKind.TOWNSHIP_CENTRE, parent=county, population=t.population,
                               sort_order=n)
        units[town.code] = town
        for v in range(C.VILLAGES_PER_TOWNSHIP):
            name = C.VILLAGE_NAMES[(n + v * 5) % len(C.VILLAGE_NAMES)]
            create_org_unit(actor=None, code=f"{t.code}{v + 1:02d}", name=f"{t.short}{name}卫生室",
                            kind=OrgUnitKind.VILLAGE_CLINIC, parent=town, sort_order=v + 1)
    for suffix, name, short, kind, _deliveries, _share in C.FACILITIES:
        unit = create_org_unit(actor=None, code=f"{C.COUNTY_CODE}{suffix}", name=name, short_name=short,
                               kind=kind, parent=county, sort_order=100 + suffix)
        units[unit.code] = unit
    return units


def build_users(units: dict[str, OrgUnit]) -> list[tuple[str, str, str, str]]:
    out = []
    for username, password, full_name, role, unit_code in USERS:
        unit = units[unit_code or C.COUNTY_CODE]
        user = create_user(actor=None, username=username, password=password, full_name=full_name,
                           memberships=[(unit, role)])
        if role == Role.ADMIN:
            get_user_model().objects.filter(pk=user.pk).update(is_staff=True, is_superuser=True)
        out.append((username, password, Role(role).label, unit.name))
    return out


def _submitted_at(month: Period, days_after_end: int, rng: random.Random) -> datetime:
    day = month.end + timedelta(days=days_after_end)
    return datetime.combine(day, time(rng.randint(8, 17), rng.randint(0, 59)), tzinfo=ZoneInfo(settings.TIME_ZONE))


def _plant_violations(monthly: dict[str, list[dict[str, int]]], months: list[Period]) -> None:
    index = {m.code: i for i, m in enumerate(months)}
    for unit, element, source, target, amount, _rule in C.PLANTED_VIOLATIONS:
        values = monthly[unit]
        for code in element.split("+"):
            moved = min(amount, values[index[source]][code])
            values[index[source]][code] -= moved
            values[index[target]][code] += moved


def build_reports(actor: Actor, rng: random.Random, summary: DemoSummary, progress: Progress,
                  towns: dict[str, dict[str, int]]) -> None:
    period = quarter(C.YEAR, C.QUARTER)
    months = period.months()
    gaps = {(u, ds, m): days for u, ds, m, days in C.LATE_OR_MISSING}
    plans = [(MCH_MONTHLY, towns), (HOSP_MONTHLY, facility_quarters(rng))]
    for ds_code, quarters in plans:
        data_set = DataSet.objects.get(code=ds_code)
        monthly: dict[str, list[dict[str, int]]] = {}
        for unit_code, totals in quarters.items():
            reported = [m for m in months if gaps.get((unit_code, ds_code, m.code), 0) is not None]
            split = split_quarter(totals, month_weights(rng, len(reported)))
            by_month = dict(zip([m.code for m in reported], split, strict=True))
            monthly[unit_code] = [by_month.get(m.code, dict.fromkeys(totals, 0)) for m in months]
        if ds_code == MCH_MONTHLY:
            _plant_violations(monthly, months)
        for unit_code, values in monthly.items():
            for month, month_values in zip(months, values, strict=True):
                days = gaps.get((unit_code, ds_code, month.code), rng.randint(1, 5))
                if days is None:
                    summary.missing.append((unit_code, month.code))
                    continue
                if days > data_set.deadline_days:
                    summary.late.append((unit_code, month.code))
                result = save_report(actor=actor, data_set=data_set, unit_code=unit_code, period=month,
                                     values=month_values, source="演示数据",
                                     submitted_at=_submitted_at(month, days, rng))
                summary.violations += result.violations
                summary.reports += 1
                progress("报表", 1)


def build_targets(units: dict[str, OrgUnit]) -> int:
    county = units[C.COUNTY_CODE]
    made = 0
    folic, triple = Indicator.objects.get(code="FOLIC_COUNT"), Indicator.objects.get(code="TRIPLE_TEST_COUNT")
    for t in C.TOWNSHIPS:
        Target.objects.create(indicator=folic, org_unit=units[t.code], year=C.YEAR,
                              annual_value=Decimal(4 * t.folic_task))
        Target.objects.create(indicator=triple, org_unit=units[t.code], year=C.YEAR,
                              annual_value=Decimal(4 * t.triple_task))
        made += 2
    for code, value, split in RATE_TARGETS:
        Target.objects.create(indicator=Indicator.objects.get(code=code), org_unit=county, year=C.YEAR,
                              annual_value=Decimal(value), split_by_quarter=split)
        made += 1
    return made


@transaction.atomic
def build_demo(*, seed: int = 2012, progress: Progress | None = None) -> DemoSummary:
    """Build the demo county into an empty database (the ``demo`` command empties it first).

    Ends by recording what the database holds (``DemoBuild``), so the next ``ducha demo`` can tell that
    nobody has added anything since and rebuild without ``--force``.
    """
    progress = progress or (lambda _what, _n: None)
    rng = random.Random(seed)
    install_mch_data_set()
    install_mch_indicators()
    summary = DemoSummary()
    units = build_units()
    summary.units = OrgUnit.objects.count()
    summary.users = build_users(units)
    DataSet.objects.get(code=MCH_MONTHLY).org_units.set([units[t.code] for t in C.TOWNSHIPS])
    DataSet.objects.get(code=HOSP_MONTHLY).org_units.set(
        [units[f"{C.COUNTY_CODE}{f[0]}"] for f in C.FACILITIES])
    admin = get_user_model().objects.get(username="admin")
    towns = township_quarters(rng)
    build_reports(admin, rng, summary, progress, towns)
    summary.targets = build_targets(units)
    planted = planted_for(seed, [t.short for t in C.TOWNSHIPS])
    summary.registers = build_registers(units, towns, random.Random(seed + 1), progress, planted)
    summary.planted_units = list(planted)
    record_demo_build(seed)  # last: what the database holds now, for the next `ducha demo` to compare
    return summary


def build_registers(units: dict[str, OrgUnit], towns: dict[str, dict[str, int]], rng: random.Random,
                    progress: Progress, planted: dict[str, str]) -> dict[str, int]:
    """Registers consistent with the reports; a few townships' cards made up (ground truth kept)."""
    counts = {"pregnancies": 0, "children": 0, "exams": 0, "planted": 0}
    for t in C.TOWNSHIPS:
        totals = towns[t.code]
        examiner = f"{t.short}妇幼专干"
        regs = pregnancies_for(units[t.code].pk, t.code, totals, rng, examiner)
        closing = max(totals["CHILD_U3_SYS"] + 10, round(totals["LIVE_BIRTHS"] * 0.9))
        kids = children_for(units[t.code].pk, t.code, totals, rng, examiner, closing)
        regs.children, regs.exams = kids.children, kids.exams
        kind = planted.get(t.short)
        touched = plant(kind, regs, rng) if kind else []
        save(regs)
        if kind:
            record_truth(kind, t.code, touched)
            counts["planted"] += len(touched)
        counts["pregnancies"] += len(regs.pregnancies)
        counts["children"] += len(regs.children)
        counts["exams"] += len(regs.exams)
        progress("登记", 1)
    return counts
