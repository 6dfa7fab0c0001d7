"""County B (benchmarks/county_b), built independently of the demo, imports through the public CLI without a problem."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from cli_support import ScratchDatabases, ducha_command

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.county_b.build import build  # noqa: E402


def import_through_cli(scratch_databases: ScratchDatabases, tmp_path: Path, data: Path, truth: dict[str, Any]) -> Any:
    """Import county B's files with ``ducha migrate/import-*`` into a new home (no problem may be reported) and
    check the imported counts against truth.json; returns the ``ducha`` runner for further commands."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DUCHA_")}
    env.update(DUCHA_HOME=str(tmp_path / "home"), DUCHA_DATABASE_URL=scratch_databases.new(),
               DJANGO_SUPERUSER_PASSWORD="county-b-test-2012", COLUMNS="200")

    def ducha(*args: str) -> str:
        result = subprocess.run([*ducha_command(), *args], env=env, cwd=tmp_path, capture_output=True, text=True,
                                timeout=600)
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
        assert "问题" not in result.stdout, result.stdout[-3000:]
        return result.stdout

    ducha("migrate", "--noinput")
    ducha("createsuperuser", "--noinput", "--username", "countyb", "--email", "b@example.org")
    assert "新建 5 个" in ducha("import-units", str(data / "units.xlsx"))
    assert "导入完成" in ducha("import-reports", str(data / "reports"))
    imported = ducha("import-registers", str(data / "registers"))
    counts = {line.split("（")[1].split("）")[0]: [int(x) for x in line.split("│")[2:7]]
              for line in imported.splitlines() if line.startswith("│") and "卫生院（B" in line}
    assert counts == {t["code"]: [t["pregnancies"], t["visits"], t["postpartum"], t["children"], t["exams"]]
                      for t in truth["townships"]}
    return ducha


def test_small_county_b_imports_through_the_cli_without_a_problem(scratch_databases: ScratchDatabases,
                                                                   tmp_path: Path) -> None:
    data = tmp_path / "county"
    # Registers carry 录入时间/录入人/修改时间; reports are written without 报送时间 (imports without it behave as before).
    truth = build(7, data, townships=4, metadata=True, submission_time=False)
    assert sum(t["fabricating"] for t in truth["townships"]) == 2
    ducha = import_through_cli(scratch_databases, tmp_path, data, truth)
    ducha("quality", "scan", "--period", "2012Q1", "--out", str(tmp_path / "scan.json"))
    scan = json.loads((tmp_path / "scan.json").read_text(encoding="utf-8"))
    assert {u["单位编码"] for u in scan["单位得分"]} == {t["code"] for t in truth["townships"]}


def _content_digest(folder: Path) -> str:
    """SHA-256 over every file: .xlsx by sheet names and cell values (not the file's own timestamps), others as bytes."""
    from openpyxl import load_workbook

    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(folder)).encode())
        if path.suffix == ".xlsx":
            wb = load_workbook(path, read_only=True)
            for ws in wb.worksheets:
                digest.update(ws.title.encode())
                for row in ws.iter_rows(values_only=True):
                    digest.update(repr(row).encode())
        else:
            digest.update(path.read_bytes())
    return digest.hexdigest()


# build(7, townships=2, fabricating=1) before the held-out kinds existed (commit 42f8e18): the option left off
# must give the very same county, so that seeds 101–104 / 201–203 keep measuring what they measured.
OLD_COUNTY_7 = "dc7210bb708667257c3c80ec23706f8aa1d6142378a294f5ed494f2c218ede78"


def test_old_seeds_are_unchanged_when_the_holdout_kinds_are_off(tmp_path: Path) -> None:
    truth = build(7, tmp_path / "default", townships=2, fabricating=1)
    assert "holdout_kinds" not in truth and all("oddities" not in t for t in truth["townships"])
    assert _content_digest(tmp_path / "default") == OLD_COUNTY_7
    build(7, tmp_path / "off", townships=2, fabricating=1, holdout_kinds=False)
    assert _content_digest(tmp_path / "off") == OLD_COUNTY_7


def test_holdout_kinds_county_imports_through_the_cli_without_a_problem(scratch_databases: ScratchDatabases,
                                                                        tmp_path: Path) -> None:
    from benchmarks.county_b.fakes_holdout import HOLDOUT_KINDS
    from benchmarks.county_b.oddities_holdout import ODDITIES

    data = tmp_path / "county"
    truth = build(12, data, townships=4, fabricating=3, metadata=True, submission_time=False, holdout_kinds=True)
    used = {k for t in truth["townships"] for k in t["kinds"]}
    assert {"card_cloned", "postpartum_elsewhere", "bp_fixed"} <= used <= set(HOLDOUT_KINDS) | set(truth["kinds"])
    honest = [t for t in truth["townships"] if not t["fabricating"]]
    assert [t["oddities"] for t in honest] == [list(ODDITIES)] and all(not t["records"] for t in honest)
    for t in truth["townships"]:
        assert all(t["records"][k] for k in t["kinds"] if k != "high_risk_hidden"), t["records"]
    saved = json.loads((data / "truth.json").read_text(encoding="utf-8"))
    assert saved["townships"][0]["records"] == truth["townships"][0]["records"]
    import_through_cli(scratch_databases, tmp_path, data, truth)
