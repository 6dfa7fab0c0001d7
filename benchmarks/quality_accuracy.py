"""Precision and recall of the quality scan against the demo's ground truth.

For each seed, builds the demo county into a throw-away SQLite database (seed 2012 = the demo with its
six canonical made-up townships; any other seed = a second synthetic county whose made-up townships are
drawn at random), runs the full quality scan for 2012Q1 and compares what it flags with
``PlantedFabrication`` (which the scan never reads).

    .venv/bin/python benchmarks/quality_accuracy.py --seeds 2012 7

Unit level: a township is *flagged* when a fabrication or verification check (§2, §4) fired for it or at
least 2 % of its records are suspect (§3); a stray implausible value is not an accusation. The report
checks (§1) judge the monthly reports, not the cards, and are left out.
"Right reason" means one of the checks that describe its kind of fabrication fired. Record level: the
suspect records against the records the generator touched.

``--verdict scan`` judges townships by the scan's own fabrication verdict instead (``quality.verdict``): a
township is flagged when its verdict is 疑似编造 or 需核实; its records are the suspect records of the flagged
townships. ``--verdict both`` (the default) reports both rules side by side.

    .venv/bin/python benchmarks/quality_accuracy.py --seeds 2012 7 --verdict scan
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import subprocess
import sys
import tempfile
from typing import Any

EXPECTED = {
    "burst": {"DQ-F01", "DQ-F05"},
    "no_antenatal": {"DQ-P09"},
    "child_ahead": {"DQ-C01", "DQ-C02", "DQ-C04"},
    "identical_child": {"DQ-F02", "DQ-F03", "DQ-F04", "DQ-F06", "DQ-F07"},
    "caesarean_as_vaginal": {"DQ-V01", "DQ-V02"},
    "implausible": {"DQ-P06", "DQ-P07", "DQ-P11", "DQ-P12"},
}
RECORD_KINDS = {"burst", "no_antenatal", "child_ahead", "implausible"}
UNIT_FAMILIES = ("DQ-F", "DQ-V")
SUSPECT_SHARE = 0.02


def _ratio(a: int, b: int) -> float | None:
    return round(a / b, 3) if b else None


def evaluate(seed: int) -> dict[str, Any]:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ducha.settings")
    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    from ducha.core.periods import quarter
    from ducha.demo import county as C
    from ducha.demo.models import PlantedFabrication
    from ducha.orgs.models import OrgUnit, OrgUnitKind
    from ducha.quality.actions import run_quality_scan
    from ducha.quality.models import CheckResult, SuspectRecord, UnitQualityScore

    with contextlib.redirect_stdout(io.StringIO()):
        call_command("demo", seed=seed)
    admin = get_user_model().objects.get(username="admin")
    run = run_quality_scan(actor=admin, period=quarter(2012, 1), root=OrgUnit.objects.get(code=C.COUNTY_CODE))
    towns = dict(OrgUnit.objects.filter(kind=OrgUnitKind.TOWNSHIP_CENTRE).values_list("pk", "short_name"))
    planted = dict(PlantedFabrication.objects.values_list("unit_code", "kind").distinct())
    planted_units = {pk for pk, _ in towns.items() if OrgUnit.objects.get(pk=pk).code in planted}
    kind_of = {pk: planted[OrgUnit.objects.get(pk=pk).code] for pk in planted_units}
    fired: dict[int, set[str]] = {}
    for unit_id, check_id in CheckResult.objects.filter(run=run, status="fired").values_list("unit_id", "check_id"):
        fired.setdefault(unit_id, set()).add(check_id)
    share = {u: (s / r if r else 0.0) for u, s, r in UnitQualityScore.objects.filter(run=run).values_list(
        "unit_id", "suspect_records", "records")}
    flagged = {pk for pk in towns
               if any(c.startswith(UNIT_FAMILIES) for c in fired.get(pk, ())) or share.get(pk, 0) >= SUSPECT_SHARE}
    right = {pk for pk in planted_units if EXPECTED[kind_of[pk]] & fired.get(pk, set())}
    ranked = [pk for pk, _ in UnitQualityScore.objects.filter(run=run, unit_id__in=towns)
              .order_by("score").values_list("unit_id", "score")]
    top = set(ranked[: len(planted_units)])
    suspects = set(SuspectRecord.objects.filter(run=run).values_list("record_type", "record_id"))
    truth_all = set(PlantedFabrication.objects.values_list("record_type", "record_id"))
    truth_records = set(PlantedFabrication.objects.filter(kind__in=RECORD_KINDS)
                        .values_list("record_type", "record_id"))
    rule = _scan_verdict(run, towns, planted_units, suspects, truth_all, truth_records)
    return {
        "seed": seed,
        "verdict_scan": rule,
        "planted": {towns[pk]: kind_of[pk] for pk in sorted(planted_units)},
        "flagged_clean": sorted(towns[pk] for pk in flagged - planted_units),
        "missed": sorted(towns[pk] for pk in planted_units - flagged),
        "units": {
            "precision": _ratio(len(flagged & planted_units), len(flagged)),
            "recall": _ratio(len(flagged & planted_units), len(planted_units)),
            "right_reason": _ratio(len(right), len(planted_units)),
            "precision_at_k": _ratio(len(top & planted_units), len(planted_units)),
            "lowest_scores": [towns[pk] for pk in ranked[: len(planted_units) + 2]],
        },
        "records": {
            "suspects": len(suspects),
            "planted": len(truth_records),
            "precision": _ratio(len(suspects & truth_all), len(suspects)),
            "recall": _ratio(len(suspects & truth_records), len(truth_records)),
        },
    }


def _scan_verdict(run: Any, towns: dict[int, str], planted: set[int], suspects: set[tuple[str, int]],
                  truth_all: set[tuple[str, int]], truth_records: set[tuple[str, int]]) -> dict[str, Any]:
    """Townships flagged by the scan's own verdict (疑似编造 or 需核实), and the suspect records in them."""
    from ducha.quality.models import SuspectRecord, UnitQualityScore, Verdict

    rows = UnitQualityScore.objects.filter(run=run, unit_id__in=towns)
    shown = {r.unit_id: r.get_verdict_display() + (f"（{r.confidence}）" if r.confidence else "") for r in rows}
    flagged = {r.unit_id for r in rows if r.verdict in (Verdict.SUSPECT, Verdict.VERIFY)}
    inside = set(SuspectRecord.objects.filter(run=run, unit_id__in=flagged).values_list("record_type", "record_id"))
    return {
        "verdicts": {towns[pk]: shown.get(pk, "") for pk in sorted(towns, key=lambda pk: towns[pk])},
        "flagged_clean": sorted(towns[pk] for pk in flagged - planted),
        "missed": sorted(towns[pk] for pk in planted - flagged),
        "units": {"precision": _ratio(len(flagged & planted), len(flagged)),
                  "recall": _ratio(len(flagged & planted), len(planted))},
        "records": {"suspects": len(inside), "precision": _ratio(len(inside & truth_all), len(inside)),
                    "recall": _ratio(len(inside & truth_records), len(truth_records)),
                    "all_suspects_recall": _ratio(len(suspects & truth_records), len(truth_records))},
    }


def _shown(result: dict[str, Any], verdict: str) -> dict[str, Any]:
    if verdict == "scan":
        return {"seed": result["seed"], "planted": result["planted"], **result["verdict_scan"]}
    if verdict == "rule":
        return {k: v for k, v in result.items() if k != "verdict_scan"}
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[2012, 7])
    parser.add_argument("--verdict", choices=["rule", "scan", "both"], default="both",
                        help="rule：§2/§4 任一可疑或 ≥ 2%% 手册可疑；scan：检查自己的编造判定（疑似编造或需核实）；both：两者")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one is not None:
        print(json.dumps(evaluate(args.one), ensure_ascii=False))
        return
    results = []
    for seed in args.seeds:
        with tempfile.TemporaryDirectory() as home:
            env = {k: v for k, v in os.environ.items() if not k.startswith("DUCHA_")} | {"DUCHA_HOME": home}
            out = subprocess.run([sys.executable, __file__, "--one", str(seed)], env=env, check=True,
                                 capture_output=True, text=True).stdout
            results.append(_shown(json.loads(out.strip().splitlines()[-1]), args.verdict))
    print(json.dumps(results, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
