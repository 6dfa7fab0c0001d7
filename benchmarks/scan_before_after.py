"""The full quality scan of two versions of ducha side by side, in one run: before and after a change.

``--before REV`` is checked out into a git worktree (``/tmp/ducha-rev-<sha>``); the other side is this checkout
(or ``--after REV``, checked out the same way).
Each version builds its own synthetic database (``synth_registers.py`` through ``bench_scan.py``, with that
version's models and migrations, same seed so the same registers), then the full ``run_quality_scan`` is timed
``--repeats`` times per version, **alternating** (before, after, before, after…) so both sides share the
machine's load; the load average is printed with every run. The figure to quote is the ratio after/before.

    python benchmarks/scan_before_after.py --before 192413c --scale county            # a quick try
    python benchmarks/scan_before_after.py --before 192413c --scale province --repeats 2 --json ba.json
    B=$(scripts/pg.sh start /tmp/pg-before); A=$(scripts/pg.sh start /tmp/pg-after)
    python benchmarks/scan_before_after.py --before 192413c --scale province \\
        --database-urls postgresql://postgres@127.0.0.1:$B/postgres,postgresql://postgres@127.0.0.1:$A/postgres

Both sides run this checkout's ``bench_scan.py`` and ``synth_registers.py`` (the same registers for both) with
``PYTHONPATH`` pointing at the side's own ``src``, so each version's own ``ducha`` — models, migrations, checks —
is what runs.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


def worktree(rev: str) -> Path:
    sha = subprocess.run(["git", "-C", str(ROOT), "rev-parse", rev], capture_output=True, text=True,
                         check=True).stdout.strip()
    tree = Path(f"/tmp/ducha-rev-{sha[:12]}")
    if not (tree / "src" / "ducha").is_dir():
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", str(tree), sha], check=True,
                       stdout=subprocess.DEVNULL)
    return tree


def bench(src: Path, home: str, scale: str, url: str | None, *extra: str) -> dict[str, Any]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DUCHA_")}
    env["PYTHONPATH"] = str(src)
    if url:
        env["DUCHA_DATABASE_URL"] = url
    args = [sys.executable, str(HERE / "bench_scan.py"), "--scale", scale, "--home", home, "--skip-stages", *extra]
    if url and "--reuse" not in extra:
        args.append("--wipe-postgres")
    done = subprocess.run(args, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"bench_scan.py 失败（{src}）：\n{done.stderr[-3000:]}")
    text = done.stdout.strip()
    return dict(json.loads(text[text.index("{"):]))


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="两个版本的完整质量检查并排计时（同一次运行、交替进行）")
    p.add_argument("--before", required=True, help="之前的版本（git 提交）")
    p.add_argument("--after", help="之后的版本（git 提交；缺省为这份工作目录，含未提交的改动）")
    p.add_argument("--after-tree", help="之后的版本：一份代码目录（含 src/），例如工作目录的快照")
    p.add_argument("--scale", choices=["county", "province"], default="county")
    p.add_argument("--repeats", type=int, default=2, help="每个版本计时几次（交替进行）")
    p.add_argument("--database-urls", help="PostgreSQL：之前,之后 两个库的地址（各自会被清空重建）；缺省用 SQLite")
    p.add_argument("--reuse", action="store_true", help="两个库都已建好，不重建")
    p.add_argument("--json", help="结果另存为 JSON")
    args = p.parse_args(argv)
    urls = args.database_urls.split(",") if args.database_urls else [None, None]
    if len(urls) != 2:
        raise SystemExit("--database-urls 需要两个地址：之前,之后")
    db = "pg" if args.database_urls else "sqlite"
    sides = {"before": (worktree(args.before) / "src", f"/tmp/bench-{args.scale}-{db}-before", urls[0]),
             "after": ((Path(args.after_tree) if args.after_tree else worktree(args.after) if args.after else ROOT) / "src", f"/tmp/bench-{args.scale}-{db}-after",
                       urls[1])}
    report: dict[str, Any] = {"before": args.before, "scale": args.scale, "database": db, "runs": []}
    for name, (src, home, url) in sides.items():
        if not args.reuse:
            print(f"建库（{name}，{src}）……", file=sys.stderr, flush=True)
            built = bench(src, home, args.scale, url)
            report[f"build_{name}"] = built.get("build")
    for repeat in range(1, args.repeats + 1):
        for name, (src, home, url) in sides.items():
            load = os.getloadavg()[0]
            full = bench(src, home, args.scale, url, "--reuse")["full"]
            row = {"side": name, "repeat": repeat, "seconds": full["seconds"], "peak_mb": full["process_peak_mb"],
                   "load1_before": round(load, 2), "load1_after": round(os.getloadavg()[0], 2)}
            report["runs"].append(row)
            print(f"  {name:6s} 第 {repeat} 次：{row['seconds']:8.2f} 秒，峰值 {row['peak_mb']:8.1f} MB，"
                  f"负载 {row['load1_before']} → {row['load1_after']}", file=sys.stderr, flush=True)
    med = {s: statistics.median(r["seconds"] for r in report["runs"] if r["side"] == s) for s in sides}
    peak = {s: max(r["peak_mb"] for r in report["runs"] if r["side"] == s) for s in sides}
    report["median_seconds"], report["peak_mb"] = med, peak
    report["ratio_after_before"] = round(med["after"] / med["before"], 3)
    print(f"中位数：之前 {med['before']:.2f} 秒，之后 {med['after']:.2f} 秒，之后/之前 = {report['ratio_after_before']}；"
          f"峰值内存 {peak['before']:.0f} MB / {peak['after']:.0f} MB", file=sys.stderr)
    text = json.dumps(report, ensure_ascii=False, indent=2)
    print(text)
    if args.json:
        Path(args.json).write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
