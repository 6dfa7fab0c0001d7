"""DQ-C11 / DQ-P17: cards whose measured values are copied from another card, names and dates changed."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from typing import Any

import pytest

from ducha.quality.checks import clones  # noqa: F401  (registers the checks)
from ducha.quality.checks.base import Labels, ScanData
from ducha.quality.engine import Outcome
from ducha.quality.store import scan_data_from_arrow, table_from_columns
from ducha.quality.tests.checkdata import PERIOD, TODAY, merge, result, run

ENTERED = datetime(2011, 6, 1, 9, 0)
AGES = (30, 91, 183, 244, 365)   # days: the 1, 3, 6, 8, 12-month exams
UNITS = [1, 2, 3, 4, 5, 6]


Card = tuple[dict[str, list[Any]], dict[str, list[Any]]]


def child_card(rid: int, unit: int, born: date, exams: list[tuple[Any, ...]], *,
               village: str = "东村", entered: datetime | None = None) -> Card:
    at = entered or ENTERED + timedelta(minutes=rid)
    card: dict[str, list[Any]] = {"record_id": [rid], "unit_id": [unit], "record_no": [f"C{rid:04d}"], "name": [f"儿{rid}"], "sex": [1],
            "birth_date": [born], "village": [village], "created_at": [at], "created_date": [at.date()]}
    rows: dict[str, list] = {}
    for k, (w, length, hb) in enumerate(exams):
        on = born + timedelta(days=AGES[k])
        rows = merge(rows, {"exam_id": [rid * 10 + k], "record_id": [rid], "unit_id": [unit], "exam_on": [on],
                            "birth_date": [born], "sex": [1], "weight_kg": [w], "length_cm": [length], "hb": [hb],
                            "created_at": [at + timedelta(days=AGES[k])], "created_date": [(at + timedelta(days=AGES[k])).date()],
                            "in_period": [True], "age_days": [float(AGES[k])]})
    return card, rows


def honest_exams(rng: random.Random, n: int = 5, step_kg: float = 0.1, step_cm: float = 0.1) -> list[tuple[Any, ...]]:
    """A child's growth with its own centile, values read to the scale's step."""
    kg, cm = rng.gauss(0, 1), rng.gauss(0, 1)
    means = [(4.5, 54.7), (6.4, 61.4), (7.9, 67.6), (8.6, 70.6), (9.6, 75.7)]
    out = []
    for k in range(n):
        w = round(round((means[k][0] + 0.9 * kg + rng.gauss(0, 0.2)) / step_kg) * step_kg, 1)
        length = round(round((means[k][1] + 2.3 * cm + rng.gauss(0, 0.5)) / step_cm) * step_cm, 1)
        out.append((w, length, rng.randint(100, 135) if k in (2, 4) else None))
    return out


def county(cards: list[Card], labels: Labels | None = None) -> ScanData:
    children = merge(*[c for c, _ in cards])
    exams = merge(*[e for _, e in cards])
    arrow = {"children": table_from_columns("children", children), "exams": table_from_columns("exams", exams)}
    names = labels or Labels(units={1: "西簧乡", 2: "毛堂乡", 3: "大石桥乡", 4: "香花镇", 5: "厚坡镇", 6: "九重镇"})
    names.records.update({("child", int(r)): (no, n) for r, no, n in
                          zip(children["record_id"], children["record_no"], children["name"], strict=True)})
    return scan_data_from_arrow(arrow, PERIOD, names, today=TODAY)


def honest_county(rng: random.Random, per_unit: int = 20, **kw: Any) -> list[Card]:
    out = []
    for unit in UNITS:
        for i in range(per_unit):
            rid = unit * 1000 + i
            born = date(2011, 1, 1) + timedelta(days=rng.randint(0, 150))
            out.append(child_card(rid, unit, born, honest_exams(rng, **kw), village=f"村{rng.randint(1, 9)}"))
    return out


def flagged(outcome: Outcome, check: str) -> dict[int, Any]:
    return {h.record_id: h for h in outcome.hits if h.check_id == check}


def test_a_copied_child_card_with_shifted_dates_fires_both_cards() -> None:
    rng = random.Random(1)
    cards = honest_county(rng)
    source_exams = cards[3][1]
    values = list(zip(source_exams["weight_kg"], source_exams["length_cm"], source_exams["hb"], strict=True))
    born = source_exams["birth_date"][0] + timedelta(days=41)   # every date moved by 41 days, name changed
    cards.append(child_card(1900, 1, born, values, village="村3", entered=ENTERED + timedelta(days=200)))
    out = run("DQ-C11", county(cards), UNITS)
    hits = flagged(out, "DQ-C11")
    assert set(hits) == {1003, 1900}
    assert "与手册 C1003 儿1003 的 5 次体检数值" in hits[1900].text
    assert "按先后次序完全相同" in hits[1900].text and "像是照抄他人卡片" in hits[1900].text
    assert "可能是被抄的原卡" in hits[1003].text and "可能是被抄的原卡" not in hits[1900].text
    assert hits[1003].weight < hits[1900].weight   # the earliest entered is the likely original
    assert result(out, 1).status == "fired" and "2 份手册有此问题" in result(out, 1).text
    assert result(out, 2).status == "passed"


def test_a_card_copied_into_another_township_names_that_township() -> None:
    rng = random.Random(2)
    cards = honest_county(rng)
    src = cards[25][1]   # a card of 毛堂乡 (unit 2)
    values = list(zip(src["weight_kg"], src["length_cm"], src["hb"], strict=True))
    cards.append(child_card(1901, 1, src["birth_date"][0] - timedelta(days=9), values, entered=ENTERED + timedelta(days=300)))
    hits = flagged(run("DQ-C11", county(cards), UNITS), "DQ-C11")
    assert set(hits) == {2005, 1901}
    assert "C2005 儿2005（毛堂乡）" in hits[1901].text


@pytest.mark.parametrize(("village", "fires"), [("same", False), ("村外", True)])
def test_twins_measured_alike_are_not_copies(village: str, fires: bool) -> None:
    """Twins (same birth date and village) measured alike at every exam do not fire; the same values on a child
    born the same day in another village do."""
    rng = random.Random(3)
    cards = honest_county(rng)
    twin = cards[7]
    values = list(zip(twin[1]["weight_kg"], twin[1]["length_cm"], twin[1]["hb"], strict=True))
    cards.append(child_card(1902, 1, twin[0]["birth_date"][0], values,
                            village=twin[0]["village"][0] if village == "same" else village))
    out = run("DQ-C11", county(cards), UNITS)
    assert set(flagged(out, "DQ-C11")) == ({1007, 1902} if fires else set())
    assert result(out, 1).status == ("fired" if fires else "passed")
    assert all(result(out, u).status == "passed" for u in UNITS[1:])


@pytest.mark.parametrize(("step_kg", "step_cm", "fires"), [(0.5, 1.0, False), (0.1, 0.1, True)])
def test_a_county_rounding_habit_is_not_taken_for_copying(step_kg: float, step_cm: float, fires: bool) -> None:
    """Two children with the same three exams: where the county rounds every weight to 0.5 kg and every length to
    whole cm such coincidences are likely and are not flagged; read to 0.1 they are not chance. A card copied in
    full (five exams) is flagged in either county."""
    rng = random.Random(4)
    cards = honest_county(rng, per_unit=40, step_kg=step_kg, step_cm=step_cm)
    three = honest_exams(rng, 3, step_kg=step_kg, step_cm=step_cm)
    cards.append(child_card(1950, 1, date(2011, 3, 1), three, village="甲村"))
    cards.append(child_card(1951, 1, date(2011, 3, 20), three, village="乙村"))
    src = cards[41][1]
    values = list(zip(src["weight_kg"], src["length_cm"], src["hb"], strict=True))
    cards.append(child_card(2950, 2, src["birth_date"][0] + timedelta(days=12), values, village="丙村",
                            entered=ENTERED + timedelta(days=90)))
    hits = flagged(run("DQ-C11", county(cards), UNITS), "DQ-C11")
    assert set(hits) == {2001, 2950} | ({1950, 1951} if fires else set())


def test_default_values_and_too_few_exams_do_not_fire() -> None:
    rng = random.Random(5)
    cards = honest_county(rng)
    default = [(3.3, 50.0, None), (3.3, 50.0, None), (3.3, 50.0, None), (3.3, 50.0, None)]
    for i in range(4):   # the same "default" exam repeated: one distinct exam only
        cards.append(child_card(1910 + i, 1, date(2011, 2, 1 + i), default, village=f"默认{i}"))
    src = cards[4][1]
    two = list(zip(src["weight_kg"], src["length_cm"], src["hb"], strict=True))[:2]
    cards.append(child_card(1920, 1, date(2011, 5, 5), two, village="别村"))
    cards.append(child_card(1921, 1, date(2011, 4, 5), two, village="他村"))
    out = run("DQ-C11", county(cards), UNITS)
    assert flagged(out, "DQ-C11") == {}


def test_no_cards_is_undecided() -> None:
    out = run("DQ-C11", county(honest_county(random.Random(6), per_unit=3)), [1, 7])
    assert result(out, 7).status == "undecided"
    assert result(out, 7).text == "无法判断：没有记录"


# ---- pregnancy cards --------------------------------------------------------------------------------------

def pregnancy(rid: int, unit: int, lmp: date, visits: list[tuple[float, int, int, int]], *,
              entered: datetime | None = None, name: str | None = None, born: date | None = None,
              id_hash: str | None = None) -> Card:
    at = entered or ENTERED + timedelta(days=rid % 500)
    card: dict[str, list[Any]] = {"record_id": [rid], "unit_id": [unit], "record_no": [f"P{rid:04d}"], "name": [name or f"妇{rid}"],
            "id_hash": [id_hash], "birth_date": [born or date(1988, 1, 1) + timedelta(days=rid)], "village": ["东村"],
            "phone": [f"139{rid:08d}"], "registered_on": [lmp + timedelta(days=70)], "lmp": [lmp],
            "created_at": [at], "created_date": [at.date()], "updated_date": [at.date()]}
    rows: dict[str, list] = {}
    for k, (w, sbp, dbp, hb) in enumerate(visits):
        weeks = 12 + 4 * k
        on = lmp + timedelta(weeks=weeks)
        rows = merge(rows, {"visit_id": [rid * 20 + k], "record_id": [rid], "unit_id": [unit], "visit_on": [on],
                            "weeks": [float(weeks)], "weight_kg": [w], "sbp": [sbp], "dbp": [dbp], "hb": [hb],
                            "created_at": [at], "created_date": [at.date()], "in_period": [True]})
    return card, rows


def honest_visits(rng: random.Random, n: int = 5) -> list[tuple[float, int, int, int]]:
    base, sbp, dbp, hb = rng.gauss(55, 7), rng.gauss(112, 9), rng.gauss(72, 7), rng.gauss(118, 9)
    return [(round(base + 1.4 * k + rng.gauss(0, 0.4), 1), int(round(sbp + rng.gauss(0, 5))),
             int(round(dbp + rng.gauss(0, 4))), int(round(hb + rng.gauss(0, 4)))) for k in range(n)]


def pregnancy_county(cards: list[Card]) -> ScanData:
    women = merge(*[c for c, _ in cards])
    visits = merge(*[v for _, v in cards])
    labels = Labels(units={1: "西簧乡", 2: "毛堂乡"})
    labels.records.update({("pregnancy", int(r)): (no, n) for r, no, n in
                           zip(women["record_id"], women["record_no"], women["name"], strict=True)})
    arrow = {"pregnancies": table_from_columns("pregnancies", women), "antenatal": table_from_columns("antenatal", visits)}
    return scan_data_from_arrow(arrow, PERIOD, labels, today=TODAY)


def honest_women(rng: random.Random, count: int = 60) -> list[Card]:
    return [pregnancy(100 + i, 1 + i % 2, date(2011, 6, 1) + timedelta(days=rng.randint(0, 120)), honest_visits(rng))
            for i in range(count)]


def test_a_copied_pregnancy_card_with_shifted_dates_fires_where_near_identical_does_not() -> None:
    rng = random.Random(7)
    cards = honest_women(rng)
    src_card, src_visits = cards[10]
    values = list(zip(src_visits["weight_kg"], src_visits["sbp"], src_visits["dbp"], src_visits["hb"], strict=True))
    cards.append(pregnancy(900, 1, src_card["lmp"][0] + timedelta(days=-33), values,
                           entered=ENTERED + timedelta(days=250)))
    data = pregnancy_county(cards)
    hits = flagged(run("DQ-P17", data, [1, 2]), "DQ-P17")
    assert set(hits) == {110, 900}
    assert "与手册 P0110 妇110 的 5 次产前检查数值（体重、收缩压、舒张压、血红蛋白" in hits[900].text
    assert "同一人的两份手册不算" in hits[900].text
    assert flagged(run("DQ-P14", data, [1, 2]), "DQ-P14") == {}   # the dates differ: the old check misses it


def test_one_woman_registered_twice_is_a_duplicate_not_a_clone() -> None:
    rng = random.Random(8)
    cards = honest_women(rng)
    src_card, src_visits = cards[5]
    values = list(zip(src_visits["weight_kg"], src_visits["sbp"], src_visits["dbp"], src_visits["hb"], strict=True))
    cards.append(pregnancy(901, 1, src_card["lmp"][0], values, name=src_card["name"][0], born=src_card["birth_date"][0]))
    assert flagged(run("DQ-P17", pregnancy_county(cards), [1, 2]), "DQ-P17") == {}


@pytest.mark.parametrize("visits", [
    [(60.0, 120, 80, 110)] * 5,                                        # the same visit five times: one distinct
    [(60.0, 120, 80, 110), (61.0, 120, 80, 110), (62.0, 120, 80, 110)],   # everybody's 120/80, Hb 110, round kg
])
def test_common_values_shared_by_many_women_do_not_fire(visits: list[tuple[float, int, int, int]]) -> None:
    rng = random.Random(9)
    cards = honest_women(rng, 30)
    cards += [pregnancy(700 + i, 1 + i % 2, date(2011, 7, 1), visits) for i in range(30)]   # a county habit
    assert flagged(run("DQ-P17", pregnancy_county(cards), [1, 2]), "DQ-P17") == {}
