"""A file of many bad rows lists the first 20 problems of each id, with the total per id.

A 30 MB CSV of bad rows once produced 277,418 problems, 111 MB of command output and a 7 MB page.
Now the command and the upload page print one count line per id (``IMP020 数值不是数字：共 300 处，以下仅
列出前 20 处``) and at most 20 rows of each id; reading stops after ``STOP_AFTER`` problems and the
counts then say “至少”.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from ducha.core.excel_io import ImportFileError
from ducha.reporting.excel_read import read_reports_workbook
from ducha.reporting.tests.test_excel_template import counts, header_row

COUNT_LINE = "IMP020 数值不是数字：共 300 处，以下仅列出前 20 处"


def _bad_csv(ds: Any, rows: int) -> bytes:
    header = header_row(ds)
    lines = [",".join(header)]
    # One month per row (1990-01 on), so the rows are bad values only, not also duplicates of each other.
    lines += [",".join(["T01", "", f"{1990 + n // 12}{n % 12 + 1:02d}", f"坏{n}", "-1"] + [""] * (len(header) - 5))
              for n in range(rows)]
    return ("\n".join(lines) + "\n").encode()


def test_problems_are_capped_per_id_with_totals(mini_county: Any) -> None:
    with pytest.raises(ImportFileError) as caught:
        read_reports_workbook(io.BytesIO(_bad_csv(mini_county.data_set, 300)), data_set=mini_county.data_set,
                              actor=mini_county.officer_a, file_label="坏.csv")
    err = caught.value
    assert err.total == 600 and not err.incomplete
    assert [p.code for p in err.shown] == ["IMP020", "IMP021"] * 20  # reading order, 20 of each id
    assert err.summary_lines() == [COUNT_LINE, "IMP021 数值为负数：共 300 处，以下仅列出前 20 处"]


def test_command_prints_the_counts_and_20_rows_of_each_id(mini_county: Any, tmp_path: Path) -> None:
    path = tmp_path / "坏.csv"
    path.write_bytes(_bad_csv(mini_county.data_set, 300))
    out = io.StringIO()
    before = counts()
    with pytest.raises(CommandError) as caught:
        call_command("import_reports", str(path), user="officer_a", stdout=out)
    assert "共发现 600 个问题，未写入任何数据" in str(caught.value)
    text = out.getvalue()
    assert COUNT_LINE in text and text.count("IMP020") == 21 and text.count("IMP021") == 21
    assert counts() == before


def test_upload_page_shows_the_counts_and_20_rows_of_each_id(mini_county: Any) -> None:
    client = Client()
    client.force_login(mini_county.officer_a)
    upload = SimpleUploadedFile("坏.csv", _bad_csv(mini_county.data_set, 300))
    response = client.post(reverse("reporting_excel:upload"), {"data_set": "MCH_MONTHLY", "file": upload})
    html = response.content.decode()
    assert "有 600 个问题，未导入任何数据" in html and COUNT_LINE in html
    table = html.split('id="problem-table"')[1].split("</table>")[0]
    assert table.count("<tr>") == 1 + 40


def test_reading_stops_when_problems_are_overwhelming(mini_county: Any, monkeypatch: Any) -> None:
    monkeypatch.setattr("ducha.core.import_problems.STOP_AFTER", 100)
    with pytest.raises(ImportFileError) as caught:
        read_reports_workbook(io.BytesIO(_bad_csv(mini_county.data_set, 300)), data_set=mini_county.data_set,
                              actor=mini_county.officer_a, file_label="坏.csv")
    err = caught.value
    assert err.incomplete and err.total == 100 and err.total_text == "至少 100 个问题"
    assert err.summary_lines()[0] == "IMP020 数值不是数字：至少 50 处，以下仅列出前 20 处"
    assert "已停止读取" in err.summary_lines()[-1]
