"""Register import at scale: a child-exam file of 100,000 rows (and larger), .xlsx and .csv.

The file is in the documented one-row-per-exam layout (``docs/registers-import.md`` (b): 单位编码, 手册编号,
the child's identity repeated on every row, then the exam), for the 20 townships of the synthetic county of
``synth_registers.py``: about five exams per child, weights and lengths drawn from the WHO standards. Each
import runs ``ducha.registers.actions.import_registers`` (what ``ducha import-registers`` and the upload page
call) in a fresh process on a fresh copy of the county database, so that wall time, rows per second and
peak memory (``os.wait4``) belong to that import alone. The stages are timed from the importer's progress
callback: reading the file, checking units/records/dates, writing.

    python benchmarks/bench_import.py                                   # 100,000 rows, .xlsx and .csv
    python benchmarks/bench_import.py --rows 100000 300000 --formats csv --json import.json
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import sys
import time
from datetime import date, timedelta
from typing import Any

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from bench_scan import machine, peak_mb, run_child  # noqa: E402
from synth_registers import CHILDREN, SURNAMES, lms_value, setup_django  # noqa: E402

HEAD = ["单位编码", "手册编号", "姓名", "性别", "出生日期", "体检日期", "体重（kg）", "身长/身高（cm）", "测量方式",
        "喂养方式", "血红蛋白（g/L）", "检查者"]
SCHEDULE = np.array([30, 91, 182, 274, 365, 547, 730])
FEEDING = np.array(["母乳", "混合", "人工"])


def exam_rows(n: int, units: list[str], seed: int, prefix: str) -> list[list[Any]]:
    """``n`` exam rows: children of ``units`` born 2009–2011, examined on the schedule up to 2012-03-31."""
    from ducha.quality.who_tables import who_tables

    rng = np.random.default_rng(seed)
    per_child = 5
    kids = -(-n // per_child)
    unit = rng.integers(0, len(units), kids)
    birth = np.datetime64("2009-06-01") + rng.integers(0, 700, kids)
    sex = rng.integers(1, 3, kids)
    z = rng.normal(-0.2, 1.1, kids)
    kid = np.repeat(np.arange(kids), per_child)[:n]
    slot = np.tile(np.arange(per_child), kids)[:n] + rng.integers(0, 3, n) * (np.arange(n) % per_child == 4)
    age = SCHEDULE[slot] + rng.integers(-5, 11, n)
    tables = who_tables()
    length = np.round(lms_value(tables["lhfa"], sex[kid], age, z[kid] + rng.normal(0, 0.9, n)), 1)
    weight = np.round(lms_value(tables["wfa"], sex[kid], age, z[kid] + rng.normal(0, 0.6, n)), 1)
    names = [SURNAMES[a] + CHILDREN[b] for a, b in zip(rng.integers(0, len(SURNAMES), kids).tolist(),
                                                        rng.integers(0, len(CHILDREN), kids).tolist(), strict=True)]
    hb = np.where((age >= 170) & (age <= 290), np.round(rng.normal(120, 10, n)), np.nan)
    born = birth.astype(object)  # datetime.date
    rows = []
    for i, k in enumerate(kid.tolist()):
        day = born[k] + timedelta(days=int(age[i]))
        rows.append([units[unit[k]], f"{prefix}{k + 1:07d}", names[k], "男" if sex[k] == 1 else "女", born[k], day,
                     float(weight[i]), float(length[i]), "卧位" if age[i] < 731 else "立位",
                     FEEDING[i % 3] if age[i] < 400 else "", None if np.isnan(hb[i]) else int(hb[i]),
                     f"{SURNAMES[k % 37]}医生"])
    return rows


def write_file(path: str, rows: list[list[Any]]) -> None:
    if path.endswith(".csv"):
        with open(path, "w", encoding="utf-8-sig", newline="") as out:
            writer = csv.writer(out)
            writer.writerow(HEAD)
            writer.writerows([[v.isoformat() if isinstance(v, date) else ("" if v is None else v) for v in r]
                              for r in rows])
        return
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("儿童体检")
    sheet.append(HEAD)
    for row in rows:
        sheet.append(row)
    book.save(path)


# ---- inside the child process --------------------------------------------------------------------------------

def child(home: str, path: str) -> dict[str, Any]:
    setup_django(home)
    from django.contrib.auth import get_user_model

    from ducha.registers.actions import import_registers

    actor = get_user_model().objects.filter(is_superuser=True).order_by("pk").first()
    stages: dict[str, float] = {}
    current: list[Any] = ["打开文件", time.perf_counter()]

    def progress(stage: str, done: int, total: int) -> None:
        name = stage.split(" ")[0] if stage.startswith(("读取", "写入")) else stage
        if name != current[0]:
            now = time.perf_counter()
            stages[current[0]] = stages.get(current[0], 0.0) + now - current[1]
            current[0], current[1] = name, now

    t0 = current[1] = time.perf_counter()
    result = import_registers(actor=actor, files=[(os.path.basename(path), path)], progress=progress)
    seconds = time.perf_counter() - t0
    stages[current[0]] = stages.get(current[0], 0.0) + time.perf_counter() - current[1]
    return {"seconds": round(seconds, 2), "stages": {k: round(v, 2) for k, v in stages.items()},
            "totals": dict(result.totals), "peak_mb": peak_mb()}


# ---- the driver ----------------------------------------------------------------------------------------------

def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="登记导入基准：10 万行儿童体检文件（.xlsx、.csv）的导入速度与峰值内存")
    parser.add_argument("--home", default="/tmp/bench-import", help="工作目录（县级模拟库与导入文件都放在这里）")
    parser.add_argument("--rows", type=int, nargs="+", default=[100_000])
    parser.add_argument("--formats", nargs="+", choices=["xlsx", "csv"], default=["xlsx", "csv"])
    parser.add_argument("--seed", type=int, default=2012)
    parser.add_argument("--json", help="把结果另存为 JSON 文件")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--child-home", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(child(args.child_home, args.child), ensure_ascii=False))
        return 0
    if "DUCHA_DATABASE_URL" in os.environ:
        raise SystemExit("bench_import.py 每次导入都复制一份 SQLite 县级库；请不要设置 DUCHA_DATABASE_URL")
    base = os.path.join(args.home, "base")
    built, wall, _peak = run_child([os.path.join(HERE, "synth_registers.py"), "--scale", "county", "--home", base])
    units = [f"{built['root']}{t + 1:03d}" for t in range(built["townships"])]
    report: dict[str, Any] = {"machine": machine(), "base": {"rows": built["rows"], "seconds": wall}, "imports": []}
    setup_django(base)
    for n in args.rows:
        rows = exam_rows(n, units, args.seed, prefix="B")
        for fmt in args.formats:
            path = os.path.join(args.home, f"儿童体检_{n}.{fmt}")
            t0 = time.perf_counter()
            write_file(path, rows)
            written = time.perf_counter() - t0
            run_home = os.path.join(args.home, f"run-{n}-{fmt}")
            shutil.rmtree(run_home, ignore_errors=True)
            shutil.copytree(base, run_home)
            result, wall, peak = run_child([__file__, "--child", path, "--child-home", run_home])
            shutil.rmtree(run_home, ignore_errors=True)
            entry = {"rows": n, "format": fmt, "file_mb": round(os.path.getsize(path) / 2**20, 1),
                     "write_file_seconds": round(written, 1), **result, "process_wall_seconds": wall,
                     "process_peak_mb": peak, "rows_per_second": round(n / result["seconds"])}
            report["imports"].append(entry)
            print(f"{n:,} 行 .{fmt}：{result['seconds']} 秒，{entry['rows_per_second']:,} 行/秒，峰值 {peak} MB，"
                  f"阶段 {result['stages']}", file=sys.stderr)
    text = json.dumps(report, ensure_ascii=False, indent=2)
    print(text)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as out:
            out.write(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
