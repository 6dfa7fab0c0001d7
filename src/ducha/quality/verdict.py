"""Kinds of trouble and the fabrication verdict of a unit, from one scan's results.

Every check judges one kind of trouble (``kind_of``):

* ``report`` — the monthly reports (§1: completeness, timeliness, outliers);
* ``incomplete`` — records missing identity fields, dates or required values;
* ``inconsistent`` — records whose dates are out of order or whose values are impossible, duplicates;
* ``fabrication`` — signs that records were made up: the §4 family, the register-vs-report verification (§2)
  and the record checks that point at invention (dates written before they happened, deliveries with no
  antenatal visit at all, near-identical cards).

The verdict (``judge``) looks at fabrication signals only. A fired fabrication check is a *signal*; signals of
the same phenomenon (the three z-spread checks, the digit-preference checks, …) form one *group* and count once,
so "two independent signals" means two groups. A record check is a signal only when it flagged at least
``MIN_RECORDS`` records and either ``MIN_SHARE`` of the unit's records or ``SUPPORT_RECORDS`` records, and at
least ``PEER_RATIO`` times the median share of the scan's units (a few mistyped dates are not an accusation; a
county-wide habit is not one unit's).
Strength of a signal: its severity (1–3); +1 when the unit is ≥ 2 × the check's ``peer_z`` robust SDs from its
peers; a record signal below ``FULL_SHARE`` of the records counts one less. Strong = 3.

* 疑似编造: ≥ 2 independent groups, or one strong signal;
* 需核实: one signal that is not strong; or no signal but impossible values in several fields, far above the
  peers (≥ ``MIN_INCONSISTENT_CHECKS`` inconsistency checks fired, their records ≥ ``MIN_SHARE`` of the unit's
  and ≥ ``PEER_RATIO`` × the median share, ≥ ``MIN_RECORDS``);
* 未见编造迹象: no signal, and at least one fabrication check could judge the unit;
* 无法判断: no fabrication check could judge the unit (too few records).

Incomplete records never enter the verdict; inconsistent records alone never make 疑似编造.
Confidence (高/中/低): see ``_confidence`` and docs/quality-checks.md 判定方法.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from statistics import median
from typing import Any

from ducha.quality.checks.base import FIRED, PASSED, Check, Family

REPORT, INCOMPLETE, INCONSISTENT, FABRICATION = "report", "incomplete", "inconsistent", "fabrication"
KINDS = (FABRICATION, INCONSISTENT, INCOMPLETE, REPORT)
KIND_LABELS = {FABRICATION: "编造迹象", INCONSISTENT: "记录不一致", INCOMPLETE: "记录不全", REPORT: "报表质量"}
SUSPECT, VERIFY, CLEAR, UNKNOWN = "suspect", "verify", "clear", "unknown"
VERDICT_LABELS = {SUSPECT: "疑似编造", VERIFY: "需核实", CLEAR: "未见编造迹象", UNKNOWN: "无法判断"}
HIGH, MEDIUM, LOW = "高", "中", "低"

# Record checks by kind; every other record check is inconsistent, every §1 check a report check, and every
# §2/§4 check a fabrication sign (new §4 checks need no entry here: they are their own group until listed).
INCOMPLETE_CHECKS = frozenset({"DQ-P01", "DQ-P02", "DQ-P03", "DQ-C01", "DQ-C02", "DQ-C03"})
FABRICATION_RECORD_CHECKS = frozenset({"DQ-P04", "DQ-C04", "DQ-P09", "DQ-P14", "DQ-P15", "DQ-C10", "DQ-P16", "DQ-C11", "DQ-P17"})
# Independent groups: checks reading the same phenomenon in the same data count once.
GROUPS = {
    "DQ-F01": "entry_burst", "DQ-P15": "entry_burst", "DQ-C10": "entry_burst", "DQ-P04": "written_ahead", "DQ-C04": "written_ahead",
    "DQ-F02": "z_spread", "DQ-F03": "z_spread", "DQ-F04": "z_spread", "DQ-F18": "z_spread",
    "DQ-F05": "repeated_values", "DQ-F17": "repeated_values", "DQ-P14": "repeated_values", "DQ-C11": "repeated_values", "DQ-P17": "repeated_values",
    "DQ-F06": "digits", "DQ-F07": "digits", "DQ-F08": "digits", "DQ-F09": "digits", "DQ-F13": "digits",
    "DQ-F14": "digits",
    "DQ-F10": "schedule", "DQ-F11": "calendar", "DQ-F12": "even_counts",
    "DQ-V01": "register_report", "DQ-V02": "register_report", "DQ-P09": "no_antenatal",
}
MIN_RECORDS = 3
MIN_SHARE = 0.02
FULL_SHARE = 0.10
MIN_INCONSISTENT_CHECKS = 2
PEER_RATIO = 3.0
SUPPORT_RECORDS = 10
STRONG = 3


def kind_of(check: Check) -> str:
    declared = getattr(check, "kind", "")
    if declared in KINDS:
        return str(declared)
    if check.family is Family.REPORTS:
        return REPORT
    if check.family in (Family.FABRICATION, Family.VERIFICATION):
        return FABRICATION
    if check.id in INCOMPLETE_CHECKS:
        return INCOMPLETE
    return FABRICATION if check.id in FABRICATION_RECORD_CHECKS else INCONSISTENT


def group_of(check_id: str) -> str:
    return GROUPS.get(check_id, check_id)


@dataclass
class Signal:
    check_id: str
    title: str
    group: str
    strength: int
    records: int
    note: str

    def as_dict(self) -> dict[str, Any]:
        return {"check_id": self.check_id, "title": self.title, "group": self.group, "strength": self.strength,
                "records": self.records, "note": self.note}


@dataclass
class Verdict:
    verdict: str
    confidence: str
    signals: list[Signal] = field(default_factory=list)
    text: str = ""

    @property
    def groups(self) -> int:
        return len({s.group for s in self.signals})


@dataclass
class UnitFacts:
    """What the verdict reads of one unit: its results per check, flagged records per check, record count."""

    results: Mapping[str, list[Any]]
    flagged: Mapping[str, int]
    records: int
    inconsistent_records: int
    inconsistent_checks: int = 0


def peer_median_shares(facts: Mapping[int, UnitFacts], checks: Iterable[Check]) -> dict[str, float]:
    """Per record check (and ``inconsistent``), the median share of flagged records over the units with records."""
    units = [f for f in facts.values() if f.records]
    out = {c.id: median([f.flagged.get(c.id, 0) / f.records for f in units]) if units else 0.0
           for c in checks if c.is_record_check}
    out[INCONSISTENT] = median([f.inconsistent_records / f.records for f in units]) if units else 0.0
    return out


def _peer_z(check: Check, results: list[Any]) -> float | None:
    zs = [abs(float(z)) for r in results if r.status == FIRED
          and isinstance(z := (r.evidence or {}).get("peer_z"), int | float) and z == z]
    return max(zs) if zs else None


def _signal(check: Check, facts: UnitFacts, peer_share: float) -> Signal | None:
    results = facts.results.get(check.id, [])
    if not any(r.status == FIRED for r in results):
        return None
    strength = check.weight()
    records = facts.flagged.get(check.id, 0)
    if check.is_record_check:
        share = records / facts.records if facts.records else 0.0
        if (records < MIN_RECORDS or (share < MIN_SHARE and records < SUPPORT_RECORDS)
                or share < PEER_RATIO * peer_share):
            return None
        strength -= 0 if share >= FULL_SHARE else 1
        note = f"{records} 份手册（占 {share:.1%}）"
    else:
        z = _peer_z(check, results)
        limit = float(check.params().get("peer_z", 0) or 0)
        if z is not None and limit and z >= 2 * limit:
            strength += 1
        note = (f"偏离同级 {z:.1f} 个稳健标准差" if z is not None else "单位级信号") + (
            f"，涉及 {records} 份手册" if records else "")
    return Signal(check.id, check.title, group_of(check.id), max(1, min(STRONG, strength)), records, note)


def _judged(checks: list[Check], facts: UnitFacts) -> int:
    return sum(1 for c in checks if any(r.status in (FIRED, PASSED) for r in facts.results.get(c.id, [])))


def judge(facts: UnitFacts, checks: list[Check], peers: Mapping[str, float]) -> Verdict:
    """The fabrication verdict of one unit (see the module docstring)."""
    fab = [c for c in checks if kind_of(c) == FABRICATION]
    found = [s for c in fab if (s := _signal(c, facts, peers.get(c.id, 0.0))) is not None]
    best: dict[str, Signal] = {}
    for s in sorted(found, key=lambda s: (-s.strength, -s.records, s.check_id)):
        best.setdefault(s.group, s)
    signals = list(best.values())
    strong = any(s.strength >= STRONG for s in signals)
    support = sum(s.records for s in signals)
    if len(signals) >= 2 or strong:
        confidence = (HIGH if len(signals) >= 2 and strong else
                      MEDIUM if len(signals) >= 2 or support >= SUPPORT_RECORDS else LOW)
        return Verdict(SUSPECT, confidence, signals, _text(signals, len(found)))
    if signals:
        s = signals[0]
        return Verdict(VERIFY, MEDIUM if s.strength >= 2 else LOW, signals, _text(signals, len(found)))
    share = facts.inconsistent_records / facts.records if facts.records else 0.0
    if (facts.inconsistent_checks >= MIN_INCONSISTENT_CHECKS and facts.inconsistent_records >= MIN_RECORDS
            and share >= MIN_SHARE and share >= PEER_RATIO * peers.get(INCONSISTENT, 0.0)):
        return Verdict(VERIFY, LOW, [], f"未见编造迹象，但 {facts.inconsistent_records} 份手册（占 {share:.1%}）"
                                        f"在 {facts.inconsistent_checks} 项检查中有日期顺序或数值不合逻辑的问题，"
                                        "远多于同级单位，建议核实")
    judged = _judged(fab, facts)
    if not judged:
        return Verdict(UNKNOWN, "", [], "编造迹象各项检查都无法判断（记录太少或缺少所需数据）")
    coverage = judged / len(fab)
    confidence = HIGH if coverage >= 2 / 3 else MEDIUM if coverage >= 1 / 3 else LOW
    return Verdict(CLEAR, confidence, [], f"编造迹象 {len(fab)} 项检查中 {judged} 项能够判断，均未发现可疑")


def _text(signals: list[Signal], fired: int) -> str:
    parts = [f"{s.check_id} {s.title}（{'强' if s.strength >= STRONG else '中' if s.strength == 2 else '弱'}，{s.note}）"
             for s in signals]
    head = f"{len(signals)} 组相互独立的编造迹象" if len(signals) > 1 else "1 组编造迹象"
    extra = f"（共 {fired} 项检查可疑）" if fired > len(signals) else ""
    return f"{head}{extra}：" + "；".join(parts)
