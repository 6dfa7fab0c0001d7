"""County B (benchmarks/county_b), built independently of the demo, imports through the public CLI without a problem."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from cli_support import ScratchDatabases, ducha_command

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.county_b.build import build  # noqa: E402


def test_small_county_b_imports_through_the_cli_without_a_problem(scratch_databases: ScratchDatabases,
                                                                   tmp_path: Path) -> None:
    data = tmp_path / "county"
    # Registers carry 录入时间/录入人/修改时间; reports leave out 报送时间 until the report import documents it.
    truth = build(7, data, townships=4, metadata=True, submission_time=False)
    assert sum(t["fabricating"] for t in truth["townships"]) == 2
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
    ducha("quality", "scan", "--period", "2012Q1", "--out", str(tmp_path / "scan.json"))
    scan = json.loads((tmp_path / "scan.json").read_text(encoding="utf-8"))
    assert {u["单位编码"] for u in scan["单位得分"]} == {t["code"] for t in truth["townships"]}
