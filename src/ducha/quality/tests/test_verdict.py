"""The fabrication verdict separates kinds of trouble: incomplete and inconsistent records are shown apart and
never make a township 疑似编造; independent fabrication signals do, with the confidence shown."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from ducha.conftest import login
from ducha.core.periods import parse_period
from ducha.quality.actions import run_quality_scan
from ducha.quality.checks.base import FIRED, PASSED, UNDECIDED, catalogue
from ducha.quality.engine import Hit, Outcome, Result
from ducha.quality.models import UnitQualityScore, Verdict
from ducha.quality.scoring import score_units
from ducha.quality.tests.registerdata import made_up_township, ordinary_township
from ducha.quality.verdict import FABRICATION, INCOMPLETE, INCONSISTENT, REPORT, kind_of
from ducha.registers.models import AntenatalVisit, PregnancyRecord

CHECKS = {c.id: c for c in catalogue()}


def test_every_check_has_a_kind_and_the_kinds_follow_the_brief() -> None:
    kinds = {c.id: kind_of(c) for c in catalogue()}
    assert {kinds[i] for i in ("DQ-P01", "DQ-P02", "DQ-P03", "DQ-C01", "DQ-C02", "DQ-C03")} == {INCOMPLETE}
    assert {kinds[i] for i in ("DQ-P05", "DQ-P06", "DQ-P07", "DQ-C05", "DQ-P11")} == {INCONSISTENT}
    assert {kinds[i] for i in ("DQ-F01", "DQ-F02", "DQ-F05", "DQ-V01", "DQ-P04", "DQ-C04")} == {FABRICATION}
    assert {k for i, k in kinds.items() if i.startswith("DQ-R")} == {REPORT}


def _results(unit: int, statuses: dict[str, str], flagged: dict[str, int], n: int = 100) -> list[Result]:
    """One stored-shape result per catalogue check for ``unit``: the given status, else passed."""
    out = []
    for c in catalogue():
        status = statuses.get(c.id, PASSED)
        count = flagged.get(c.id, 0)
        out.append(Result(c.id, unit, "", status, float(count) if c.is_record_check else 1.0, 0.0, n, {}, ""))
    return out


def _hits(unit: int, check_id: str, first: int, count: int) -> list[Hit]:
    return [Hit("pregnancy", first + i, unit, check_id, "") for i in range(count)]


def _outcome(units: dict[int, tuple[dict[str, str], dict[str, int]]]) -> Outcome:
    outcome = Outcome()
    for unit, (statuses, flagged) in units.items():
        outcome.results += _results(unit, statuses, flagged)
        outcome.records[(unit, "pregnancy")] = 100
        for check_id, count in flagged.items():  # each check flags the unit's first ``count`` records
            outcome.hits += _hits(unit, check_id, unit * 10_000, count)
    return outcome


def _scores(units: dict[int, tuple[dict[str, str], dict[str, int]]]) -> dict[int, Any]:
    return {s.unit_id: s for s in score_units(_outcome(units), catalogue(), list(units))}


def test_only_incomplete_records_is_not_fabrication_however_many() -> None:
    many = {"DQ-P01": 60, "DQ-P02": 40, "DQ-P03": 30}
    scores = _scores({1: ({c: FIRED for c in many}, many), 2: ({}, {}), 3: ({}, {})})
    s = scores[1]
    assert s.verdict == "clear" and s.kinds[INCOMPLETE]["records"] == 60 and s.kinds[INCOMPLETE]["fired"] == 3
    assert s.kinds[FABRICATION]["fired"] == 0 and s.kinds[FABRICATION]["score"] == 100.0
    assert s.score == 100 - 8 - 8 - 4  # the score still pays for the missing fields


def test_inconsistent_records_alone_ask_for_verification_never_suspect() -> None:
    bad = {"DQ-P06": 20, "DQ-P11": 10}
    scores = _scores({1: ({c: FIRED for c in bad}, bad), 2: ({}, {}), 3: ({"DQ-P11": FIRED}, {"DQ-P11": 1})})
    assert (scores[1].verdict, scores[1].confidence) == ("verify", "低")
    assert "远多于同级单位" in scores[1].verdict_text and scores[1].kinds[INCONSISTENT]["records"] == 20
    assert scores[3].verdict == "clear"  # one odd value is no reason to send an inspector
    one_kind = _scores({1: ({"DQ-C07": FIRED}, {"DQ-C07": 30}), 2: ({}, {}), 3: ({}, {})})[1]
    assert one_kind.verdict == "clear"  # many flags of one kind only: a measuring habit, not invented values


def test_two_independent_fabrication_signals_are_suspect_with_high_confidence() -> None:
    both = {"DQ-F01": FIRED, "DQ-F05": FIRED}
    scores = _scores({1: (both, {"DQ-F01": 30, "DQ-F05": 30}), 2: ({}, {}), 3: ({}, {})})
    s = scores[1]
    assert (s.verdict, s.confidence) == ("suspect", "高")
    assert {g["group"] for g in s.signals} == {"entry_burst", "repeated_values"}
    assert "2 组相互独立的编造迹象" in s.verdict_text and "DQ-F01" in s.verdict_text


def test_signals_of_one_phenomenon_count_once() -> None:
    spread = {"DQ-F06": FIRED, "DQ-F07": FIRED, "DQ-F08": FIRED}  # three digit-preference checks, all medium
    s = _scores({1: (spread, {}), 2: ({}, {}), 3: ({}, {})})[1]
    assert len(s.signals) == 1 and (s.verdict, s.confidence) == ("verify", "中")


def test_a_few_mistyped_dates_are_not_a_signal_but_many_are() -> None:
    few = _scores({1: ({"DQ-P04": FIRED}, {"DQ-P04": 2}), 2: ({}, {}), 3: ({}, {})})[1]
    assert few.verdict == "clear" and few.kinds[FABRICATION]["records"] == 2
    many = _scores({1: ({"DQ-P04": FIRED}, {"DQ-P04": 25}), 2: ({}, {}), 3: ({}, {})})[1]
    assert (many.verdict, many.confidence) == ("suspect", "中")  # one strong signal, 25 records behind it


def test_a_unit_no_fabrication_check_could_judge_is_unknown() -> None:
    nothing = {c.id: UNDECIDED for c in catalogue() if kind_of(c) == FABRICATION}
    s = _scores({1: (nothing, {}), 2: ({}, {})})[1]
    assert (s.verdict, s.confidence) == ("unknown", "") and "无法判断" in s.verdict_text


def _incomplete_township(unit: Any, user: Any) -> None:
    """30 ordinary records of which 20 lack the woman's name and 10 visits their date."""
    records = ordinary_township(unit, user)
    PregnancyRecord.objects.filter(pk__in=[r.pk for r in records[:20]]).update(name="")
    AntenatalVisit.objects.filter(record__in=records[20:], visit_on__gte=date(2012, 1, 1)).update(visit_on=None)


def _two_signal_township(unit: Any, user: Any) -> None:
    """The cards written in one sitting (DQ-F01), and every woman's three visits at 120/80 (DQ-F05)."""
    records = made_up_township(unit, user)[:-1]
    AntenatalVisit.objects.bulk_create([
        AntenatalVisit(record=r, visit_on=r.registered_on + timedelta(days=7 * k), weeks=7 + k, weight_kg=55 + k,
                       sbp=120, dbp=80, hb=118, created_at=r.created_at + timedelta(seconds=k), created_by=user)
        for r in records for k in (1, 2)])


def test_scan_keeps_incomplete_apart_from_fabrication(mini_county: Any) -> None:
    _two_signal_township(mini_county.town_a, mini_county.officer_a)
    _incomplete_township(mini_county.town_b, mini_county.officer_b)
    run = run_quality_scan(actor=mini_county.inspector, period=parse_period("2012Q1"), root=mini_county.county)
    a = UnitQualityScore.objects.get(run=run, unit=mini_county.town_a)
    b = UnitQualityScore.objects.get(run=run, unit=mini_county.town_b)
    assert b.incomplete_records >= 20 and b.kinds[INCOMPLETE]["fired"] >= 1
    assert b.verdict != Verdict.SUSPECT and b.fabrication_signals == 0
    assert a.verdict == Verdict.SUSPECT and a.confidence == "高" and a.fabrication_signals >= 2
    assert {"DQ-F01", "DQ-F05"} <= {s["check_id"] for s in a.signals}
    assert a.fabrication_records >= 30 and a.get_verdict_display() == "疑似编造"


def test_api_unit_scores_carry_the_verdict(mini_county: Any) -> None:
    _two_signal_township(mini_county.town_a, mini_county.officer_a)
    run = run_quality_scan(actor=mini_county.inspector, period=parse_period("2012Q1"), root=mini_county.county)
    body = login("inspector1").get(f"/api/quality-runs/{run.pk}").json()
    town = next(s for s in body["scores"] if s["unit"] == "T01")
    assert town["incomplete_records"] == 0 and "DQ-F01" in town["verdict_text"]
    assert (town["verdict"], town["verdict_label"], town["confidence"]) == ("suspect", "疑似编造", "高")
    assert town["kinds"][FABRICATION]["fired"] >= 2 and town["fabrication_signals"] >= 2
