"""The full quality scan at county and province scale: wall time and peak memory, stage by stage.

Builds (or reuses) a synthetic database with ``synth_registers.py``, then runs two fresh processes on it:

1. **stages** — the scan's steps timed one by one, as ``ducha.quality.actions.run_quality_scan`` runs
   them: the Arrow extraction of the registers from the store (``quality.store.register_tables``, without
   the z-scores), the WHO z-scores (``compute_zscores``), the other scan inputs (reports, submissions,
   the register-vs-report verification table, labels), the checks (``quality.engine.run_checks``, with
   the slowest checks named), scoring and storing the results (one transaction);
2. **full** — ``run_quality_scan`` itself, end to end, for the quarter over the root: the figure the
   requirement is about (< 2 minutes, < 8 GiB at province scale on the 2-core machine).

Peak memory is each process's maximum resident set (``getrusage``; for the child processes read with
``os.wait4``), so the build, the stages and the full scan are measured apart.

    python benchmarks/bench_scan.py --scale county                     # builds /tmp/bench-county
    python benchmarks/bench_scan.py --scale province --json scan.json  # builds /tmp/bench-province (~2.5 min)
    python benchmarks/bench_scan.py --scale province --reuse           # scan an existing build again
    python benchmarks/bench_scan.py --scale province --reuse --all-exams  # also: every exam → Arrow → z-scores
    DUCHA_DATABASE_URL=postgresql://postgres@127.0.0.1:PORT/postgres \\
        python benchmarks/bench_scan.py --scale province --home /tmp/bench-pg --wipe-postgres
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time
from typing import Any

HERE = os.path.dirname(os.path.abspath(__file__))


def peak_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def rss_mb() -> float:
    with open("/proc/self/statm", encoding="ascii") as statm:
        return round(int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20, 1)


def run_child(argv: list[str]) -> tuple[dict[str, Any], float, float]:
    """Run a Python child, return its last JSON line, wall seconds and peak RSS (MB, from ``wait4``)."""
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, *argv], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    out = proc.stdout.read()
    _pid, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"子进程失败（退出码 {proc.returncode}）：{' '.join(argv)}")
    text = out.strip()
    start = text.rfind("\n{") + 1 if not text.startswith("{") else 0
    return json.loads(text[start:]), round(wall, 2), round(usage.ru_maxrss / 1024, 1)


# ---- inside the child processes ------------------------------------------------------------------------------

def _setup(home: str) -> None:
    sys.path.insert(0, HERE)
    from synth_registers import setup_django

    setup_django(home)


def _context(root_code: str | None, period_code: str) -> tuple[Any, Any, Any]:
    from django.contrib.auth import get_user_model

    from ducha.core.periods import parse_period
    from ducha.orgs.models import OrgUnit

    actor = get_user_model().objects.filter(is_superuser=True).order_by("pk").first()
    root = OrgUnit.objects.get(code=root_code) if root_code else OrgUnit.objects.filter(parent=None).first()
    return actor, root, parse_period(period_code)


def stages(home: str, root_code: str | None, period_code: str, all_exams: bool = False) -> dict[str, Any]:
    _setup(home)
    import ibis
    from django.db import transaction
    from django.utils import timezone

    from ducha.quality import actions, store
    from ducha.quality.checks.base import ScanData, catalogue
    from ducha.quality.engine import run_checks
    from ducha.quality.scoring import score_units

    actor, root, period = _context(root_code, period_code)
    out: dict[str, Any] = {"root": root.code, "period": period.code, "stages": {}}
    marks: dict[str, dict[str, float]] = out["stages"]
    z_seconds = [0.0]
    original = store.compute_zscores

    def timed_zscores(frame: Any) -> Any:
        t = time.perf_counter()
        result = original(frame)
        z_seconds[0] += time.perf_counter() - t
        return result

    store.compute_zscores = timed_zscores  # type: ignore[assignment]
    clock = [time.perf_counter()]

    def mark(name: str, seconds: float | None = None) -> None:
        now = time.perf_counter()
        marks[name] = {"seconds": round(seconds if seconds is not None else now - clock[0], 2), "rss_mb": rss_mb(),
                       "peak_mb": peak_mb()}
        clock[0] = now

    started = time.perf_counter()
    units = actions.scanned_units(actor, root)
    checks = catalogue()
    today = timezone.localdate()
    mark("units")
    arrow = store.register_tables(units, period)
    mark("registers (store → Arrow, incl. z-scores)")
    marks["  of which z-scores"] = {"seconds": round(z_seconds[0], 2), "rows": arrow["exams"].num_rows}
    arrow |= {"units": store.units_table(units), "reports": store.reports_table(units, period),
              "expected_reports": store.expected_reports_table(units, period, today),
              "submissions": store.submissions_table(units, period),
              "core_elements": store.core_elements_table(units, actions.core_elements()),
              "holidays": store.holidays_table(period)}
    mark("reports, submissions")
    arrow["register_vf"] = store.vf_table(actor, units, period, root)
    mark("register indicators (VF)")
    arrow["entries"] = store.entries_table(arrow)
    labels = store.labels_for(units, arrow)
    data = ScanData(tables={k: ibis.memtable(v) for k, v in arrow.items()}, period=period, labels=labels, today=today)
    mark("entries, labels")
    out["rows"] = {k: v.num_rows for k, v in arrow.items()}
    ids = [u.pk for u in units]
    per_check: dict[str, float] = {}
    last = [time.perf_counter(), ""]

    def progress(check: Any) -> None:
        now = time.perf_counter()
        if last[1]:
            per_check[str(last[1])] = now - float(last[0])
        last[0], last[1] = now, check.id

    outcome = run_checks(data, ids, checks=checks, progress=progress)
    per_check[str(last[1])] = time.perf_counter() - float(last[0])
    mark("checks (engine)")
    out["slowest_checks"] = {k: round(v, 2) for k, v in sorted(per_check.items(), key=lambda kv: -kv[1])[:8]}
    scores = score_units(outcome, checks, ids)
    mark("scoring")
    with transaction.atomic():
        from ducha.quality.models import QualityRun

        run = QualityRun.objects.create(period=period.code, root=root, created_by=actor, started_at=timezone.now(),
                                        finished_at=timezone.now(), settings={}, summary={})
        actions._store(run, outcome, scores, checks, labels.records)
    mark("storing results")
    out["total_seconds"] = round(time.perf_counter() - started, 2)
    if all_exams:  # not part of the scan: every exam in the store, extracted and z-scored
        from ducha.registers.models import ChildExam

        z_seconds[0] = 0.0
        exams = store.arrow_of(ChildExam.objects.all(), store.EXAM)
        mark("all exams: store → Arrow")
        frame = store.exam_frame(store._in_period(store._with_local_date(exams), "exam_on", period))
        mark("all exams: z-scores (incl. to/from pandas)")
        marks["  of which compute_zscores"] = {"seconds": round(z_seconds[0], 2), "rows": frame.num_rows}
    out["results"] = {"units": len(ids), "results": len(outcome.results), "hits": len(outcome.hits),
                      "fired": sum(1 for r in outcome.results if r.status == "fired")}
    out["peak_mb"] = peak_mb()
    return out


def full(home: str, root_code: str | None, period_code: str) -> dict[str, Any]:
    t_import = time.perf_counter()
    _setup(home)
    from ducha.quality.actions import run_quality_scan

    actor, root, period = _context(root_code, period_code)
    setup_seconds = time.perf_counter() - t_import
    t0 = time.perf_counter()
    run = run_quality_scan(actor=actor, period=period, root=root)
    seconds = time.perf_counter() - t0
    return {"root": root.code, "period": period.code, "seconds": round(seconds, 2),
            "startup_seconds": round(setup_seconds, 2), "summary": run.summary, "peak_mb": peak_mb()}


# ---- the driver ----------------------------------------------------------------------------------------------

def machine() -> dict[str, Any]:
    import duckdb
    import pyarrow

    cpu = platform.machine()
    with open("/proc/cpuinfo", encoding="utf-8") as info:
        for line in info:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return {"cpu": cpu, "cores": os.cpu_count(), "python": platform.python_version(), "duckdb": duckdb.__version__,
            "pyarrow": pyarrow.__version__,
            "database": "postgresql" if os.environ.get("DUCHA_DATABASE_URL", "").startswith("postgres") else "sqlite"}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="县级/省级规模的数据质量检查基准：分阶段耗时与峰值内存")
    parser.add_argument("--scale", choices=["county", "province"], default="county")
    parser.add_argument("--home", help="DUCHA_HOME（默认 /tmp/bench-<规模>）")
    parser.add_argument("--reuse", action="store_true", help="数据库已由 synth_registers.py 建好，不重建")
    parser.add_argument("--period", default="2012Q1")
    parser.add_argument("--root", help="检查范围的根单位编码（默认树根）")
    parser.add_argument("--seed", type=int, default=2012)
    parser.add_argument("--wipe-postgres", action="store_true", help="见 synth_registers.py：清空 PostgreSQL 库后重建")
    parser.add_argument("--all-exams", action="store_true",
                        help="另外测：库中全部儿童体检的提取与 z 评分（不属于质量检查）")
    parser.add_argument("--skip-stages", action="store_true", help="只测完整的 run_quality_scan")
    parser.add_argument("--json", help="把结果另存为 JSON 文件")
    parser.add_argument("--child", choices=["stages", "full"], help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    home = args.home or f"/tmp/bench-{args.scale}"
    if args.child:
        result = (stages(home, args.root, args.period, args.all_exams) if args.child == "stages"
                  else full(home, args.root, args.period))
        print(json.dumps(result, ensure_ascii=False))
        return 0
    report: dict[str, Any] = {"scale": args.scale, "home": home, "machine": machine()}
    common = ["--home", home, "--period", args.period] + (["--root", args.root] if args.root else [])
    if not args.reuse:
        build, wall, peak = run_child([os.path.join(HERE, "synth_registers.py"), "--scale", args.scale, "--home", home,
                                       "--seed", str(args.seed)] + (["--wipe-postgres"] if args.wipe_postgres else []))
        report["build"] = {"rows": build["rows"], "seconds": build["seconds"], "wall_seconds": wall,
                           "peak_mb": peak, "planted": build["planted"]}
        print(f"建库：{sum(build['rows'].values()):,} 行，{wall} 秒，峰值 {peak} MB", file=sys.stderr)
    if not args.skip_stages:
        result, wall, peak = run_child([__file__, "--child", "stages", *common]
                                       + (["--all-exams"] if args.all_exams else []))
        report["stages"] = {**result, "process_wall_seconds": wall, "process_peak_mb": peak}
        for name, figures in result["stages"].items():
            print(f"  {name:<45} {figures['seconds']:>7.2f} 秒  峰值 {figures.get('peak_mb', '')} MB", file=sys.stderr)
    result, wall, peak = run_child([__file__, "--child", "full", *common])
    report["full"] = {**result, "process_wall_seconds": wall, "process_peak_mb": peak}
    print(f"run_quality_scan：{result['seconds']} 秒（进程 {wall} 秒），峰值 {peak} MB", file=sys.stderr)
    text = json.dumps(report, ensure_ascii=False, indent=2)
    print(text)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as out:
            out.write(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
