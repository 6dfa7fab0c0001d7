"""录入时间 / 修改时间 in every place a register file may carry them — the record sheet and the exam sheet of
layout (a), the exam sheet with the identity repeated of layout (b), as .xlsx and as CSV — each accepted notation
stored, each impossible one refused naming file/sheet/row/column with nothing written; and a re-import that brings
the real 录入时间 of rows first imported without it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError

from ducha.audit.models import AuditEntry
from ducha.registers.models import ChildExam, ChildRecord, ImportBatch
from ducha.registers.tests.test_import_entry_meta import META, cli, upload
from ducha.registers.tests.test_import_good import (
    CHILD_HEAD,
    EXAM_HEAD,
    FLAT_EXAM_HEAD,
    counts,
    write_csv,
    write_xlsx,
)

pytestmark = pytest.mark.django_db

LOCAL = ZoneInfo("Asia/Shanghai")
FUTURE = (datetime.now(LOCAL) + timedelta(days=2)).strftime("%Y-%m-%d %H:%M")


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=LOCAL)


def letter(index: int) -> str:
    return chr(ord("A") + index)


@dataclass(frozen=True)
class Place:
    """Where the 录入时间 under test sits: which file, sheet, header; the bad row is always the file's row 3."""

    name: str
    file: str
    sheet: str  # as the problem table shows it ("—" for a CSV: the table is the file name)
    head: list[str]

    def column(self, header: str) -> str:
        return f"{letter(self.head.index(header))}（{header}）"

    def write(self, tmp_path: Path, good: list[Any], bad: list[Any]) -> Path:
        """Two data rows with 录入时间/录入人/修改时间 ``good`` and ``bad``."""
        child = ["T01", "E1", "甲", "男", date(2011, 6, 1), None, None, None]
        child2 = ["T01", "E2", "乙", "女", date(2011, 7, 1), None, None, None]
        exam = ["T01", "E1", date(2012, 3, 1), 8.1, 70.2, "卧位", None, "母乳", "赵医生"]
        exam2 = ["T01", "E1", date(2012, 3, 5), 8.2, 70.5, "卧位", None, "母乳", "赵医生"]
        flat = ["T01", "E1", "甲", "男", date(2011, 6, 1), date(2012, 3, 1), 8.1, 70.2, "卧位", "母乳"]
        flat2 = ["T01", "E1", "甲", "男", date(2011, 6, 1), date(2012, 3, 5), 8.2, 70.5, "卧位", "母乳"]
        if self.name == "record sheet (a)":
            return write_xlsx(tmp_path / self.file, {"儿童手册": [self.head, child + good, child2 + bad],
                                                     "儿童体检": [EXAM_HEAD, exam]})
        if self.name == "exam sheet (a)":
            return write_xlsx(tmp_path / self.file, {"儿童手册": [CHILD_HEAD, child],
                                                     "儿童体检": [self.head, exam + good, exam2 + bad]})
        if self.name == "identity repeated (b)":
            return write_xlsx(tmp_path / self.file, {"儿童体检": [self.head, flat + good, flat2 + bad]})
        return write_csv(tmp_path / self.file, [self.head, *[[_csv(v) for v in r] for r in (flat + good, flat2 + bad)]])

    def stored(self) -> tuple[datetime, bool]:
        """(录入时间, time of day known) of the row under test after a clean import."""
        row: Any = ChildRecord.objects.get(record_no="E2") if self.name == "record sheet (a)" else \
            ChildExam.objects.get(exam_on=date(2012, 3, 5))
        return row.created_at, row.created_time_known


def _csv(value: Any) -> Any:
    """What another system's CSV export holds for a cell: text (a date-time as ``2012-03-08 09:30:00``)."""
    return value.isoformat(sep=" ") if isinstance(value, datetime) else value


PLACES = [
    Place("record sheet (a)", "儿.xlsx", "儿童手册", CHILD_HEAD + META),
    Place("exam sheet (a)", "儿.xlsx", "儿童体检", EXAM_HEAD + META),
    Place("identity repeated (b)", "儿.xlsx", "儿童体检", FLAT_EXAM_HEAD + META),
    Place("identity repeated (b), CSV", "甲镇_儿童体检.csv", "—", FLAT_EXAM_HEAD + META),
]
GOOD = ["2012-03-01 10:00", "赵六", None]


def problem_rows(page: str) -> list[list[str]]:
    body = page.split('id="problem-table"')[1].split("<tbody>")[1].split("</tbody>")[0]
    return [[c.strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", r, re.S)]
            for r in re.findall(r"<tr>(.*?)</tr>", body, re.S)]


# (录入时间, 修改时间, id, the column named, words of the problem); a cell type a CSV cannot hold is skipped there
BAD: list[tuple[Any, Any, str, str, str]] = [
    (FUTURE, None, "REG015", "录入时间", "录入时间晚于导入时间"),
    (None, "2099-01-01T00:00:00Z", "REG015", "修改时间", "修改时间晚于导入时间"),
    ("1999-12-31 23:59", None, "REG016", "录入时间", "录入时间早于 2000-01-01"),
    ("1900-01-01 10:00", None, "REG016", "录入时间", "录入时间早于 2000-01-01"),
    (12.5, None, "REG016", "录入时间", "录入时间早于 2000-01-01"),  # a serial far in the past
    ("36000.5", None, "REG016", "录入时间", "录入时间早于 2000-01-01"),  # serial as text: 1998-07-24 12:00
    ("14:30", None, "REG014", "录入时间", "只有时刻，没有日期"),
    ("下午2:30", None, "REG014", "录入时间", "只有时刻，没有日期"),
    ("9点30分", None, "REG014", "录入时间", "只有时刻，没有日期"),
    (time(14, 30), None, "REG014", "录入时间", "只有时刻，没有日期"),
    (0.6, None, "REG014", "录入时间", "只有时刻，没有日期"),
    ("2012-03-08 09:00", "2012-03-07 18:00", "REG017", "修改时间", "修改时间早于录入时间"),
    ("2012-03-08 09:00", "2012-03-07", "REG017", "修改时间", "修改时间早于录入时间"),  # an earlier day
    ("2012-02-30 09:00", None, "IMP024", "录入时间", "日期不存在"),
    ("2012-03-08 25:10", None, "IMP024", "录入时间", "时间不存在"),
    ("2012-03-08 13:30 PM", None, "IMP024", "录入时间", "时间不存在"),
    ("2012-03-08T09:00:00+15:00", None, "IMP024", "录入时间", "时区无法识别"),
    ("2012-03-08 09:00 CST", None, "IMP024", "录入时间", "时区无法识别（“CST”这样的缩写含义不一"),
    ("上周五", None, "IMP024", "录入时间", "日期时间无法识别"),
]


@pytest.mark.parametrize("place", PLACES, ids=lambda p: p.name)
@pytest.mark.parametrize(("entered", "modified", "code", "header", "text"), BAD,
                         ids=[f"{c}-{e if e is not None else m}" for e, m, c, _h, _t in BAD])
def test_impossible_entry_times_are_refused_naming_the_cell(mini_county: Any, tmp_path: Path, place: Place,
                                                            entered: Any, modified: Any, code: str, header: str,
                                                            text: str) -> None:
    path = place.write(tmp_path, GOOD, [entered, "赵六", modified])
    before = counts()
    status, page = upload(mini_county.officer_a, path)
    assert status == 400, page
    rows = problem_rows(page)
    assert len(rows) == 1, rows  # this one problem, nothing else
    _number, found, file, sheet, row, col, _value, problem, expected = rows[0]
    assert (found, file, sheet, row, col) == (code, place.file, place.sheet, "3", place.column(header))
    assert text in problem and expected
    assert counts() == before and not ImportBatch.objects.exists()
    with pytest.raises(CommandError, match="未写入任何数据"):
        cli(str(path), "--user", "officer_a")
    assert counts() == before and not ImportBatch.objects.exists()


# (录入时间 as written, stored local time, time of day known)
ACCEPTED: list[tuple[Any, datetime, bool]] = [
    (datetime(2012, 3, 8, 9, 30), at(2012, 3, 8, 9, 30), True),  # a date-time cell
    (40976.5, at(2012, 3, 8, 12, 0), True),  # an Excel serial in a number cell
    ("40976.5", at(2012, 3, 8, 12, 0), True),  # the same serial as text
    ("2012-03-08T09:30:00+08:00", at(2012, 3, 8, 9, 30), True),
    ("2012-03-08T01:30:00Z", at(2012, 3, 8, 9, 30), True),
    ("2012-03-08T01:30:00+0000", at(2012, 3, 8, 9, 30), True),
    ("2012-03-07 20:30 -05:00", at(2012, 3, 8, 9, 30), True),
    ("2012-03-08 09:30 北京时间", at(2012, 3, 8, 9, 30), True),
    ("2012年3月8日 9时30分", at(2012, 3, 8, 9, 30), True),
    ("2012年3月8日9点30分", at(2012, 3, 8, 9, 30), True),
    ("2012年3月8日 上午9点半", at(2012, 3, 8, 9, 30), True),
    ("2012年3月8日 下午2时", at(2012, 3, 8, 14, 0), True),
    ("2012/3/8 2:30 PM", at(2012, 3, 8, 14, 30), True),
    ("20120308 0930", at(2012, 3, 8, 9, 30), True),
    # a date alone: 0:00 of the day, the time of day kept as unknown
    ("2012-03-08", at(2012, 3, 8), False),
    ("2012年3月8日", at(2012, 3, 8), False),
    (date(2012, 3, 8), at(2012, 3, 8), False),
    (datetime(2012, 3, 8), at(2012, 3, 8), False),  # a date cell reads as 0:00 (in a CSV: "2012-03-08 00:00:00")
    ("2012-03-08T00:00:00Z", at(2012, 3, 8, 8, 0), True),  # midnight with a zone is a real time
    (40976, at(2012, 3, 8), False),  # a whole serial: a date cell's value
    (20120308, at(2012, 3, 8), False),
]


@pytest.mark.parametrize("place", PLACES, ids=lambda p: p.name)
@pytest.mark.parametrize(("entered", "stored", "known"), ACCEPTED, ids=[repr(a[0]) for a in ACCEPTED])
def test_every_accepted_notation_is_stored(mini_county: Any, tmp_path: Path, place: Place, entered: Any,
                                           stored: datetime, known: bool) -> None:
    modified = "2012-03-08"  # a date alone, on the day of the entry: not before it (REG017 compares days)
    cli(str(place.write(tmp_path, GOOD, [entered, "钱七", modified])), "--user", "officer_a")
    assert place.stored() == (stored, known)


def test_rows_without_the_column_keep_a_known_time(mini_county: Any, tmp_path: Path) -> None:
    cli(str(write_csv(tmp_path / "儿童体检.csv", [FLAT_EXAM_HEAD, ["T01", "E1", "甲", "男", "2011-06-01",
                                                                   "2012-03-01", 8.1, 70.2, "卧位", "母乳"]])),
        "--user", "officer_a")
    exam = ChildExam.objects.get()
    assert exam.created_at == ImportBatch.objects.get().created_at and exam.created_time_known


# ---- re-import with the real 录入时间 --------------------------------------------------------------------

def _flat(tmp_path: Path, name: str, meta: list[list[Any]] | None) -> Path:
    rows = [["T01", "E1", "甲", "男", "2011-06-01", "2012-03-01", 8.1, 70.2, "卧位", "母乳"],
            ["T01", "E1", "甲", "男", "2011-06-01", "2012-04-01", 8.6, 72.0, "卧位", "母乳"]]
    if meta is None:
        return write_csv(tmp_path / name, [FLAT_EXAM_HEAD, *rows])
    return write_csv(tmp_path / name, [FLAT_EXAM_HEAD + META, *[r + m for r, m in zip(rows, meta, strict=True)]])


def test_reimport_corrects_an_import_stamp_with_the_real_entry_time(mini_county: Any, tmp_path: Path) -> None:
    cli(str(_flat(tmp_path, "a_儿童体检.csv", None)), "--user", "officer_a")
    stamp = ImportBatch.objects.get().created_at
    assert {e.created_at for e in ChildExam.objects.all()} == {stamp} == {ChildRecord.objects.get().created_at}
    cli(str(_flat(tmp_path, "b_儿童体检.csv", [["2012-03-01 10:00", "赵六", ""], ["2012-04-02", "钱七", ""]])),
        "--user", "officer_a")
    exams = {e.exam_on: e for e in ChildExam.objects.all()}
    first, second = exams[date(2012, 3, 1)], exams[date(2012, 4, 1)]
    assert (first.created_at, first.entered_by_name, first.created_time_known) == (at(2012, 3, 1, 10), "赵六", True)
    assert (second.created_at, second.entered_by_name, second.created_time_known) == (at(2012, 4, 2), "钱七", False)
    child = ChildRecord.objects.get()  # the record had no 录入时间 of its own: its earliest exam's
    assert (child.created_at, child.entered_by_name) == (at(2012, 3, 1, 10), "赵六")
    assert child.batch == first.batch == ImportBatch.objects.order_by("pk").first()  # the first import, kept
    audit = AuditEntry.objects.get(action="registers.update_by_import", object_type="ChildExam",
                                   object_id=str(first.pk))
    before, after = audit.before or {}, audit.after or {}
    assert before["created_at"] == stamp.isoformat()
    assert after["created_at"] == at(2012, 3, 1, 10).isoformat() and after["entered_by_name"] == "赵六"
    # now a real entry time: a third file does not move it again
    cli(str(_flat(tmp_path, "c_儿童体检.csv", [["2012-03-01 08:00", "孙八", ""], ["", "", ""]])),
        "--user", "officer_a")
    first.refresh_from_db()
    assert (first.created_at, first.entered_by_name) == (at(2012, 3, 1, 10), "赵六")


def test_reimport_keeps_a_real_entry_time_given_without_an_entrant(mini_county: Any, tmp_path: Path) -> None:
    cli(str(_flat(tmp_path, "a_儿童体检.csv", [["2012-03-01 10:00", "", ""], ["", "", ""]])), "--user", "officer_a")
    cli(str(_flat(tmp_path, "b_儿童体检.csv", [["2012-03-01 08:00", "赵六", ""], ["2012-04-01 09:00", "", ""]])),
        "--user", "officer_a")
    exams = {e.exam_on: e for e in ChildExam.objects.all()}
    assert exams[date(2012, 3, 1)].created_at == at(2012, 3, 1, 10)  # a file's own time is kept as first written
    assert exams[date(2012, 3, 1)].entered_by_name == ""
    assert exams[date(2012, 4, 1)].created_at == at(2012, 4, 1, 9)  # this one was the import's stamp
