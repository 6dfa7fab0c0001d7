"""docs/registers-import.md lists every column of the format and every problem code the reader raises."""

from __future__ import annotations

import re
from pathlib import Path

from ducha.registers.import_columns import TABLES

ROOT = Path(__file__).resolve().parents[4]
DOC = ROOT / "docs" / "registers-import.md"
SOURCES = sorted((ROOT / "src" / "ducha" / "registers").glob("*.py"))


def test_every_column_is_documented() -> None:
    text = DOC.read_text()
    for table in TABLES:
        section = text.split(f"### {table.name}\n", 1)[1].split("###", 1)[0]
        for column in table.columns:
            assert f"| {column.header} |" in section, f"{table.name}: {column.header}"


def test_every_problem_code_is_documented() -> None:
    text = DOC.read_text()
    used = {code for path in SOURCES for code in re.findall(r'"((?:IMP|REG)\d{3})"', path.read_text())}
    assert used, "no problem codes found"
    for code in sorted(used):
        number = code[3:]
        assert code in text or (code.startswith("IMP") and f"/ {number}" in text), code
