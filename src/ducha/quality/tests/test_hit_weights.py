"""A suspect record's risk weight carries the record's own evidence (``implicate``'s ``risk`` column): of two
records caught by the heaping check, the one with more heaped values ranks higher; one check never outweighs
much more than twice its severity."""

from __future__ import annotations

from datetime import date

from ducha.quality.checks.base import catalogue
from ducha.quality.engine import Hit, hit_weight
from ducha.quality.scoring import suspects
from ducha.quality.tests.checkdata import merge, run, scan
from ducha.quality.tests.test_signals_heaping import UNITS, antenatal


def test_weight_is_the_severity_plus_a_point_per_doubling_of_the_evidence_at_most_doubled() -> None:
    assert [hit_weight(2, r) for r in (None, 0, 1, 2, 3, 4, 7, 8, 100)] == [2, 2, 2, 3, 3, 4, 4, 4, 4]
    assert [hit_weight(3, r) for r in (2, 4, 8, 64)] == [4, 5, 6, 6]
    assert hit_weight(1, float("nan")) == 1 and hit_weight(1, "many") == 1


def test_a_record_with_more_heaped_values_ranks_above_one_with_fewer() -> None:
    units = [antenatal(u, heaped=u == 1, seed=3) for u in UNITS]
    # one more woman in the heaping unit, seen once, only her blood pressure written (both heaped)
    few = {"unit_id": [1], "record_id": [1999], "visit_on": [date(2012, 2, 1)], "in_period": [True],
           "weight_kg": [None], "sbp": [120], "dbp": [80], "hb": [None]}
    out = run("DQ-F13", scan(antenatal=merge(*units, few)), units=UNITS)
    weights = {h.record_id: h.weight for h in out.hits}
    assert weights[1999] == 3, weights                      # 2 heaped values: severity 2 + 1
    assert weights[1000] == 4                               # 16 heaped values: doubled, no more
    ranked = suspects(out.hits, catalogue())
    assert ranked[-1].record_id == 1999 and ranked[-1].risk_weight == 3
    assert ranked[0].risk_weight == 4 and ranked[0].record_id != 1999


def test_weights_of_distinct_checks_add_up_and_a_check_counts_once_per_record() -> None:
    hits = [Hit("child", 1, 1, "DQ-F13", "a", 4), Hit("child", 1, 1, "DQ-F13", "b", 3),
            Hit("child", 1, 1, "DQ-F01", "c"), Hit("child", 2, 1, "DQ-F13", "d", 4)]
    ranked = suspects(hits, catalogue())
    assert [(s.record_id, s.risk_weight) for s in ranked] == [(1, 4 + 3), (2, 4)]  # DQ-F01: its severity 高 3
    assert [r["check_id"] for r in ranked[0].reasons] == ["DQ-F01", "DQ-F13"]
