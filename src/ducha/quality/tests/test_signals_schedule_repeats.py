"""DQ-F10 (exactly on a schedule in months, weeks or days), DQ-F15/F16 (repeated and near-identical values)."""

from __future__ import annotations

import random
from datetime import date, timedelta

from ducha.quality.tests.checkdata import merge, result, run, scan

UNITS = [1, 2, 3, 4, 5, 6]


def pregnancies_and_visits(unit: int, exact_weeks: bool, seed: int, women: int = 20) -> tuple[dict, dict]:
    rnd = random.Random(seed * 10 + unit)
    preg: dict[str, list] = {"record_id": [], "unit_id": [], "lmp": []}
    anc: dict[str, list] = {k: [] for k in ("record_id", "unit_id", "visit_on", "in_period", "weight_kg", "sbp",
                                            "dbp", "hb")}
    for w in range(women):
        rid = unit * 1000 + w
        lmp = date(2011, 9, 1) + timedelta(days=rnd.randint(0, 60))
        preg["record_id"].append(rid)
        preg["unit_id"].append(unit)
        preg["lmp"].append(lmp)
        for week in (16, 20, 24):
            shift = 0 if exact_weeks else rnd.randint(-5, 5)
            anc["record_id"].append(rid)
            anc["unit_id"].append(unit)
            anc["visit_on"].append(lmp + timedelta(days=7 * week + shift))
            anc["in_period"].append(True)
            anc["weight_kg"].append(round(rnd.uniform(50, 70) + week / 4, 1))
            anc["sbp"].append(rnd.randint(95, 135))
            anc["dbp"].append(rnd.randint(55, 88))
            anc["hb"].append(rnd.randint(95, 135))
    return preg, anc


def county(bad: int | None, seed: int) -> tuple[list[dict], list[dict]]:
    pairs = [pregnancies_and_visits(u, u == bad, seed) for u in UNITS]
    return [p for p, _ in pairs], [a for _, a in pairs]


def test_visits_on_whole_weeks_fire_against_peers_and_list_the_women() -> None:
    preg, anc = county(bad=1, seed=1)
    out = run("DQ-F10", scan(pregnancies=merge(*preg), antenatal=merge(*anc)), units=UNITS)
    r = result(out, 1)
    assert r.status == "fired", r.text
    assert "产前检查 60 次中 60 次（100.0%）恰好在整周当天" in r.text
    assert [result(out, u).status for u in UNITS[1:]] == ["passed"] * 5
    women = {h.record_id for h in out.hits}
    assert women == {1000 + w for w in range(20)}
    assert "3 次恰在计划日" in out.hits[0].text


def test_visits_around_the_schedule_pass() -> None:
    preg, anc = county(bad=None, seed=2)
    out = run("DQ-F10", scan(pregnancies=merge(*preg), antenatal=merge(*anc)), units=UNITS)
    assert [result(out, u).status for u in UNITS] == ["passed"] * 6 and not out.hits


def test_postpartum_visits_on_the_scheduled_day_count_in_days() -> None:
    rnd = random.Random(3)
    preg: dict[str, list] = {"record_id": [], "unit_id": [], "delivered_on": []}
    post: dict[str, list] = {"record_id": [], "unit_id": [], "visit_on": [], "in_period": []}
    for unit in UNITS:
        for w in range(15):
            born = date(2011, 12, 20) + timedelta(days=rnd.randint(0, 30))
            preg["record_id"].append(unit * 100 + w)
            preg["unit_id"].append(unit)
            preg["delivered_on"].append(born)
            for day in (3, 7, 28):
                post["record_id"].append(unit * 100 + w)
                post["unit_id"].append(unit)
                post["visit_on"].append(born + timedelta(days=day + (0 if unit == 2 else rnd.choice([1, 2, -1, 4]))))
                post["in_period"].append(True)
    out = run("DQ-F10", scan(pregnancies=preg, postpartum=post), units=UNITS)
    assert result(out, 2).status == "fired" and "产后访视 45 次中 45 次（100.0%）恰好在计划天数当天" in result(out, 2).text
    assert result(out, 1).status == "passed"


def test_many_women_with_the_same_values_fire_and_are_listed() -> None:
    _preg, anc = county(bad=None, seed=4)
    for i in range(0, 45):
        anc[0]["weight_kg"][i], anc[0]["sbp"][i], anc[0]["dbp"][i], anc[0]["hb"][i] = 60.0, 120, 80, 110
    out = run("DQ-F15", scan(antenatal=merge(*anc)), units=UNITS)
    r = result(out, 1)
    assert r.status == "fired" and "45 个（75.0%）" in r.text and "像是照抄" in r.text, r.text
    assert [result(out, u).status for u in UNITS[1:]] == ["passed"] * 5
    assert {h.record_id for h in out.hits} == {1000 + w for w in range(15)}


def test_honest_values_are_not_repeated() -> None:
    _preg, anc = county(bad=None, seed=5)
    out = run("DQ-F15", scan(antenatal=merge(*anc)), units=UNITS)
    assert [result(out, u).status for u in UNITS] == ["passed"] * 6 and not out.hits


def test_nearly_identical_visits_within_a_record_fire() -> None:
    _preg, anc = county(bad=None, seed=6)
    a = anc[2]
    for i in range(0, 60, 3):
        for k, jitter in ((i + 1, 1), (i + 2, -1)):
            a["weight_kg"][k] = a["weight_kg"][i] + 0.1 * jitter
            a["sbp"][k], a["dbp"][k], a["hb"][k] = a["sbp"][i] + jitter, a["dbp"][i], a["hb"][i] - jitter
    out = run("DQ-F16", scan(antenatal=merge(*anc)), units=UNITS)
    r = result(out, 3)
    assert r.status == "fired" and "20 份手册中 20 个（100.0%）" in r.text and "照上次抄写" in r.text, r.text
    assert [result(out, u).status for u in (1, 2, 4, 5, 6)] == ["passed"] * 5
    hits = [h for h in out.hits if h.check_id == "DQ-F16"]
    assert len(hits) == 20 and all(h.unit_id == 3 for h in hits) and "2/2 次几乎相同" in hits[0].text
