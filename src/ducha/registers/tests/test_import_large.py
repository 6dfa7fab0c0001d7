"""A 100,000-row child-exam workbook (one row per exam, identity repeated) imports in one go.

Not a timed test (speed is measured by benchmarks); it proves the path is bulk — a per-row query
would make it run for many minutes — and that every row keeps its sheet and row number.
"""

from __future__ import annotations

import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import Workbook

from ducha.registers.actions import import_registers
from ducha.registers.models import ChildExam, ChildRecord, ImportBatch
from ducha.registers.tests.test_import_good import FLAT_EXAM_HEAD

pytestmark = pytest.mark.django_db
ROWS = 100_000
EXAMS_PER_CHILD = 5


def _big_workbook(path: Path) -> Path:
    book = Workbook(write_only=True)
    ws = book.create_sheet("儿童体检")
    ws.append(FLAT_EXAM_HEAD + ["头围（cm）", "检查者"])
    born = date(2010, 1, 1)
    for i in range(ROWS):
        child, visit = divmod(i, EXAMS_PER_CHILD)
        birth = born + timedelta(days=child % 600)
        ws.append(["T01", f"C{child:06d}", f"儿童{child}", "男" if child % 2 else "女", birth,
                   birth + timedelta(days=30 + 60 * visit), 4.0 + visit * 1.1, 52.0 + visit * 3.2,
                   "卧位", "母乳", 36.0 + visit, "李医生"])
    book.save(path)
    return path


def test_100k_exam_rows_import_in_bulk(mini_county: Any, tmp_path: Path) -> None:
    path = _big_workbook(tmp_path / "全县儿童体检.xlsx")
    started = time.perf_counter()
    with CaptureQueriesContext(connection) as queries:
        result = import_registers(actor=mini_county.officer_a, files=[(path.name, path)])
    elapsed = time.perf_counter() - started
    assert ChildExam.objects.count() == ROWS
    assert ChildRecord.objects.count() == ROWS // EXAMS_PER_CHILD
    assert result.totals["exam_new"] == ROWS
    assert ImportBatch.objects.get().rows == ROWS
    last = ChildExam.objects.order_by("-source_row").first()
    assert last is not None and (last.source_sheet, last.source_row) == ("儿童体检", ROWS + 1)
    # Bulk inserts: SQLite allows 999 parameters a query (≈ 58 exams), PostgreSQL takes 2,000 rows a query;
    # either way far fewer queries than rows (a query per row would be > 100,000). ≈ 2,540 on SQLite with the
    # 18 columns of an exam row (created_time_known among them).
    assert len(queries) < ROWS // 30, f"{len(queries)} queries: the import must not query per row"
    print(f"100k exam rows imported in {elapsed:.1f} s with {len(queries)} queries")
