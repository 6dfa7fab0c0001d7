"""录入时间 / 录入人 / 修改时间 from another system's export: stored per row, shown, refused when impossible,
and read by the entry-burst check (DQ-F01) — through the CLI and the upload page, as users import."""

from __future__ import annotations

import html
import re
from datetime import date, datetime, time, timedelta
from io import StringIO
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from ducha.core.periods import parse_period
from ducha.quality.actions import run_quality_scan
from ducha.quality.models import CheckResult
from ducha.registers.models import AntenatalVisit, ChildExam, ChildRecord, ImportBatch, PregnancyRecord
from ducha.registers.templates_xlsx import build_csv_template, build_template
from ducha.registers.tests.test_import_good import (
    ANC_HEAD,
    CHILD_HEAD,
    EXAM_HEAD,
    FLAT_EXAM_HEAD,
    PREG_HEAD,
    counts,
    write_csv,
    write_xlsx,
)

pytestmark = pytest.mark.django_db

LOCAL = ZoneInfo("Asia/Shanghai")
META = ["录入时间", "录入人", "修改时间"]


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=LOCAL)  # type: ignore[misc]


def cli(*args: str) -> str:
    out = StringIO()
    call_command("import_registers", *args, stdout=out)
    return out.getvalue()


def upload(user: Any, path: Path) -> tuple[int, str]:
    client = Client()
    client.force_login(user)
    response = client.post(reverse("registers:upload"),
                           {"upload": SimpleUploadedFile(path.name, path.read_bytes())})
    return response.status_code, html.unescape(response.content.decode())


def pregnancy_file(tmp_path: Path, record_meta: list[Any], visit_meta: list[list[Any]]) -> Path:
    return write_xlsx(tmp_path / "孕.xlsx", {
        "孕产妇手册": [PREG_HEAD + META,
                  ["T01", "Y001", "王芳", None, date(1990, 1, 1), "甲村", date(2011, 7, 1), date(2011, 5, 20),
                   None, "绿", None, None, None, "否", *record_meta]],
        "产前检查": [ANC_HEAD + META] + [
            ["T01", "Y001", date(2011, 7 + i, 1), None, None, 110, 70, 120, "张医生", *meta]
            for i, meta in enumerate(visit_meta)],
    })


def test_entry_metadata_is_stored_per_row_in_every_accepted_notation(mini_county: Any, tmp_path: Path) -> None:
    path = pregnancy_file(tmp_path, ["2011-07-01 09:30", "张三", "2011-07-05 16:00"], [
        [datetime(2011, 7, 1, 10, 15), "张三", None],  # an Excel date-time cell
        ["2011-08-01T02:00:00Z", "李四", "2011-08-01T12:30:00+08:00"],  # ISO 8601 with zones
        [40787.5, " 王五 ", None],  # an Excel serial number: 2011-09-01 12:00
        ["2011年10月1日 8时05分", None, None],
        [None, None, None],  # no 录入时间: the import's time, as today
    ])
    cli(str(path), "--user", "officer_a")
    record = PregnancyRecord.objects.get(record_no="Y001")
    assert record.created_at == at(2011, 7, 1, 9, 30) and record.entered_by_name == "张三"
    assert record.modified_at_source == at(2011, 7, 5, 16, 0) and record.created_by == mini_county.officer_a
    visits = list(AntenatalVisit.objects.order_by("visit_on"))
    assert [v.created_at for v in visits[:4]] == [at(2011, 7, 1, 10, 15), at(2011, 8, 1, 10, 0),
                                                 at(2011, 9, 1, 12, 0), at(2011, 10, 1, 8, 5)]
    assert [v.entered_by_name for v in visits] == ["张三", "李四", "王五", "", ""]
    assert visits[1].modified_at_source == at(2011, 8, 1, 12, 30) and visits[0].modified_at_source is None
    batch = ImportBatch.objects.get()
    assert visits[4].created_at == batch.created_at and visits[4].created_by == mini_county.officer_a


def test_without_the_columns_rows_get_the_import_time_as_before(mini_county: Any, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "儿童手册.csv", [CHILD_HEAD, ["T01", "E1", "甲", "男", "2011-01-01", "", "", ""]])
    cli(str(path), "--user", "officer_a")
    child = ChildRecord.objects.get()
    assert child.created_at == ImportBatch.objects.get().created_at
    assert child.entered_by_name == "" and child.modified_at_source is None


def test_identity_layout_record_takes_its_earliest_exam_entry(mini_county: Any, tmp_path: Path) -> None:
    head = FLAT_EXAM_HEAD + META
    rows = [["T01", "E1", "甲", "男", "2011-06-01", "2011-12-01", 8.1, 70.2, "卧位", "母乳", "2011-12-01 10:00",
             "赵六", ""],
            ["T01", "E1", "甲", "男", "2011-06-01", "2011-09-01", 7.0, 65.0, "卧位", "母乳", "2011-09-02 08:00",
             "钱七", "2011-09-03 08:00"]]
    status, page = upload(mini_county.officer_a, write_csv(tmp_path / "儿童体检.csv", [head, *rows]))
    assert status == 200, page
    child = ChildRecord.objects.get()
    assert child.created_at == at(2011, 9, 2, 8, 0) and child.entered_by_name == "钱七"
    exams = {e.exam_on: e for e in ChildExam.objects.all()}
    assert exams[date(2011, 12, 1)].entered_by_name == "赵六"
    assert exams[date(2011, 9, 1)].modified_at_source == at(2011, 9, 3, 8, 0)


def test_record_page_shows_imported_entry_metadata(mini_county: Any, tmp_path: Path) -> None:
    cli(str(pregnancy_file(tmp_path, ["2011-07-01 09:30", "张三", "2011-07-05 16:00"],
                           [["2011-07-01 10:15", "李四", "2011-07-02 11:00"]])), "--user", "officer_a")
    record = PregnancyRecord.objects.get()
    client = Client()
    client.force_login(mini_county.officer_a)
    page = client.get(reverse("registers:pregnancy_detail", args=[record.pk])).content.decode()
    meta = page.split('id="record-meta"')[1].split("</p>")[0]
    assert "录入时间 2011-07-01 09:30" in meta and "录入人 张三（导入）" in meta
    assert "修改时间 2011-07-05 16:00（原系统）" in meta
    assert "2011-07-01 10:15" in page and "李四（导入）" in page and "修改时间 2011-07-02 11:00（原系统）" in page


def test_a_date_alone_is_shown_without_a_made_up_time(mini_county: Any, tmp_path: Path) -> None:
    cli(str(pregnancy_file(tmp_path, ["2011-07-01", "张三", ""], [["2011-07-01 10:15", "李四", ""]])),
        "--user", "officer_a")
    record = PregnancyRecord.objects.get()
    assert not record.created_time_known
    client = Client()
    client.force_login(mini_county.officer_a)
    page = client.get(reverse("registers:pregnancy_detail", args=[record.pk])).content.decode()
    meta = page.split('id="record-meta"')[1].split("</p>")[0]
    assert "录入时间 2011-07-01（时刻不详）" in meta and "00:00" not in meta
    assert "2011-07-01 10:15" in page  # the visit's own entry time is known and shown to the minute
    listing = client.get(reverse("registers:list") + "?kind=pregnancy").content.decode()
    assert "2011-07-01（时刻不详）" in listing


def test_an_update_keeps_the_first_entry_and_takes_the_new_modified_time(mini_county: Any, tmp_path: Path) -> None:
    cli(str(pregnancy_file(tmp_path, ["2011-07-01 09:30", "张三", ""], [])), "--user", "officer_a")
    again = pregnancy_file(tmp_path, ["2011-07-20 09:30", "李四", "2011-08-01 10:00"], [])
    cli(str(again), "--user", "officer_a")
    record = PregnancyRecord.objects.get()
    assert record.created_at == at(2011, 7, 1, 9, 30) and record.entered_by_name == "张三"
    assert record.modified_at_source == at(2011, 8, 1, 10, 0)


FUTURE = (datetime.now(LOCAL) + timedelta(days=2)).strftime("%Y-%m-%d %H:%M")


@pytest.mark.parametrize(("entered", "modified", "code", "column", "text"), [
    (FUTURE, None, "REG015", "J（录入时间）", "录入时间晚于导入时间"),
    (None, "2099-01-01T00:00:00Z", "REG015", "L（修改时间）", "修改时间晚于导入时间"),
    ("1999-12-31 23:59", None, "REG016", "J（录入时间）", "录入时间早于 2000-01-01"),
    (12.5, None, "REG016", "J（录入时间）", "录入时间早于 2000-01-01"),  # a serial that is not a real entry time
    ("08:30", None, "REG014", "J（录入时间）", "只有时刻，没有日期"),
    (time(8, 30), None, "REG014", "J（录入时间）", "只有时刻，没有日期（单元格是时间格式）"),
    (0.35, None, "REG014", "J（录入时间）", "只有时刻，没有日期"),
    ("2012-03-01 09:00", "2012-02-28 09:00", "REG017", "L（修改时间）", "修改时间早于录入时间"),
    ("2012-02-30 09:00", None, "IMP024", "J（录入时间）", "日期不存在"),
    ("2012-03-01 25:10", None, "IMP024", "J（录入时间）", "时间不存在"),
    ("2012-03-01T08:00:00+15:00", None, "IMP024", "J（录入时间）", "时区无法识别"),
    ("上周五", None, "IMP024", "J（录入时间）", "日期时间无法识别"),
])
def test_impossible_entry_times_are_refused_naming_the_cell(mini_county: Any, tmp_path: Path, entered: Any,
                                                            modified: Any, code: str, column: str, text: str) -> None:
    good = ["T01", "E1", date(2012, 3, 1), 8.1, 70.2, "卧位", None, "母乳", "赵医生", "2012-03-01 10:00", "赵六", None]
    bad = ["T01", "E1", date(2012, 3, 8), 8.2, 70.5, "卧位", None, "母乳", "赵医生", entered, "赵六", modified]
    path = write_xlsx(tmp_path / "儿.xlsx", {
        "儿童手册": [CHILD_HEAD, ["T01", "E1", "甲", "男", date(2011, 6, 1), None, None, None]],
        "儿童体检": [EXAM_HEAD + META, good, bad]})
    before = counts()
    status, page = upload(mini_county.officer_a, path)
    assert status == 400
    body = page.split('id="problem-table"')[1].split("<tbody>")[1].split("</tbody>")[0]
    rows = [[c.strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", r, re.S)] for r in re.findall(r"<tr>(.*?)</tr>",
                                                                                               body, re.S)]
    assert len(rows) == 1, rows  # this one problem, nothing else
    number, found, file, sheet, row, col, _value, problem, expected = rows[0]
    assert (found, file, sheet, row, col) == (code, "儿.xlsx", "儿童体检", "3", column)
    assert text in problem and expected
    assert counts() == before and not ImportBatch.objects.exists()
    with pytest.raises(CommandError, match="未写入任何数据"):
        cli(str(path), "--user", "officer_a")
    assert counts() == before


def test_templates_list_the_entry_metadata_columns(mini_county: Any) -> None:
    from io import BytesIO

    from openpyxl import load_workbook

    book = load_workbook(BytesIO(build_template("child_exams")))
    header = [c.value for c in book["儿童体检"][1]]
    first = header.index("录入时间")
    assert header[first:first + 3] == META
    assert book["儿童体检"].cell(row=2, column=first + 1).number_format == "yyyy-mm-dd hh:mm"
    notes = "\n".join(str(c.value) for row in book["说明"].iter_rows() for c in row if c.value)
    assert "日期时间" in notes and "2012-03-01T08:30:00+08:00" in notes and "录入人 张三" in notes
    assert build_csv_template("产后访视").decode("utf-8-sig").strip().endswith("录入时间,录入人,修改时间")


# ---- DQ-F01 reads the imported entry times --------------------------------------------------------------

def _cards(unit: str, prefix: str, first: date, entered: list[datetime], who: str) -> list[list[Any]]:
    rows = []
    for n, when in enumerate(entered):
        exam_on = first + timedelta(days=3 * n)  # 25 exams over 72 days
        rows.append([unit, f"{prefix}{n:03d}", f"儿{n}", "男" if n % 2 else "女", "2011-06-01", exam_on.isoformat(),
                     f"{7 + n % 5}.{n % 10}", f"{66 + n % 7}.{(3 * n) % 10}", "卧位", "母乳",
                     when.strftime("%Y-%m-%dT%H:%M:%S+08:00"), who, ""])
    return rows


def test_entry_burst_in_imported_entry_times_is_found(mini_county: Any, tmp_path: Path) -> None:
    head = FLAT_EXAM_HEAD + META
    burst = [datetime(2012, 3, 20, 9, 0) + timedelta(minutes=n) for n in range(25)]  # 25 cards in 24 minutes
    spread = [datetime(2012, 1, 3, 10, 0) + timedelta(days=3 * n) for n in range(25)]  # a day after each exam
    write_csv(tmp_path / "甲镇_儿童体检.csv", [head, *_cards("T01", "A", date(2011, 12, 1), burst, "张三")])
    write_csv(tmp_path / "乙乡_儿童体检.csv", [head, *_cards("T02", "B", date(2012, 1, 2), spread, "李四")])
    cli(str(tmp_path), "--user", "admin1")
    assert ChildExam.objects.count() == 50
    run = run_quality_scan(actor=mini_county.inspector, period=parse_period("2012Q1"), root=mini_county.county)
    results = CheckResult.objects.filter(run=run, check_id="DQ-F01")
    town_a = results.get(unit=mini_county.town_a)
    assert town_a.status == "fired", town_a.evidence_text
    assert "2012-03-20 09:00" in town_a.evidence_text and "张三（导入）" in town_a.evidence_text
    assert "25 张卡片" in town_a.evidence_text
    town_b = results.get(unit=mini_county.town_b)
    assert town_b.status == "passed", town_b.evidence_text


def test_entry_dates_without_a_time_are_not_one_sitting(mini_county: Any, tmp_path: Path) -> None:
    """Another system exported 录入时间 as a date alone: 25 cards entered on 2012-03-20 are stored at 0:00 of that
    day, which says nothing about whether they were written at one sitting (DQ-F01 must not call them a burst)."""
    head = FLAT_EXAM_HEAD + META
    rows = _cards("T01", "A", date(2011, 12, 1), [datetime(2012, 3, 20)] * 25, "张三")
    for row in rows:
        row[-3] = "2012-03-20"
    timed = [datetime(2012, 1, 5, 10, 0) + timedelta(days=7 * n, minutes=n) for n in range(5)]  # the same file
    write_csv(tmp_path / "甲镇_儿童体检.csv", [head, *rows, *_cards("T01", "K", date(2012, 1, 4), timed, "张三")])
    cli(str(tmp_path), "--user", "admin1")
    assert ChildExam.objects.filter(created_time_known=False).count() == 25
    run = run_quality_scan(actor=mini_county.inspector, period=parse_period("2012Q1"), root=mini_county.county)
    town_a = CheckResult.objects.get(run=run, check_id="DQ-F01", unit=mini_county.town_a)
    assert town_a.status != "fired", town_a.evidence_text
