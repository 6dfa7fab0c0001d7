"""Peak memory of one import of the largest file ``DUCHA_IMPORT_MAX_MB`` allows (docs/import-template.md §6).

For each kind — a register file of child exams (.xlsx and .csv, identity repeated on every row) and a
report file (.xlsx and .csv, one row per unit and month) — a file just under the limit is generated,
then imported by ``ducha import-registers`` / ``ducha import-reports`` in a fresh process on a fresh
SQLite database; the peak resident set of that process (``os.wait4``) is the figure.

    python benchmarks/bench_import_memory.py                      # all four, at DUCHA_IMPORT_MAX_MB (20)
    python benchmarks/bench_import_memory.py --kinds register-csv --home /tmp/bench-memory
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import shutil
import subprocess
import sys
import time
from datetime import date, timedelta
from typing import Any

HEAD = ["单位编码", "手册编号", "姓名", "性别", "出生日期", "体检日期", "体重（kg）", "身长/身高（cm）", "测量方式",
        "喂养方式", "检查者"]
TOWNS = [f"B{n:03d}" for n in range(1, 501)]  # registers use the first 20
KINDS = ("register-xlsx", "register-csv", "report-xlsx", "report-csv")


def _env(home: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "DUCHA_DATABASE_URL"}
    return env | {"DUCHA_HOME": home, "DJANGO_SETTINGS_MODULE": "ducha.settings"}


def _ducha(home: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "ducha.cli", *args], env=_env(home), capture_output=True,
                          text=True, check=False)


def setup(home: str) -> None:
    """A fresh database: a county, 20 townships (with the MCH data set), a superuser."""
    shutil.rmtree(home, ignore_errors=True)
    os.makedirs(os.path.join(home, "static"))
    assert _ducha(home, "migrate", "-v", "0").returncode == 0
    code = ("from ducha.orgs.actions import create_org_unit\nfrom ducha.reporting.mch_pack import install_mch_data_set\n"
            "from django.contrib.auth import get_user_model\nds = install_mch_data_set()\n"
            "c = create_org_unit(actor=None, code='B00', name='测试县', kind='county')\n"
            f"ds.org_units.set([create_org_unit(actor=None, code=t, name=t + '卫生院', kind='township_centre', parent=c)"
            f" for t in {TOWNS!r}])\n"
            "get_user_model().objects.create_superuser('bench', password='bench-1-password')\n")
    done = _ducha(home, "shell", "-c", code)
    assert done.returncode == 0, done.stderr


def register_rows(limit: int, per_row: int) -> list[list[Any]]:
    rng = random.Random(2012)
    rows: list[list[Any]] = []
    for n in range(limit // per_row):
        kid, born = n // 5, date(2010, 1, 1) + timedelta(days=(n // 5) % 700)
        rows.append([TOWNS[kid % 20], f"E{kid:07d}", "王小宝", "男" if kid % 2 else "女", born,
                     born + timedelta(days=30 + 60 * (n % 5)), round(rng.uniform(3, 15), 1),
                     round(rng.uniform(50, 100), 1), "卧位", "母乳", "李医生"])
    return rows


def report_rows(limit: int, per_row: int, header: list[str]) -> list[list[Any]]:
    rng = random.Random(2012)
    rows = []
    months = [f"{y}{m:02d}" for y in range(1960, 2012) for m in range(1, 13)]  # 500 units × 624 months
    for n in range(limit // per_row):
        rows.append([TOWNS[n % len(TOWNS)], "", months[(n // len(TOWNS)) % len(months)],
                     *(rng.randint(0, 300) for _ in header[3:])])
    return rows


def write(path: str, header: list[str], rows: list[list[Any]], sheet: str) -> None:
    if path.endswith(".csv"):
        with open(path, "w", encoding="utf-8-sig", newline="") as out:
            writer = csv.writer(out)
            writer.writerow(header)
            writer.writerows([[v.isoformat() if isinstance(v, date) else v for v in r] for r in rows])
        return
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    ws = book.create_sheet(sheet)
    ws.append(header)
    for row in rows:
        ws.append(row)
    book.save(path)


def make_file(home: str, kind: str, limit: int) -> str:
    """A file of ``kind`` just under ``limit`` bytes: size a sample, scale the row count."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ducha.settings")
    os.environ["DUCHA_HOME"] = home
    import django

    django.setup()
    from ducha.reporting.excel_read import data_set_elements
    from ducha.reporting.models import DataSet

    suffix = kind.split("-")[1]
    path = os.path.join(home, f"{'儿童体检' if kind.startswith('register') else '月报'}.{suffix}")
    if kind.startswith("register"):
        header, sheet = HEAD, "儿童体检"
    else:
        header = ["单位编码", "单位名称", "期间",
                  *(e.name for e in data_set_elements(DataSet.objects.get(code="MCH_MONTHLY")))]
        sheet = "数据"

    def rows_of(size: int, per: int) -> list[list[Any]]:
        return register_rows(size, per) if kind.startswith("register") else report_rows(size, per, header)

    write(path, header, rows_of(2_000 * 100, 100), sheet)
    per_row = os.path.getsize(path) / 2_000
    write(path, header, rows_of(int(limit * 0.97), int(per_row) + 1), sheet)
    return path


def measure(home: str, kind: str, path: str) -> dict[str, Any]:
    """Import ``path`` in a new process (reports: ``--dry-run``, reading and checking only) and take its peak RSS."""
    command = ["import_registers"] if kind.startswith("register") else ["import_reports", "--dry-run"]
    started = time.perf_counter()
    with open(os.path.join(home, "out.txt"), "w+") as out:
        child = subprocess.Popen([sys.executable, "-m", "ducha.cli", *command, path, "--user", "bench"],
                                 env=_env(home), stdout=out, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(child.pid, 0)
        out.seek(0)
        last = (out.read().strip().splitlines() or [""])[-1][:200]
    return {"kind": kind, "file_mb": round(os.path.getsize(path) / 2 ** 20, 1),
            "seconds": round(time.perf_counter() - started, 1), "peak_mb": round(usage.ru_maxrss / 1024),
            "exit": os.waitstatus_to_exitcode(status), "last_line": last}


def main() -> int:
    parser = argparse.ArgumentParser(description="导入最大允许文件时的峰值内存")
    parser.add_argument("--home", default="/tmp/bench-memory")
    parser.add_argument("--kinds", nargs="+", choices=KINDS, default=list(KINDS))
    args = parser.parse_args()
    limit = int(float(os.environ.get("DUCHA_IMPORT_MAX_MB", "20")) * 2 ** 20)
    for kind in args.kinds:
        home = os.path.join(args.home, kind)
        setup(home)
        subprocess.run([sys.executable, __file__, "--make", kind, home, str(limit)], check=True, env=_env(home))
        path = os.path.join(home, f"{'儿童体检' if kind.startswith('register') else '月报'}.{kind.split('-')[1]}")
        print(measure(home, kind, path), flush=True)
    return 0


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "--make":
        make_file(sys.argv[3], sys.argv[2], int(sys.argv[4]))
        sys.exit(0)
    sys.exit(main())
