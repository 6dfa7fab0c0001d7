"""Runs the check catalogue over one scan's tables and collects results, never raising on odd data.

Each check's Ibis expression is executed by DuckDB and its rows turned into results with Chinese
evidence. Group checks give one result per unit (or per operator/batch within a unit); record checks
give suspect records plus one result per unit; a check that cannot judge a unit says why (无法判断).
A check with ``habit=True`` whose units share a signal adds one county-habit result for the scan's root
(``checks.base`` docstring); ``run_checks(root=…)`` names that unit (default: the first unit judged).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import ibis

from ducha.quality.checks.base import (
    FIRED,
    HABIT,
    METHOD_MARK,
    PASSED,
    UNDECIDED,
    Check,
    Labels,
    ScanData,
    catalogue,
    fmt,
    undecided_text,
)

logger = logging.getLogger(__name__)
EVIDENCE_RECORDS = 50
TEXT_RECORDS = 5
RECORD_TABLES = {"pregnancy": "pregnancies", "child": "children"}


@dataclass
class Result:
    check_id: str
    unit_id: int
    subject: str
    status: str
    measured: float | None
    threshold: float | None
    n: int | None
    evidence: dict[str, Any]
    text: str


@dataclass
class Hit:
    record_type: str
    record_id: int
    unit_id: int
    check_id: str
    text: str
    weight: int = 0  # this hit's share of the record's risk weight; 0 = the check's severity (``hit_weight``)


@dataclass
class Outcome:
    results: list[Result] = field(default_factory=list)
    hits: list[Hit] = field(default_factory=list)
    records: dict[tuple[int, str], int] = field(default_factory=dict)


def jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return None
    if hasattr(value, "item"):  # numpy scalars
        return jsonable(value.item())
    return value


def _number(value: Any) -> float | None:
    return None if value is None or (isinstance(value, float) and not math.isfinite(value)) else float(value)


def subject_label(subject: str, labels: Labels) -> str:
    """Operator ``#<user id>`` and batch ``batch:<id>`` keys as names a person reads."""
    if subject.startswith("#") and subject[1:].isdigit():
        return "录入人 " + labels.users.get(int(subject[1:]), subject)
    if subject.startswith("batch:") and subject[6:].isdigit():
        return "导入批次 " + labels.batches.get(int(subject[6:]), subject)
    return subject


def _rows(con: Any, expr: Any) -> list[dict[str, Any]]:
    return list(con.to_pyarrow(expr).to_pylist())


def _explain(check: Check, row: dict[str, Any], labels: Labels) -> str:
    if row.get("status") == UNDECIDED:
        return undecided_text(row, check.params(), check.minimum())
    return check.explain(row, check.params(), labels)


def group_results(check: Check, rows: list[dict[str, Any]], labels: Labels) -> list[Result]:
    out = []
    for row in rows:
        subject = subject_label(str(row.get("subject") or ""), labels)
        text = _explain(check, row, labels)
        out.append(Result(check.id, int(row["unit_id"]), subject, str(row["status"]), _number(row.get("measured")),
                          _number(row.get("threshold")), None if row.get("n") is None else int(row["n"]),
                          jsonable(row), text))
    return out


def record_results(check: Check, hits: list[Hit], records: dict[tuple[int, str], int], units: Iterable[int],
                   labels: Labels) -> list[Result]:
    """One result per unit for a record check: how many of its records were flagged, with examples."""
    by_unit: dict[int, list[Hit]] = {}
    for hit in hits:
        by_unit.setdefault(hit.unit_id, []).append(hit)
    out = []
    for unit_id in units:
        n = records.get((unit_id, check.record_type), 0)
        found = by_unit.get(unit_id, [])
        flagged = len({h.record_id for h in found})
        if not n and not found:
            out.append(Result(check.id, unit_id, "", UNDECIDED, None, 0.0, 0, {"reason": "nodata"},
                              "无法判断：没有记录"))
            continue
        shown = "；".join(f"{labels.record(h.record_type, h.record_id)}：{h.text}" for h in found[:TEXT_RECORDS])
        more = f"等 {len(found)} 处" if len(found) > TEXT_RECORDS else ""
        text = f"{flagged} 份手册有此问题（共 {n} 份）：{shown}{more}" if found else f"{n} 份手册均未发现此问题"
        evidence = {"records": n, "flagged": flagged,
                    "examples": [{"record_id": h.record_id, "text": h.text} for h in found[:EVIDENCE_RECORDS]]}
        out.append(Result(check.id, unit_id, "", FIRED if found else PASSED, float(flagged), 0.0, n, evidence, text))
    return out


def hit_weight(severity: int, risk: Any) -> int:
    """A record's weight from one check: the check's severity, plus one point for each doubling of the record's own
    evidence (``risk``: values on preferred digits, exact-schedule events, repeated combinations — the column an
    ``implicate`` may return), at most doubling the severity: 2 heaped values add 1, 4 add 2."""
    if not isinstance(risk, int | float) or not math.isfinite(risk) or risk < 2:
        return severity
    return severity + min(severity, int(math.log2(risk)))


def _hits(check: Check, rows: list[dict[str, Any]], labels: Labels, record_type: str,
          explain: Callable[..., str]) -> list[Hit]:
    params, severity = check.params(), check.weight()
    return [Hit(str(row.get("record_type") or record_type), int(row["record_id"]), int(row["unit_id"]), check.id,
                explain(row, params, labels), hit_weight(severity, row.get("risk"))) for row in rows]


def habit_result(check: Check, rows: list[dict[str, Any]], labels: Labels, root: int) -> Result | None:
    """The one county-habit row of a check whose units share a signal, or None."""
    if not check.habit or check.explain_habit is None:
        return None
    shared = [r for r in rows if r.get("county_habit")]
    if not shared:
        return None
    row = next((r for r in shared if r.get("habit_spared")), shared[0])
    params = check.params()
    units, judged = int(row.get("habit_units") or 0), int(row.get("peer_units") or 0)
    share = units / judged if judged else None
    spared = sorted(labels.unit(r["unit_id"]) for r in shared if r.get("habit_spared"))
    kept = sorted(labels.unit(r["unit_id"]) for r in shared if r.get("status") == FIRED)
    text = (f"全县 {units}/{judged} 个单位{check.explain_habit(row, params, labels)}：是全县的习惯，不作为各单位的问题"
            + (f"；其中偏离同级单位的 {'、'.join(kept)} 仍判为可疑" if kept else "")
            + f"{METHOD_MARK}超出参考值的单位占 {units}/{judged}，达到 habit_share = {params.get('habit_share')}；"
              f"同级中位数 {fmt(row.get('peer_median'), 2)}，同级稳健标准差 {fmt(row.get('peer_sd'), 2)}")
    evidence = {"habit_units": units, "peer_units": judged, "share": share, "peer_median": row.get("peer_median"),
                "peer_sd": row.get("peer_sd"), "spared": spared, "kept": kept}
    return Result(check.id, root, "", HABIT, share, _number(params.get("habit_share")), judged, jsonable(evidence),
                  text)


def run_check(con: Any, check: Check, data: ScanData, outcome: Outcome, units: list[int],
              root: int | None = None) -> None:
    params, min_n = check.params(), check.minimum()
    if check.is_record_check:
        hits = _hits(check, _rows(con, check.build(data, params, min_n)), data.labels, check.record_type,
                     check.explain)
        outcome.hits += hits
        outcome.results += record_results(check, hits, outcome.records, units, data.labels)
        return
    rows = _rows(con, check.build(data, params, min_n))
    results = group_results(check, rows, data.labels)
    outcome.results += results
    county = habit_result(check, rows, data.labels, root if root is not None else (units[0] if units else 0))
    if county is not None:
        outcome.results.append(county)
    if check.implicate is not None and check.explain_record is not None:
        fired = {r.unit_id for r in results if r.status == FIRED}
        rows = [r for r in _rows(con, check.implicate(data, params, min_n)) if int(r["unit_id"]) in fired]
        outcome.hits += _hits(check, rows, data.labels, "", check.explain_record)
    seen = {r.unit_id for r in results}
    outcome.results += [Result(check.id, u, "", UNDECIDED, None, None, 0, {"reason": "nodata"}, "无法判断：没有可判断的数据")
                        for u in units if u not in seen]


def record_counts(con: Any, data: ScanData) -> dict[tuple[int, str], int]:
    counts: dict[tuple[int, str], int] = {}
    for kind, name in RECORD_TABLES.items():
        t = data[name]
        for row in _rows(con, t.group_by("unit_id").agg(n=t.count())):
            counts[(int(row["unit_id"]), kind)] = int(row["n"])
    return counts


def run_checks(data: ScanData, units: list[int], *, checks: list[Check] | None = None,
               progress: Callable[[Check], None] | None = None, root: int | None = None) -> Outcome:
    con = ibis.duckdb.connect()
    outcome = Outcome(records=record_counts(con, data))
    for check in checks if checks is not None else catalogue():
        if progress is not None:
            progress(check)
        try:
            run_check(con, check, data, outcome, units, root)
        except Exception as exc:  # the one place a failing check is caught: the scan reports it and goes on
            logger.exception("quality check %s failed", check.id)
            outcome.results = [r for r in outcome.results if r.check_id != check.id]
            outcome.hits = [h for h in outcome.hits if h.check_id != check.id]
            outcome.results += [Result(check.id, u, "", UNDECIDED, None, None, None, {"reason": "error"},
                                       f"无法判断：检查出错（{type(exc).__name__}）") for u in units]
    return outcome
