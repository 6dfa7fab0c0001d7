"""The records behind a unit signal: children seen once on the schedule the unit over-uses (DQ-F10, in weeks and
in average months), cards whose visits only wobble by the copier's half kilo (DQ-F16 over the card's history),
cards whose visits of months were all entered in one sitting (DQ-P15/DQ-C10, evidence of their own), and in a
burst (DQ-F01) only the cards written up at one go, not the cards keyed in one recent visit each."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta

from django.test import override_settings

from ducha.quality.tests.checkdata import merge, result, run, scan

UNITS = [1, 2, 3, 4, 5, 6]


def children(unit: int, rule: str | None, seed: int, kids: int = 40, share: float = 0.75) -> tuple[dict, dict]:
    """One exam per child in the quarter; ``rule`` puts ``share`` of the bad unit's children on a schedule."""
    rnd = random.Random(seed * 100 + unit)
    kid: dict[str, list] = {"record_id": [], "unit_id": [], "birth_date": []}
    exam: dict[str, list] = {k: [] for k in ("exam_id", "record_id", "unit_id", "birth_date", "exam_on", "in_period")}
    for k in range(kids):
        rid, born = unit * 1000 + k, date(2010, 1, 1) + timedelta(days=rnd.randint(0, 500))
        months = rnd.randint(6, 24)
        age = {"weeks": 7 * round(months * 30.4375 / 7), "mean_months": round(months * 30.4375)}.get(
            rule or "", 0) if k < round(kids * share) else 0
        age = age or round(months * 30.4375) + rnd.choice([-9, -6, -4, -3, 2, 3, 5, 8, 11])
        kid["record_id"].append(rid)
        kid["unit_id"].append(unit)
        kid["birth_date"].append(born)
        for col, value in (("exam_id", rid), ("record_id", rid), ("unit_id", unit), ("birth_date", born),
                           ("exam_on", born + timedelta(days=age)), ("in_period", True)):
            exam[col].append(value)
    return kid, exam


def county(rule: str | None, seed: int, share: float = 0.75) -> tuple[dict, dict]:
    pairs = [children(u, rule if u == 1 else None, seed, share=share) for u in UNITS]
    return merge(*[c for c, _ in pairs]), merge(*[e for _, e in pairs])


def test_children_seen_once_on_whole_weeks_are_the_records_behind_the_signal() -> None:
    kids, exams = county("weeks", seed=1)
    out = run("DQ-F10", scan(children=kids, exams=exams), units=UNITS)
    r = result(out, 1)
    assert r.status == "fired", r.text
    assert "儿童体检" in r.text and "整周当天" in r.text
    assert [result(out, u).status for u in UNITS[1:]] == ["passed"] * 5
    found = {h.record_id for h in out.hits}
    assert {1000 + k for k in range(30)} <= found            # the scheduled children, one exam each
    assert found <= {1000 + k for k in range(40)}            # nothing outside the unit that fired
    assert len(found) <= 30 + 4                              # an honest child only by chance, on a whole week


def test_half_the_children_on_whole_weeks_fire_though_as_many_antenatal_visits_would_not() -> None:
    """A child's age in whole weeks is a 1-in-7 chance (births fall on any weekday), so the reference limit for
    children is 40 %; antenatal visits are booked by gestational week and keep 60 %."""
    kids, exams = county("weeks", seed=5, share=0.4)
    out = run("DQ-F10", scan(children=kids, exams=exams), units=UNITS)
    r = result(out, 1)
    assert r.status == "fired", r.text
    assert "儿童体检在整周当天：" in r.text and "参考限 40%" in r.text
    assert {1000 + k for k in range(16)} <= {h.record_id for h in out.hits}
    assert [result(out, u).status for u in UNITS[1:]] == ["passed"] * 5
    with override_settings(DUCHA_QUALITY={"DQ-F10": {"child_weeks_share": 0.6}}):   # the antenatal limit
        assert result(run("DQ-F10", scan(children=kids, exams=exams), units=UNITS), 1).status == "passed"


def test_ages_in_average_months_of_days_fire() -> None:
    kids, exams = county("mean_months", seed=2)
    out = run("DQ-F10", scan(children=kids, exams=exams), units=UNITS)
    r = result(out, 1)
    assert r.status == "fired", r.text
    assert "整月龄天数" in r.text
    assert {1000 + k for k in range(30)} <= {h.record_id for h in out.hits}
    assert "1 次恰在计划日" in out.hits[0].text


def test_an_honest_county_implicates_no_child() -> None:
    kids, exams = county(None, seed=3)
    out = run("DQ-F10", scan(children=kids, exams=exams), units=UNITS)
    assert [result(out, u).status for u in UNITS] == ["passed"] * 6 and not out.hits


def anc_cards(unit: int, copied: bool, seed: int, women: int = 20) -> tuple[dict, dict]:
    """Five visits a month apart, two of them last quarter; copied cards wobble by ±0.5 kg and keep BP and Hb."""
    rnd = random.Random(seed * 100 + unit)
    preg: dict[str, list] = {"record_id": [], "unit_id": [], "lmp": []}
    anc: dict[str, list] = {k: [] for k in ("visit_id", "record_id", "unit_id", "visit_on", "in_period",
                                            "weight_kg", "sbp", "dbp", "hb")}
    for w in range(women):
        rid, start = unit * 1000 + w, date(2011, 11, 1) + timedelta(days=rnd.randint(0, 20))
        preg["record_id"].append(rid)
        preg["unit_id"].append(unit)
        preg["lmp"].append(start - timedelta(days=90))
        base, sbp, dbp, hb = rnd.uniform(50, 65), rnd.randint(100, 125), rnd.randint(60, 80), rnd.randint(100, 130)
        for v in range(5):
            on = start + timedelta(days=30 * v + rnd.randint(-3, 3))
            copy = copied and w < 10
            weight = base + (0.5 * (v % 2) if copy else 1.6 * v + rnd.uniform(-0.4, 0.4))
            row = (len(anc["visit_id"]) + unit * 100000, rid, unit, on, on >= date(2012, 1, 1), round(weight, 1),
                   sbp if copy else rnd.randint(100, 125), dbp if copy else rnd.randint(60, 80), hb if copy else None)
            for col, value in zip(anc, row, strict=True):
                anc[col].append(value)
    return preg, anc


def test_copied_cards_fire_over_their_whole_history_with_a_half_kilo_wobble() -> None:
    pairs = [anc_cards(u, u == 1, seed=4) for u in UNITS]
    data = scan(pregnancies=merge(*[p for p, _ in pairs]), antenatal=merge(*[a for _, a in pairs]))
    out = run("DQ-F16", data, units=UNITS)
    assert result(out, 1).status == "fired", result(out, 1).text
    assert [result(out, u).status for u in UNITS[1:]] == ["passed"] * 5
    assert {h.record_id for h in out.hits} == {1000 + w for w in range(10)}
    assert "5 次检查中相邻两次 4/4 次几乎相同" in out.hits[0].text


def entries(record_type: str, stamps: list[tuple[int, int, date, datetime]], batch: int = 1) -> dict[str, list]:
    return {"unit_id": [s[0] for s in stamps], "record_type": [record_type] * len(stamps),
            "record_id": [s[1] for s in stamps], "event_date": [s[2] for s in stamps],
            "created_at": [s[3] for s in stamps], "created_by": [7] * len(stamps), "batch_id": [batch] * len(stamps)}


def visits(record: int, first: date, count: int, entered: datetime | None, step_minutes: int = 2) -> list[tuple]:
    """``count`` visits a month apart; entered together from ``entered`` or each ~20 days after it happened."""
    out = []
    for v in range(count):
        on = first + timedelta(days=30 * v)
        at = entered + timedelta(minutes=step_minutes * v) if entered else datetime.combine(
            on + timedelta(days=20), datetime.min.time()) + timedelta(hours=9, minutes=v)
        out.append((1, record, on, at))
    return out


def test_a_card_whose_visits_of_months_were_entered_in_one_sitting_is_flagged_on_its_own() -> None:
    late = datetime(2012, 3, 11, 15, 0)
    stamps = (visits(1, date(2011, 10, 1), 5, late) + visits(2, date(2011, 10, 1), 5, None)
              + visits(3, date(2012, 2, 1), 3, datetime(2012, 4, 20, 9, 0))     # 60 days of visits
              + visits(4, date(2012, 1, 1), 2, late))                          # two visits: not enough
    out = run("DQ-P15", scan(pregnancies={"record_id": [1, 2, 3, 4], "unit_id": [1] * 4},
                             entries=entries("pregnancy", stamps)), units=[1])
    assert {h.record_id for h in out.hits} == {1, 3}
    assert result(out, 1).status == "fired"
    text = next(h.text for h in out.hits if h.record_id == 1)
    assert "2011-10-01 至 2012-01-29" in text and "5 次检查/访视都在 2012-03-11 15:00–15:08 一次录入" in text


def test_visits_entered_together_but_only_two_weeks_apart_are_not_flagged() -> None:
    stamps = visits(1, date(2012, 1, 1), 2, None) + [(1, 1, date(2012, 1, 20), datetime(2012, 2, 1, 9, 1)),
                                                     (1, 1, date(2012, 1, 27), datetime(2012, 2, 1, 9, 3)),
                                                     (1, 1, date(2012, 2, 3), datetime(2012, 2, 5, 9, 0))]
    out = run("DQ-P15", scan(pregnancies={"record_id": [1], "unit_id": [1]}, entries=entries("pregnancy", stamps)),
              units=[1])
    assert not out.hits and result(out, 1).status == "passed"


def test_an_import_stamped_with_one_time_says_nothing_about_sittings() -> None:
    stamped = [(1, 1, date(2011, 10, 1) + timedelta(days=30 * v), datetime(2012, 4, 1, 8, 0)) for v in range(5)]
    out = run("DQ-C10", scan(children={"record_id": [1], "unit_id": [1]}, entries=entries("child", stamped)),
              units=[1])
    assert not out.hits and result(out, 1).status == "passed"
    late = [(1, 1, s[2], datetime(2012, 4, 1, 8, v)) for v, s in enumerate(stamped)]
    out = run("DQ-C10", scan(children={"record_id": [1], "unit_id": [1]}, entries=entries("child", late)), units=[1])
    assert [h.record_id for h in out.hits] == [1] and "5 次体检都在" in out.hits[0].text


def burst_sitting(written_up: int, keyed_in: int, late: int = 0) -> dict[str, list]:
    """One clerk's sitting on 2012-03-14, two minutes an entry: ``keyed_in`` cards with one visit each, entered 13–85
    days after it (their dates spread over ten weeks, so the sitting is a burst by itself); ``written_up`` cards with
    three visits a month apart; ``late`` cards with one visit 150 days before; one card with two visits a fortnight
    apart. Before it, twenty single entries on separate days, each 30 days after its visit: the unit's usual delay."""
    cards = [(100 + k, date(2011, 12, 20) + timedelta(days=3 * k)) for k in range(keyed_in)]
    cards += [(200 + w, date(2011, 10, 5) + timedelta(days=30 * v)) for w in range(written_up) for v in range(3)]
    cards += [(250 + k, date(2011, 10, 16)) for k in range(late)]
    cards += [(300, date(2012, 2, 1)), (300, date(2012, 2, 15))]
    start = datetime(2012, 3, 14, 9, 0)
    stamps = [(1, rid, on, start + timedelta(minutes=2 * i)) for i, (rid, on) in enumerate(cards)]
    stamps += [(1, 400 + k, date(2011, 11, 1) + timedelta(days=k), datetime(2011, 12, 1, 10) + timedelta(days=k))
               for k in range(20)]
    return entries("pregnancy", stamps)


def test_a_burst_implicates_the_cards_written_up_at_once_not_the_cards_keyed_in_with_them() -> None:
    out = run("DQ-F01", scan(entries=burst_sitting(written_up=5, keyed_in=25)))
    assert result(out, 1).status == "fired", result(out, 1).text
    assert {h.record_id for h in out.hits} == {200, 201, 202, 203, 204}   # not 100–124 (one visit), not 300 (14 days)
    hit = next(h for h in out.hits if h.record_id == 200)
    assert "此手册 2011-10-05 至 2011-12-04 的 3 次检查/访视一并录入，最晚的在检查后 161 天才录入" in hit.text
    assert "属于集中录入：西簧乡 2012-03-14 09:00–" in hit.text
    assert hit.weight == 3 + 1                   # severity 高 3, plus a point for its 3 entries (≥ 2)


def test_a_card_entered_months_later_than_the_unit_usually_enters_is_listed() -> None:
    out = run("DQ-F01", scan(entries=burst_sitting(written_up=0, keyed_in=25, late=3)))
    assert result(out, 1).status == "fired", result(out, 1).text
    assert {h.record_id for h in out.hits} == {250, 251, 252}              # 150 days late; 100 (85 days) is not
    assert "此手册 2011-10-16 的检查，最晚的在检查后 150 天才录入（本单位一般 30 天）" in out.hits[0].text


def test_a_burst_of_cards_keyed_in_one_visit_each_lists_no_card() -> None:
    out = run("DQ-F01", scan(entries=burst_sitting(written_up=0, keyed_in=30)))
    assert result(out, 1).status == "fired" and not out.hits
