"""Unit quality scores and suspect-record risk weights from one scan's results.

Score: 100 minus penalties, never below 0. A check that fired costs its severity's points
(低 4, 中 8, 高 15) once per unit, however many operators or batches fired; a record-level check costs
the same points scaled by the share of the unit's records it flagged, in full from 10 % up
(``points × min(1, share / 10 %)``). Checks that could not judge cost nothing; a unit no check could
judge gets no score. Grades: 优 ≥ 90, 良 75–89.9, 中 60–74.9, 差 < 60.

Risk weight of a suspect record: the sum over the distinct checks that flagged it of each check's weight for the
record (``Hit.weight``: the severity 低 1, 中 2, 高 3, plus a point per doubling of the record's own evidence, at
most twice the severity — ``engine.hit_weight``), so a record caught by several checks ranks above one caught
by a single check, and of two records caught by the heaping check the one with more heaped values ranks higher.

Kinds of trouble (``quality.verdict``): the same penalties are also summed per kind (报表质量, 记录不全, 记录不一致,
编造迹象) into a per-kind score, with the records each kind flagged; the fabrication verdict and its confidence
come from the fabrication signals only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ducha.quality.checks.base import FIRED, PASSED, UNDECIDED, Check
from ducha.quality.engine import Hit, Outcome, Result
from ducha.quality.verdict import INCONSISTENT, KINDS, UNKNOWN, UnitFacts, judge, kind_of, peer_median_shares

PENALTY = {1: 4.0, 2: 8.0, 3: 15.0}
FULL_SHARE = 0.10
GRADES = [(90.0, "优"), (75.0, "良"), (60.0, "中"), (0.0, "差")]
REASON_TEXTS = 3


@dataclass
class UnitScore:
    unit_id: int
    score: float | None
    grade: str
    fired: int
    passed: int
    undecided: int
    records: int
    suspect_records: int
    penalties: dict[str, float] = field(default_factory=dict)
    kinds: dict[str, dict[str, Any]] = field(default_factory=dict)
    verdict: str = UNKNOWN
    confidence: str = ""
    verdict_text: str = ""
    signals: list[dict[str, Any]] = field(default_factory=list)

    def kind_records(self, kind: str) -> int:
        return int(self.kinds.get(kind, {}).get("records", 0))


@dataclass
class Suspect:
    record_type: str
    record_id: int
    unit_id: int
    risk_weight: int
    reasons: list[dict[str, str]]


def grade_of(score: float | None) -> str:
    if score is None:
        return ""
    return next(label for floor, label in GRADES if score >= floor)


def check_status(results: list[Result]) -> str:
    statuses = {r.status for r in results}
    return FIRED if FIRED in statuses else PASSED if PASSED in statuses else UNDECIDED


def penalty(check: Check, results: list[Result]) -> float:
    fired = [r for r in results if r.status == FIRED]
    if not fired:
        return 0.0
    points = PENALTY.get(check.weight(), PENALTY[2])
    if not check.is_record_check:
        return points
    r = fired[0]
    share = (r.measured or 0.0) / r.n if r.n else 1.0
    return round(points * min(1.0, share / FULL_SHARE), 1)


def _kinds(checks: list[Check], statuses: dict[str, str], penalties: dict[str, float],
           flagged: dict[str, set[tuple[str, int]]]) -> dict[str, dict[str, Any]]:
    """Per kind: score (100 minus that kind's penalties; none when no check of the kind judged), fired checks,
    penalty points and distinct records flagged."""
    out: dict[str, dict[str, Any]] = {}
    for kind in KINDS:
        of_kind = [c for c in checks if kind_of(c) == kind]
        points = sum(penalties.get(c.id, 0.0) for c in of_kind)
        judged = any(statuses[c.id] != UNDECIDED for c in of_kind)
        records: set[tuple[str, int]] = set().union(*(flagged.get(c.id, set()) for c in of_kind))
        out[kind] = {"score": max(0.0, round(100.0 - points, 1)) if judged else None,
                     "fired": sum(1 for c in of_kind if statuses[c.id] == FIRED),
                     "penalty": round(points, 1), "records": len(records)}
    return out


def score_units(outcome: Outcome, checks: list[Check], units: list[int]) -> list[UnitScore]:
    by_key: dict[tuple[int, str], list[Result]] = {}
    for r in outcome.results:
        by_key.setdefault((r.unit_id, r.check_id), []).append(r)
    flagged: dict[int, set[tuple[str, int]]] = {}
    per_check: dict[int, dict[str, set[tuple[str, int]]]] = {}
    for h in outcome.hits:
        flagged.setdefault(h.unit_id, set()).add((h.record_type, h.record_id))
        per_check.setdefault(h.unit_id, {}).setdefault(h.check_id, set()).add((h.record_type, h.record_id))
    facts: dict[int, UnitFacts] = {}
    scores = []
    for unit_id in units:
        statuses = {c.id: check_status(by_key.get((unit_id, c.id), [])) for c in checks}
        penalties = {c.id: p for c in checks if (p := penalty(c, by_key.get((unit_id, c.id), [])))}
        judged = sum(1 for s in statuses.values() if s != UNDECIDED)
        score = max(0.0, round(100.0 - sum(penalties.values()), 1)) if judged else None
        records = sum(n for (u, _kind), n in outcome.records.items() if u == unit_id)
        kinds = _kinds(checks, statuses, penalties, per_check.get(unit_id, {}))
        facts[unit_id] = UnitFacts(results={c.id: by_key.get((unit_id, c.id), []) for c in checks},
                                   flagged={c: len(ids) for c, ids in per_check.get(unit_id, {}).items()},
                                   records=records, inconsistent_records=kinds[INCONSISTENT]["records"],
                                   inconsistent_checks=kinds[INCONSISTENT]["fired"])
        scores.append(UnitScore(
            unit_id=unit_id, score=score, grade=grade_of(score),
            fired=sum(1 for s in statuses.values() if s == FIRED),
            passed=sum(1 for s in statuses.values() if s == PASSED),
            undecided=sum(1 for s in statuses.values() if s == UNDECIDED),
            records=records, suspect_records=len(flagged.get(unit_id, set())), penalties=penalties, kinds=kinds))
    peers = peer_median_shares(facts, checks)
    for s in scores:
        v = judge(facts[s.unit_id], checks, peers)
        s.verdict, s.confidence, s.verdict_text = v.verdict, v.confidence, v.text
        s.signals = [sig.as_dict() for sig in v.signals]
    return scores


def suspects(hits: list[Hit], checks: list[Check]) -> list[Suspect]:
    by_id = {c.id: c for c in checks}
    grouped: dict[tuple[str, int], list[Hit]] = {}
    for h in hits:
        grouped.setdefault((h.record_type, h.record_id), []).append(h)
    out = []
    for (kind, record_id), found in grouped.items():
        reasons: dict[str, list[str]] = {}
        weights: dict[str, int] = {}
        for h in found:
            texts = reasons.setdefault(h.check_id, [])
            if h.text not in texts:
                texts.append(h.text)
            own = h.weight or (by_id[h.check_id].weight() if h.check_id in by_id else 0)
            weights[h.check_id] = max(weights.get(h.check_id, 0), own)
        weight = sum(weights.values())
        out.append(Suspect(kind, record_id, found[0].unit_id, weight, [
            {"check_id": c, "title": by_id[c].title if c in by_id else c,
             "text": "；".join(t[:REASON_TEXTS]) + (f"（另 {len(t) - REASON_TEXTS} 处）" if len(t) > REASON_TEXTS else "")}
            for c, t in sorted(reasons.items())]))
    return sorted(out, key=lambda s: (-s.risk_weight, s.record_type, s.record_id))
