"""DQ-F13/F14: heaping over every numeric field, against the reference and the peers, with its records."""

from __future__ import annotations

import random
from datetime import date

from ducha.quality.checks.heaping import measure_fields
from ducha.quality.tests.checkdata import merge, result, run, scan

UNITS = [1, 2, 3, 4, 5, 6]


def antenatal(unit: int, heaped: bool, seed: int, women: int = 40, visits: int = 4) -> dict[str, list]:
    rnd = random.Random(seed * 100 + unit)
    cols: dict[str, list] = {k: [] for k in ("unit_id", "record_id", "visit_on", "in_period", "weight_kg", "sbp",
                                             "dbp", "hb")}
    for w in range(women):
        for _ in range(visits):
            weight, sbp, dbp, hb = rnd.uniform(48, 75), rnd.randint(95, 135), rnd.randint(55, 88), rnd.randint(95, 135)
            if heaped:
                weight, sbp, dbp, hb = round(weight), 5 * round(sbp / 5), 10 * round(dbp / 10), 10 * round(hb / 10)
            cols["unit_id"].append(unit)
            cols["record_id"].append(unit * 1000 + w)
            cols["visit_on"].append(date(2012, 2, 1))
            cols["in_period"].append(True)
            cols["weight_kg"].append(round(weight, 1))
            cols["sbp"].append(sbp)
            cols["dbp"].append(dbp)
            cols["hb"].append(hb)
    return cols


def test_fields_are_discovered_from_the_store() -> None:
    fields = set(measure_fields())
    assert {("antenatal", "hb"), ("antenatal", "sbp"), ("exams", "weight_kg"), ("pregnancies", "blood_loss_ml"),
            ("children", "birth_weight_g"), ("pregnancies", "delivery_weeks")} <= fields
    assert not {f for f in fields if f[1] in {"record_id", "unit_id", "parity", "sex", "waz"}}


def test_unit_heaping_every_field_fires_and_lists_its_women_ranked() -> None:
    data = scan(antenatal=merge(*[antenatal(u, heaped=u == 1, seed=3) for u in UNITS]))
    out = run("DQ-F13", data, units=UNITS)
    r = result(out, 1)
    assert r.status == "fired", r.text
    assert "产检血红蛋白" in r.text and "产检舒张压" in r.text and "高于均匀分布和同级单位" in r.text
    assert all(result(out, u).status == "passed" for u in UNITS[1:]), [result(out, u).text for u in UNITS]
    hits = [h for h in out.hits if h.check_id == "DQ-F13"]
    assert {h.unit_id for h in hits} == {1}
    assert len({h.record_id for h in hits}) == 40
    assert "落在偏好的末位数字上" in hits[0].text


def test_honest_random_values_do_not_fire() -> None:
    data = scan(antenatal=merge(*[antenatal(u, heaped=False, seed=5) for u in UNITS]))
    out = run("DQ-F13", data, units=UNITS)
    assert [result(out, u).status for u in UNITS] == ["passed"] * 6
    assert not out.hits


def test_a_county_wide_rounding_habit_is_not_a_finding() -> None:
    data = scan(antenatal=merge(*[antenatal(u, heaped=True, seed=7) for u in UNITS]))
    out = run("DQ-F13", data, units=UNITS)
    assert [result(out, u).status for u in UNITS] == ["passed"] * 6
    assert "全县习惯" in result(out, 1).text


def test_one_heaped_field_alone_is_a_habit_not_fabrication() -> None:
    parts = [antenatal(u, heaped=False, seed=9) for u in UNITS]
    parts[0]["sbp"] = [10 * round(v / 10) for v in parts[0]["sbp"]]
    out = run("DQ-F13", scan(antenatal=merge(*parts)), units=UNITS)
    assert result(out, 1).status == "passed"


def test_heaping_per_examiner() -> None:
    parts = [antenatal(u, heaped=False, seed=11) for u in UNITS]
    bad = antenatal(1, heaped=True, seed=12)
    bad["record_id"] = [r + 500 for r in bad["record_id"]]
    for p, who in ((bad, "李四"), *((q, f"检查者{i}") for i, q in enumerate(parts))):
        p["examiner"] = [who] * len(p["unit_id"])
    out = run("DQ-F14", scan(antenatal=merge(bad, *parts)), units=UNITS)
    assert result(out, 1, "李四").status == "fired"
    assert result(out, 1, "检查者0").status == "passed"
    ranked = {h.record_id for h in out.hits}
    assert ranked and all(r >= 1500 for r in ranked)
