"""The records behind a register-vs-report mismatch (DQ-V01, DQ-V02): when the register counts fewer caesareans
than the report (or, with no report, than the peers), the deliveries most likely to be caesareans written down as
vaginal — the ones bleeding more than a typical vaginal birth, never more than the missing number, the most
bleeding first. A mismatch no single record carries (an inflated report) lists no record."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from ducha.quality.checks.base import catalogue
from ducha.quality.scoring import suspects
from ducha.quality.tests.checkdata import merge, result, run, scan

CS = "REGISTER_CAESAREAN_RATE"


def births(unit: int, losses: Sequence[int | None], *, caesareans: int = 0, place: str = "县人民医院",
           first: int = 0, cs_loss: int = 450) -> dict[str, list]:
    """One live birth per blood loss, registered as vaginal, then ``caesareans`` registered caesareans."""
    n = len(losses) + caesareans
    return {"record_id": [unit * 1000 + first + i for i in range(n)], "unit_id": [unit] * n,
            "delivered_on": [date(2012, 2, 1)] * n, "outcome": ["live"] * n, "babies": [1] * n,
            "delivery_place": [place] * n, "delivery_mode": ["vaginal"] * len(losses) + ["caesarean"] * caesareans,
            "blood_loss_ml": [*losses, *[cs_loss] * caesareans]}


def vf(unit: int, register: int, reported: int, code: str = CS, name: str = "剖宫产率（个案登记）") -> dict[str, list]:
    return {"unit_id": [unit], "indicator_code": [code], "indicator_name": [name], "register_numerator": [register],
            "reported_numerator": [reported], "vf": [register / reported]}


def county(register_cs: int, reported_cs: int, cs_loss: int = 450) -> dict[str, dict[str, list]]:
    """Unit 1: 30 ordinary vaginal births (200–260 ml), 10 bleeding 380–700 ml, one at home bleeding 900 ml, one with
    no blood loss written, ``register_cs`` registered caesareans. Unit 2: 40 ordinary vaginal births (the county's
    typical vaginal birth bleeds 240 ml)."""
    ordinary = [200 + 2 * (i % 31) for i in range(30)]
    heavy = [700, 650, 620, 600, 560, 520, 480, 450, 410, 380]
    preg = merge(births(1, ordinary + heavy + [None], caesareans=register_cs, cs_loss=cs_loss),
                 births(1, [900], place="家中", first=500), births(2, [240] * 40))
    return {"pregnancies": preg, "register_vf": merge(vf(1, register_cs, reported_cs), vf(2, 20, 20))}


def test_the_deliveries_behind_missing_caesareans_are_listed_at_most_the_missing_number_most_bleeding_first() -> None:
    out = run("DQ-V01", scan(**county(register_cs=4, reported_cs=12)), units=[1, 2])
    assert result(out, 1).status == "fired" and result(out, 2).status == "passed"
    losses = {h.record_id: int(h.text.split("产后出血 ")[1].split(" ml")[0]) for h in out.hits}
    assert sorted(losses.values(), reverse=True) == [700, 650, 620, 600, 560, 520, 480, 450]   # 8 missing: the top 8
    assert 1500 not in losses and 1040 not in losses   # the home birth (900 ml), the one with no blood loss written
    hit = next(h for h in out.hits if "产后出血 700 ml" in h.text)
    assert "分娩登记为顺产" in hit.text and "全县非剖宫产分娩的中位数 240 ml" in hit.text and "少 8 例剖宫产" in hit.text
    ranked = suspects(out.hits, catalogue())
    weights = {s.record_id: s.risk_weight for s in ranked}
    assert weights[1030] == 3 + 1 and weights[1037] == 3   # 700 ml ≈ 2.9 × typical adds a point; 450 ml does not
    assert ranked[0].record_id in {1030, 1031, 1032, 1033, 1034}


def test_fewer_missing_caesareans_than_heavy_bleeders_lists_only_the_most_bleeding() -> None:
    out = run("DQ-V01", scan(**county(register_cs=6, reported_cs=12)), units=[1, 2])
    assert result(out, 1).status == "fired"
    assert len(out.hits) == 6 and all(h.record_id in {1030, 1031, 1032, 1033, 1034, 1035} for h in out.hits)


def test_where_caesareans_bleed_no_more_than_vaginal_births_blood_loss_lists_no_delivery() -> None:
    """A register whose caesareans are written with the same blood loss as vaginal births (a habitual value, or not
    measured) gives blood loss no meaning: the mismatch is reported, no delivery is listed."""
    out = run("DQ-V01", scan(**county(register_cs=4, reported_cs=12, cs_loss=250)), units=[1, 2])
    assert result(out, 1).status == "fired" and "剖宫产率（个案登记） 登记簿 4、月报 12" in result(out, 1).text
    assert not out.hits


def test_a_gap_within_recording_slips_lists_no_delivery() -> None:
    out = run("DQ-V01", scan(**county(register_cs=11, reported_cs=12)), units=[1, 2])
    assert result(out, 1).status == "passed" and not out.hits


def test_an_inflated_report_of_another_indicator_lists_no_record() -> None:
    data = county(register_cs=12, reported_cs=12)
    data["register_vf"] = merge(data["register_vf"], vf(1, 40, 70, "PREG_RECORDS", "本期建册人数"))
    out = run("DQ-V01", scan(**data), units=[1, 2])
    assert result(out, 1).status == "fired" and "本期建册人数 登记簿 40、月报 70" in result(out, 1).text
    assert not out.hits                      # the 30 women the report adds are in no register


def test_without_a_report_the_gap_to_the_peers_lists_the_most_bleeding_deliveries() -> None:
    low = births(1, [200 + i % 40 for i in range(50)] + [700, 650, 600, 560, 520], caesareans=2)
    peers = [births(u, [240] * 35, caesareans=25) for u in (2, 3)]
    out = run("DQ-V02", scan(pregnancies=merge(low, *peers)), units=[1, 2, 3])
    assert result(out, 1).status == "fired", result(out, 1).text
    assert {h.record_id for h in out.hits} == {1050, 1051, 1052, 1053, 1054}  # above the typical 240 ml, ≤ the gap
    assert all("本单位登记簿比应有的少" in h.text for h in out.hits)


def test_with_a_report_dq_v02_leaves_the_deliveries_to_dq_v01() -> None:
    low = births(1, [200 + i % 40 for i in range(50)] + [700, 650], caesareans=2)
    peers = [births(u, [240] * 35, caesareans=25) for u in (2, 3)]
    reports: dict[str, list[Any]] = {"unit_id": [1, 1], "month": ["201202", "201202"], "code": ["CAESAREAN", "LIVE_BIRTHS"],
               "value": [20.0, 54.0]}
    out = run("DQ-V02", scan(pregnancies=merge(low, *peers), reports=reports), units=[1, 2, 3])
    assert result(out, 1).status == "fired" and "也低于本单位月报" in result(out, 1).text
    assert not out.hits
