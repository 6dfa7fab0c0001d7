"""Held-out accuracy of ``ducha quality scan`` on county B, a county built independently of the checks.

For every seed: build county B (benchmarks/county_b), import it into a throw-away DUCHA_HOME (SQLite) ONLY
through the CLI (``ducha migrate``, ``import-units``, ``import-reports``, ``import-registers``), run
``ducha quality scan --period 2012Q1 --out result.json`` and score the exported verdict against truth.json
with the naming rule: a township is named when any §2 (DQ-V…) or §4 (DQ-F…)
check is 可疑, or ≥ 2 % of its records are flagged by §3 (DQ-P…/DQ-C…) checks; §1 (DQ-R…) is not counted.
Records: suspect records (可疑记录) against the records the fakes touched. A second line judges townships by the
scan's own fabrication verdict (编造判定 in the export: 疑似编造 or 需核实, docs/quality-checks.md 判定方法).

    python benchmarks/county_b_accuracy.py --seeds 101,102,103 --holdout 201,202 [--json out.json]
    python benchmarks/county_b_accuracy.py --seeds 101 --holdout 201 --holdout-kinds 301,302,303
    python benchmarks/county_b_accuracy.py --seeds 101 --holdout 201 --holdout-kinds2 401,402,403

``--holdout-kinds``: a third group of seeds built with ``holdout_kinds=True`` — fabrication kinds and honest
oddities the checks were never tuned on (benchmarks/county_b/fakes_holdout.py, oddities_holdout.py), mixed
among the old ones. ``--holdout-kinds2``: a fourth group built with ``holdout_kinds2=True`` — a second set of
such kinds and oddities (fakes_holdout2.py, oddities_holdout2.py), written later and also never tuned on.
Each runs only when given.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.county_b.build import PERIOD, build  # noqa: E402

ADMIN, PASSWORD = "countyb", "county-b-admin-2012"
SHARE_S3 = 0.02
VERDICT_FLAGGED = ("疑似编造", "需核实")


def ducha(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DUCHA_")}
    env.update(DUCHA_HOME=str(home), DJANGO_SUPERUSER_PASSWORD=PASSWORD, COLUMNS="200")
    script = Path(sys.executable).with_name("ducha")
    cmd = [str(script)] if script.exists() else [sys.executable, "-m", "ducha.cli"]
    return subprocess.run([*cmd, *args], env=env, capture_output=True, text=True, cwd=home)


def must(result: subprocess.CompletedProcess[str], what: str) -> None:
    if result.returncode != 0:
        raise SystemExit(f"{what} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")


def import_county(seed: int, work: Path, townships: int, metadata: bool,
                  holdout_kinds: bool = False, holdout_kinds2: bool = False) -> tuple[dict[str, Any], dict[str, Any]]:
    """Build and import one county; return (truth, scan JSON). Falls back when a column is not importable."""
    home, data = work / "home", work / "data"
    home.mkdir(parents=True, exist_ok=True)
    must(ducha(home, "migrate", "--noinput"), "ducha migrate")
    must(ducha(home, "createsuperuser", "--noinput", "--username", ADMIN, "--email", "b@example.org"), "createsuperuser")
    submission = metadata
    truth = build(seed, data, townships, None, metadata, submission, holdout_kinds, holdout_kinds2)
    must(ducha(home, "import-units", str(data / "units.xlsx")), "import-units")
    result = ducha(home, "import-reports", str(data / "reports"))
    if result.returncode != 0 and "报送时间" in result.stdout + result.stderr and submission:
        shutil.rmtree(data)   # this ducha's report import has no 报送时间 column yet
        truth = build(seed, data, townships, None, metadata, False, holdout_kinds, holdout_kinds2)
        result = ducha(home, "import-reports", str(data / "reports"))
    must(result, "import-reports")
    result = ducha(home, "import-registers", str(data / "registers"))
    if result.returncode != 0 and "录入时间" in result.stdout + result.stderr and metadata:
        raise SystemExit("this ducha's register import does not take 录入时间/录入人/修改时间; "
                         "run with --no-entry-metadata\n" + result.stdout[-2000:])
    must(result, "import-registers")
    out = work / "result.json"
    must(ducha(home, "quality", "scan", "--period", PERIOD, "--out", str(out)), "ducha quality scan")
    return truth, json.loads(out.read_text(encoding="utf-8"))


def section(check_id: str) -> str:
    return {"V": "2", "F": "4", "P": "3", "C": "3", "R": "1"}.get(check_id.removeprefix("DQ-")[:1], "?")


def score(truth: dict[str, Any], scan: dict[str, Any]) -> dict[str, Any]:
    units = {u["单位编码"]: u for u in scan["单位得分"]}
    fired: dict[str, list[str]] = {}
    for r in scan["检查结果"]:
        if r["结果"] == "可疑" and section(r["检查编号"]) in ("2", "4"):
            fired.setdefault(r["单位编码"], []).append(r["检查编号"])
    code_of = {t["name"]: t["code"] for t in truth["townships"]}
    suspects: dict[str, set[str]] = {}
    s3: dict[str, set[str]] = {}
    seen: dict[str, dict[str, set[str]]] = {}   # township -> check -> records it hit (to explain misses)
    for r in scan["可疑记录"]:
        code = code_of.get(r["单位"], r["手册编号"].split("-")[0])
        suspects.setdefault(code, set()).add(r["手册编号"])
        if any(section(c) == "3" for c in r["命中检查"].split("、")):
            s3.setdefault(code, set()).add(r["手册编号"])
        for c in r["命中检查"].split("、"):
            seen.setdefault(code, {}).setdefault(c, set()).add(r["手册编号"])
    rows, misses = [], []
    tp = fp = fn = tn = 0
    rec_tp = rec_suspect = rec_touched = 0
    per_kind: dict[str, list[int]] = {}
    per_oddity: dict[str, list[int]] = {}   # honest townships with a note: named / all
    for t in truth["townships"]:
        code = t["code"]
        n_records = int(units.get(code, {}).get("手册数") or (t["pregnancies"] + t["children"]))
        share = len(s3.get(code, ())) / max(n_records, 1)
        named = bool(fired.get(code)) or share >= SHARE_S3
        touched = {r for recs in t["records"].values() for r in recs}
        found = suspects.get(code, set())
        rec_tp += len(found & touched)
        rec_suspect += len(found)
        rec_touched += len(touched)
        for kind, recs in t["records"].items():
            k = per_kind.setdefault(kind, [0, 0, 0, 0])   # townships named / fabricating, records found / touched
            k[0] += named
            k[1] += 1
            k[2] += len(set(recs) & found)
            k[3] += len(recs)
        if t["fabricating"]:
            tp, fn = tp + named, fn + (not named)
            if not named:
                misses.append({"township": f"{code} {t['name']}", "miss": "township not named",
                               "kinds": t["kinds"], "checks_fired": [], "s3_share": round(share, 3),
                               "record_checks": {c: len(v) for c, v in sorted(seen.get(code, {}).items())}})
            for kind, recs in t["records"].items():
                lost = sorted(set(recs) - found)
                if lost:
                    misses.append({"township": f"{code} {t['name']}", "miss": f"{len(lost)}/{len(recs)} records",
                                   "kinds": [kind], "examples": lost[:5]})
        else:
            fp, tn = fp + named, tn + (not named)
            if t["note"]:
                o = per_oddity.setdefault(t["note"], [0, 0])
                o[0], o[1] = o[0] + named, o[1] + 1
            if named:
                misses.append({"township": f"{code} {t['name']}", "miss": "honest township named",
                               "kinds": [], "note": t["note"], "checks_fired": sorted(set(fired.get(code, []))),
                               "s3_share": round(share, 3)})
        rows.append({"code": code, "name": t["name"], "fabricating": t["fabricating"], "kinds": t["kinds"],
                     "named": named, "checks_fired": sorted(set(fired.get(code, []))), "s3_share": round(share, 3),
                     "suspects": len(found), "touched": len(touched), "found": len(found & touched), "note": t["note"]})
    return {"townships": rows, "confusion": {"tp": tp, "fp": fp, "fn": fn, "tn": tn},
            "verdict_confusion": verdict_confusion(truth, units),
            "records": {"tp": rec_tp, "suspect": rec_suspect, "touched": rec_touched},
            "per_kind": per_kind, "per_oddity": per_oddity, "misses": misses,
            "entry_metadata": truth["entry_metadata"],
            "submission_time": truth["submission_time"]}


def verdict_confusion(truth: dict[str, Any], units: dict[str, dict[str, Any]]) -> dict[str, int]:
    """Townships by the scan's own fabrication verdict (编造判定 疑似编造 or 需核实 in the export), not the rule above."""
    c = {"tp": 0, "fp": 0, "fn": 0, "tn": 0}
    for t in truth["townships"]:
        flagged = units.get(t["code"], {}).get("编造判定") in VERDICT_FLAGGED
        c[("tp" if flagged else "fn") if t["fabricating"] else ("fp" if flagged else "tn")] += 1
    return c


def ratios(c: dict[str, int], r: dict[str, int]) -> dict[str, float | None]:
    def div(a: int, b: int) -> float | None:
        return round(a / b, 3) if b else None
    return {"township_precision": div(c["tp"], c["tp"] + c["fp"]), "township_recall": div(c["tp"], c["tp"] + c["fn"]),
            "record_precision": div(r["tp"], r["suspect"]), "record_recall": div(r["tp"], r["touched"])}


def summed(results: list[dict[str, Any]]) -> dict[str, Any]:
    c = {k: sum(x["confusion"][k] for x in results) for k in ("tp", "fp", "fn", "tn")}
    vc = {k: sum(x.get("verdict_confusion", {}).get(k, 0) for x in results) for k in ("tp", "fp", "fn", "tn")}
    r = {k: sum(x["records"][k] for x in results) for k in ("tp", "suspect", "touched")}
    kinds: dict[str, list[int]] = {}
    oddities: dict[str, list[int]] = {}
    for x in results:
        for kind, v in x["per_kind"].items():
            kinds[kind] = [a + b for a, b in zip(kinds.get(kind, [0, 0, 0, 0]), v, strict=True)]
        for note, v in x["per_oddity"].items():
            oddities[note] = [a + b for a, b in zip(oddities.get(note, [0, 0]), v, strict=True)]
    return {"confusion": c, "verdict_confusion": vc, "records": r, **ratios(c, r), "per_kind": kinds,
            "per_oddity": oddities}


def report(label: str, res: dict[str, Any]) -> None:
    c = res["confusion"]
    print(f"  {label}: 乡镇 precision {res['township_precision']} recall {res['township_recall']}；"
          f"手册 precision {res['record_precision']} recall {res['record_recall']}")
    print(f"    混淆表（乡镇）  被点名/编造 {c['tp']}  被点名/诚实 {c['fp']}  未点名/编造 {c['fn']}  未点名/诚实 {c['tn']}；"
          f"手册 命中 {res['records']['tp']} / 可疑 {res['records']['suspect']} / 被改动 {res['records']['touched']}")
    v = res.get("verdict_confusion")
    if v and sum(v.values()):
        vr = ratios(v, res["records"])
        print(f"    按检查自己的编造判定（疑似编造或需核实）：乡镇 precision {vr['township_precision']} "
              f"recall {vr['township_recall']}（{v['tp']} / {v['fp']} / {v['fn']} / {v['tn']}）")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", default="101,102,103", help="tuning seeds")
    parser.add_argument("--holdout", default="201,202", help="held-out seeds (never look at them while tuning)")
    parser.add_argument("--holdout-kinds", default="",
                        help="seeds built with the fabrication kinds and honest oddities held out from tuning "
                             "(e.g. 301,302,303); not run unless given")
    parser.add_argument("--holdout-kinds2", default="",
                        help="seeds built with the second group of held-out fabrication kinds and honest oddities "
                             "(e.g. 401,402,403); not run unless given")
    parser.add_argument("--townships", type=int, default=16)
    parser.add_argument("--no-entry-metadata", action="store_true")
    parser.add_argument("--keep", type=Path, default=None, help="keep each county's data and home under this folder")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)
    from benchmarks.county_b.fakes_holdout import HOLDOUT_KINDS
    from benchmarks.county_b.fakes_holdout2 import ALL_KINDS as KINDS
    from benchmarks.county_b.fakes_holdout2 import HOLDOUT2_KINDS

    out: dict[str, Any] = {"period": PERIOD, "groups": {}}
    groups = [("tuning", args.seeds), ("holdout", args.holdout)]
    if args.holdout_kinds:
        groups.append(("holdout_kinds", args.holdout_kinds))
    if args.holdout_kinds2:
        groups.append(("holdout_kinds2", args.holdout_kinds2))
    for group, seeds in groups:
        results = []
        print(f"== {group} ==")
        for seed in [int(s) for s in seeds.split(",") if s.strip()]:
            work = Path(tempfile.mkdtemp(prefix=f"county_b_{seed}_", dir=args.keep))
            try:
                truth, scan = import_county(seed, work, args.townships, not args.no_entry_metadata,
                                            group == "holdout_kinds", group == "holdout_kinds2")
            finally:
                if args.keep is None:
                    shutil.rmtree(work, ignore_errors=True)
            res = score(truth, scan)
            res.update(ratios(res["confusion"], res["records"]), seed=seed)
            results.append(res)
            report(f"seed {seed}（录入信息 {'有' if res['entry_metadata'] else '无'}，"
                   f"报送时间 {'有' if res['submission_time'] else '无'}）", res)
            for m in res["misses"]:
                kinds = "、".join(KINDS[k] for k in m["kinds"]) or m.get("note") or "诚实"
                detail = m.get("checks_fired") or m.get("examples") or ""
                if m["miss"] == "township not named":
                    detail = "；手册层面命中 " + ("、".join(f"{c}×{n}" for c, n in m["record_checks"].items()) or "无")
                print(f"    漏/错 {m['township']}：{m['miss']}（{kinds}）{detail if detail else ''}"
                      + (f" §3 占比 {m['s3_share']}" if "s3_share" in m else ""))
        total = summed(results)
        report(f"{group} 合计", total)
        for kind, (named, n, found, touched) in sorted(total["per_kind"].items()):
            new = "（未调校的新方式）" if kind in HOLDOUT_KINDS else "（未调校的新方式，第二组）" if kind in HOLDOUT2_KINDS else ""
            print(f"    {KINDS[kind]}{new}：乡镇被点名 {named}/{n}，手册找到 {found}/{touched}")
        for note, (named, n) in sorted(total["per_oddity"].items()):
            print(f"    诚实乡镇“{note}”：被点名 {named}/{n}")
        out["groups"][group] = {"seeds": results, "total": total}
    if args.json:
        args.json.write_text(json.dumps(out, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
