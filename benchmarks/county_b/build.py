"""Build synthetic county B: ``python -m benchmarks.county_b.build --seed N --out DIR``.

Writes, in the public import formats only (docs/import-template.md, docs/registers-import.md):
  DIR/units.xlsx                      org units (county B00 + townships) for ``ducha import-units``
  DIR/reports/*.xlsx                  monthly reports 2011-01..2012-03 for ``ducha import-reports``
  DIR/registers/*.xlsx                pregnancy and child registers for ``ducha import-registers``
  DIR/truth.json                      which townships are honest or fabricating, how, and the records touched
Written independently of ducha's demo generator and quality checks; imports nothing from ducha.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np
from benchmarks.county_b import fakes, fakes_holdout, fakes_holdout2, oddities_holdout, oddities_holdout2
from benchmarks.county_b.builder import build_children, build_pregnancies, stamp_entry
from benchmarks.county_b.habits import Habits, township_habits
from benchmarks.county_b.reports import report_rows
from benchmarks.county_b.writer import write_registers, write_reports, write_units

COUNTY = ("B00", "丙县（合成）")
PERIOD = "2012Q1"


def build(seed: int, out: Path, townships: int = 16, fabricating: int | None = None,
          metadata: bool = True, submission_time: bool | None = None, holdout_kinds: bool = False,
          holdout_kinds2: bool = False) -> dict[str, Any]:
    """One county. ``holdout_kinds`` mixes the held-out fabrication kinds and honest oddities in (off: as before);
    ``holdout_kinds2`` the second held-out group instead (fakes_holdout2.py, oddities_holdout2.py)."""
    if holdout_kinds and holdout_kinds2:
        raise ValueError("holdout_kinds and holdout_kinds2 are two separate groups: choose one")
    rng = np.random.default_rng(seed)
    submission_time = metadata if submission_time is None else submission_time
    n_fab = townships // 2 if fabricating is None else fabricating
    units = township_habits(rng, townships, townships - n_fab)
    assign = fakes_holdout2.assign_kinds if holdout_kinds2 else (
        fakes_holdout.assign_kinds if holdout_kinds else fakes.assign_kinds)
    for i, kinds in enumerate(assign(rng, n_fab)):
        units[townships - n_fab + i].kinds = kinds
    odd = oddities_holdout2 if holdout_kinds2 else oddities_holdout
    oddity = _holdout_oddities(units[:townships - n_fab], odd.ODDITIES) if holdout_kinds or holdout_kinds2 else {}
    order = rng.permutation(townships)
    units = [units[int(i)] for i in order]
    for i, u in enumerate(units):
        u.code = f"B{i + 1:02d}"
    (out / "reports").mkdir(parents=True, exist_ok=True)
    (out / "registers").mkdir(parents=True, exist_ok=True)
    write_units(out / "units.xlsx", COUNTY, units)
    truth: dict[str, Any] = {"seed": seed, "period": PERIOD, "county": COUNTY[0], "entry_metadata": metadata,
                             "submission_time": submission_time,
                             "kinds": fakes_holdout2.ALL_KINDS if holdout_kinds2 else
                             fakes_holdout.ALL_KINDS if holdout_kinds else fakes.KINDS, "townships": []}
    if holdout_kinds:
        truth["holdout_kinds"] = list(fakes_holdout.HOLDOUT_KINDS)
        truth["oddities"] = oddities_holdout.ODDITIES
    if holdout_kinds2:
        truth["holdout_kinds2"] = list(fakes_holdout2.HOLDOUT2_KINDS)
        truth["oddities"] = oddities_holdout2.ODDITIES
    all_fakes = {**fakes.FAKES, **fakes_holdout.HOLDOUT_FAKES, **fakes_holdout2.HOLDOUT2_FAKES}
    for u in units:
        preg = build_pregnancies(rng, u)
        kids = build_children(rng, u, preg)
        for key in oddity.get(u.name, []):
            odd.BEFORE_ENTRY.get(key, _no_oddity)(rng, u, preg, kids)
        stamp_entry(rng, u, preg, kids)
        for key in oddity.get(u.name, []):
            odd.AFTER_ENTRY.get(key, _no_oddity)(rng, u, preg, kids)
        adjust: dict[tuple[str, str], int] = {}
        touched: dict[str, list[str]] = {}
        for kind in u.kinds:
            touched[kind] = sorted(all_fakes[kind](rng, u, preg, kids, adjust))
        fakes.fix_order(preg, kids)
        kids = [c for c in kids if c["_exams"]]
        if holdout_kinds or holdout_kinds2:   # a later kind may have taken a card out of the register
            present = {p["手册编号"] for p in preg} | {c["手册编号"] for c in kids}
            touched = {kind: [r for r in recs if r in present] for kind, recs in touched.items()}
        write_reports(out / "reports" / f"{u.code}_{u.name}_月报.xlsx", u, report_rows(rng, u, preg, kids, adjust),
                      submission_time)
        write_registers(out / "registers", u, preg, kids, metadata)
        habits = {k: v for k, v in asdict(u).items() if k not in ("staff", "examiners", "kinds")}
        truth["townships"].append({
            "code": u.code, "name": u.name, "fabricating": bool(u.kinds), "kinds": u.kinds, "records": touched,
            "note": u.note, "pregnancies": len(preg), "children": len(kids),
            "visits": sum(len(p["_visits"]) for p in preg),
            "postpartum": sum(len(p["_postpartum"]) for p in preg), "exams": sum(len(c["_exams"]) for c in kids),
            "habits": habits,
        })
        if holdout_kinds or holdout_kinds2:
            truth["townships"][-1]["oddities"] = oddity.get(u.name, [])
    (out / "truth.json").write_text(json.dumps(truth, ensure_ascii=False, indent=1, default=str), encoding="utf-8")
    return truth


def _no_oddity(*_args: Any) -> None:
    return None


def _holdout_oddities(honest: list[Habits], oddities: dict[str, str]) -> dict[str, list[str]]:
    """Held-out honest oddities go to honest units without one, then (small counties) on top of an old one."""
    plain = [u for u in honest if not u.note] + [u for u in honest if u.note]
    out: dict[str, list[str]] = {}
    for i, key in enumerate(oddities if honest else []):
        u = plain[i % len(plain)]
        out.setdefault(u.name, []).append(key)
        u.note = "；".join(x for x in (u.note, oddities[key]) if x)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seed", type=int, default=101)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--townships", type=int, default=16)
    parser.add_argument("--fabricating", type=int, default=None, help="default: half of the townships")
    parser.add_argument("--no-entry-metadata", action="store_true",
                        help="leave out 录入时间/录入人/修改时间 (registers) and 报送时间 (reports)")
    parser.add_argument("--no-submission-time", action="store_true",
                        help="leave out only 报送时间 of the monthly reports (for a ducha whose report import lacks it)")
    parser.add_argument("--holdout-kinds", action="store_true",
                        help="mix in the fabrication kinds and honest oddities held out from tuning "
                             "(fakes_holdout.py, oddities_holdout.py)")
    parser.add_argument("--holdout-kinds2", action="store_true",
                        help="mix in the second group of held-out fabrication kinds and honest oddities "
                             "(fakes_holdout2.py, oddities_holdout2.py) instead")
    args = parser.parse_args(argv)
    if args.holdout_kinds and args.holdout_kinds2:
        parser.error("--holdout-kinds 与 --holdout-kinds2 是两组，只能选一个")
    metadata = not args.no_entry_metadata
    truth = build(args.seed, args.out, args.townships, args.fabricating, metadata,
                  metadata and not args.no_submission_time, args.holdout_kinds, args.holdout_kinds2)
    for t in truth["townships"]:
        kinds = "、".join(truth["kinds"][k] for k in t["kinds"]) or "诚实"
        print(f"{t['code']} {t['name']}: {kinds}；手册 {t['pregnancies']}+{t['children']}，"
              f"被改动 {sum(len(v) for v in t['records'].values())} {t['note']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
