"""报送时间 of the monthly-report import (CLI, upload page) and ``submitted_at`` of the API: stored as the
submission time, refused when impossible with nothing written, and counted by the timeliness figures."""

from __future__ import annotations

import io
import re
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from ducha.reporting.models import Submission
from ducha.reporting.tests.test_excel_template import counts, header_row, report_row, write_xlsx

pytestmark = pytest.mark.django_db

LOCAL = ZoneInfo("Asia/Shanghai")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=LOCAL)  # type: ignore[misc]


def cli(*args: str) -> str:
    out = io.StringIO()
    call_command("import_reports", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def client_of(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def upload(user: Any, path: Path) -> Any:
    file = SimpleUploadedFile(path.name, path.read_bytes(), content_type=XLSX)
    return client_of(user).post(reverse("reporting_excel:upload"), {"data_set": "MCH_MONTHLY", "file": file})


def submitted() -> dict[tuple[str, str], datetime]:
    return {(s.org_unit.code, s.period): s.submitted_at for s in Submission.objects.select_related("org_unit")}


def rows_with_times(ds: Any, *times: Any) -> list[list[Any]]:
    months = ["201201", "201202", "201203", "201204", "201205"]
    return [header_row(ds) + ["报送时间"],
            *[report_row(ds, "T01", months[i], PREG_TOTAL=10 + i) + [t] for i, t in enumerate(times)]]


def test_submission_times_in_every_notation_are_stored(mini_county: Any, tmp_path: Path) -> None:
    ds = mini_county.data_set
    path = write_xlsx(tmp_path / "甲镇.xlsx", rows_with_times(
        ds, "2012-02-03 10:15", datetime(2012, 3, 2, 9, 0), "2012-04-01T01:30:00Z", 41030.5, None))
    out = cli(str(path), "--user", "officer_a")
    assert "导入完成" in out
    times = submitted()
    assert times[("T01", "201201")] == at(2012, 2, 3, 10, 15)
    assert times[("T01", "201202")] == at(2012, 3, 2, 9, 0)
    assert times[("T01", "201203")] == at(2012, 4, 1, 9, 30)  # 01:30 UTC is 09:30 in Beijing
    assert times[("T01", "201204")] == at(2012, 5, 1, 12, 0)  # Excel serial 41030.5
    assert times[("T01", "201205")] > at(2020, 1, 1)  # blank: the import's time, as before


def test_an_earlier_submission_time_replaces_the_import_time_of_a_first_import(mini_county: Any,
                                                                               tmp_path: Path) -> None:
    ds = mini_county.data_set
    cli(str(write_xlsx(tmp_path / "a.xlsx", [header_row(ds), report_row(ds, "T01", "201201", PREG_TOTAL=10)])),
        "--user", "officer_a")
    stamped = submitted()[("T01", "201201")]
    assert stamped > at(2020, 1, 1)
    cli(str(write_xlsx(tmp_path / "b.xlsx", rows_with_times(ds, "2012-02-03 10:15"))), "--user", "officer_a")
    assert submitted()[("T01", "201201")] == at(2012, 2, 3, 10, 15)
    cli(str(write_xlsx(tmp_path / "c.xlsx", rows_with_times(ds, "2012-02-20 10:15"))), "--user", "officer_a")
    assert submitted()[("T01", "201201")] == at(2012, 2, 3, 10, 15)  # a later time does not move the first


def test_timeliness_counts_the_imported_submission_time(mini_county: Any, tmp_path: Path) -> None:
    ds = mini_county.data_set
    deadline_day = 1 + ds.deadline_days  # 201201 is due by 2012-02-<deadline_days>
    path = write_xlsx(tmp_path / "甲镇.xlsx", rows_with_times(
        ds, f"2012-02-{deadline_day - 1:02d} 10:00", f"2012-03-{min(deadline_day + 5, 28):02d} 10:00"))
    cli(str(path), "--user", "officer_a")
    body = client_of(mini_county.officer_a).get(
        "/api/reporting-status", {"period": "2012Q1", "unit": "T01"}).json()
    row = next(u for u in body["units"] if u["unit"] == "T01")
    assert row["received"] == 2 and row["timely"] == 1 and row["late_periods"] == ["201202"]


FUTURE = (datetime.now(LOCAL) + timedelta(days=1)).strftime("%Y-%m-%d %H:%M")


@pytest.mark.parametrize(("value", "code", "text"), [
    (FUTURE, "IMP055", "报送时间晚于导入时间"),
    ("2012-01-15 09:00", "IMP056", "报送时间早于报表期间开始（2012-02-01）"),
    ("1999-03-01 09:00", "IMP056", "报送时间早于报表期间开始"),
    ("10:15", "IMP054", "只有时刻，没有日期"),
    (time(10, 15), "IMP054", "只有时刻，没有日期（单元格是时间格式）"),
    (0.42, "IMP054", "只有时刻，没有日期"),
    ("2012-02-30 10:00", "IMP024", "日期不存在"),
    ("2012-02-03T10:00:00+25:00", "IMP024", "时区无法识别"),
    ("2012-02-03 10:00 CST", "IMP024", "时区无法识别（“CST”这样的缩写含义不一"),
    ("二月初", "IMP024", "日期时间无法识别"),
    ("1900-01-01 10:00", "IMP056", "报送时间早于报表期间开始（2012-02-01）"),
    (12.5, "IMP056", "报送时间早于报表期间开始"),  # an Excel serial far in the past (1900-01-11)
    ("36000.5", "IMP056", "报送时间早于报表期间开始"),  # the same as text: 1998-07-24
    ("下午2:30", "IMP054", "只有时刻，没有日期"),
    ("9点30分", "IMP054", "只有时刻，没有日期"),
    ("2012-02-03 13:30 PM", "IMP024", "时间不存在"),
])
def test_impossible_submission_times_are_refused_and_nothing_is_written(mini_county: Any, tmp_path: Path,
                                                                        value: Any, code: str, text: str) -> None:
    ds = mini_county.data_set
    path = write_xlsx(tmp_path / "甲镇.xlsx", rows_with_times(ds, "2012-02-03 10:15", value))
    before = counts()
    response = upload(mini_county.officer_a, path)
    page = response.content.decode()
    assert "有 1 个问题，未导入任何数据" in page, page
    body = page.split('id="problem-table"')[1].split("<tbody>")[1].split("</tbody>")[0]
    cells = [c.strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", body, re.S)]
    column = f"{chr(ord('A') + len(header_row(ds)))}（报送时间）" if len(header_row(ds)) < 26 else None
    _, found, file, sheet, row, col, _value, problem, _expected = cells
    assert (found, file, sheet, row) == (code, "甲镇.xlsx", "数据", "3") and text in problem
    assert col.endswith("（报送时间）") and (column is None or col == column)
    assert counts() == before
    out = io.StringIO()
    with pytest.raises(CommandError, match="未写入任何数据"):
        call_command("import_reports", str(path), user="officer_a", stdout=out)
    assert code in out.getvalue() and counts() == before


@pytest.mark.parametrize(("value", "stored"), [
    ("40942.5", at(2012, 2, 3, 12, 0)),  # an Excel serial written as text
    (40942, at(2012, 2, 3)),  # a whole serial: the day
    ("2012-02-03T02:15:00+0000", at(2012, 2, 3, 10, 15)),
    ("2012-02-02 21:15 -05:00", at(2012, 2, 3, 10, 15)),
    ("2012-02-03 10:15 北京时间", at(2012, 2, 3, 10, 15)),
    ("2012年2月3日10点15分", at(2012, 2, 3, 10, 15)),
    ("2012年2月3日 上午10点半", at(2012, 2, 3, 10, 30)),
    ("2012/2/3 2:15 PM", at(2012, 2, 3, 14, 15)),
    ("2012-02-03", at(2012, 2, 3)),  # a date alone: 0:00 — timeliness is judged by the day
    (datetime(2012, 2, 3), at(2012, 2, 3)),
])
def test_more_submission_time_notations_are_stored(mini_county: Any, tmp_path: Path, value: Any,
                                                   stored: datetime) -> None:
    ds = mini_county.data_set
    response = upload(mini_county.officer_a, write_xlsx(tmp_path / "甲镇.xlsx", rows_with_times(ds, value)))
    assert "有 1 个问题" not in response.content.decode()
    assert submitted()[("T01", "201201")] == stored


def _post(user: Any, **body: Any) -> Any:
    payload = {"unit": "T01", "period": "201201", "values": {"PREG_TOTAL": 10}, **body}
    return client_of(user).post("/api/data-values", payload, content_type="application/json")


def test_api_accepts_a_submission_time_in_any_zone(mini_county: Any) -> None:
    response = _post(mini_county.officer_a, submitted_at="2012-02-03T02:15:00Z")
    assert response.status_code == 200, response.json()
    assert submitted()[("T01", "201201")] == at(2012, 2, 3, 10, 15)
    naive = _post(mini_county.officer_a, period="201202", submitted_at="2012-03-02T09:00:00")
    assert naive.status_code == 200 and submitted()[("T01", "201202")] == at(2012, 3, 2, 9, 0)
    offset = _post(mini_county.officer_a, period="201203", submitted_at="2012-04-02T01:00:00+0000")
    assert offset.status_code == 200 and submitted()[("T01", "201203")] == at(2012, 4, 2, 9, 0)
    day = _post(mini_county.officer_a, period="201204", submitted_at="2012-05-02")
    assert day.status_code == 200 and submitted()[("T01", "201204")] == at(2012, 5, 2)


@pytest.mark.parametrize(("value", "detail"), [
    ("2099-01-01T00:00:00+08:00", "晚于现在"),
    ("2011-12-31T23:00:00+08:00", "早于报表期间开始（2012-01-01）"),
    ("10:15", "应为日期时间"),
    (40942.5, "应为日期时间文字"),
    ("40942.5", "应为日期时间文字"),  # not read as Unix seconds (1970-01-01 19:22)
    ("20120203", "应为日期时间文字"),
    ("2012年2月3日 10时15分", "submitted_at：应为日期时间，如 2012-02-03T10:15:00+08:00"),  # ISO 8601 only here
    ("2012-02-03T10:15:00 +08:00", "submitted_at：应为日期时间"),
])
def test_api_refuses_impossible_submission_times(mini_county: Any, value: Any, detail: str) -> None:
    before = counts()
    response = _post(mini_county.officer_a, submitted_at=value)
    assert response.status_code == 422 and detail in response.json()["detail"], response.json()
    assert counts() == before
