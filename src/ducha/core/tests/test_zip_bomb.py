"""Files that would hurt the server are refused before any parser runs (``ducha.core.files``).

A 1.17 MB .xlsx whose sharedStrings unpacked to 400 MB once held a worker for 133 s at 2.57 GB. Now
the zip directory is checked first (declared sizes, ratio, number of parts, DOCTYPE), and the file
size against the one setting ``DUCHA_IMPORT_MAX_MB``, on every path: action, command, upload page.
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
from ducha.core.files import BoundedReader, FileCheckError, check_xlsx_container
from ducha.core.tests.fuzz_corpus import bomb_strings, lying_sizes, many_members, package, sheet_xml
from ducha.core.tests.test_fuzz_imports import _counts
from ducha.orgs.excel import read_units_workbook
from ducha.registers.actions import import_registers
from ducha.reporting.excel_read import read_reports_workbook

HEAD = ["单位编码", "单位名称", "期间", "孕妇总数"]


def _bomb() -> bytes:
    return package(sheet_xml([HEAD, ["T01", "", "201201", ("raw", '<c r="{ref}" t="s"><v>0</v></c>')]]),
                   name="数据", strings=bomb_strings(64))


@pytest.fixture
def no_parser(monkeypatch: Any) -> None:
    """Make every .xlsx parser fail loudly: a refusal must come before any of them runs."""
    def called(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("an .xlsx parser was called on a refused file")

    monkeypatch.setattr("ducha.core.excel_io.load_workbook", called)
    monkeypatch.setattr("ducha.registers.import_sheets.read_xlsx", called)


def _every_path(mc: Any, tmp: Path, name: str, data: bytes) -> list[tuple[str, str]]:
    """(problem id, message) of the refusal on each path: actions, commands, upload pages."""
    found = []
    for read in (lambda: read_reports_workbook(io.BytesIO(data), data_set=mc.data_set, actor=mc.officer_a,
                                               file_label=f"{name}.xlsx"),
                 lambda: import_registers(actor=mc.officer_a, files=[(f"{name}_儿童手册.xlsx", io.BytesIO(data))]),
                 lambda: read_units_workbook(io.BytesIO(data), actor=mc.admin, file_label=f"{name}.xlsx")):
        with pytest.raises(ImportFileError) as caught:
            read()
        found.append((caught.value.problems[0].code, caught.value.problems[0].message))
    path = tmp / f"{name}_儿童手册.xlsx"
    path.write_bytes(data)
    for command, user in (("import_reports", "officer_a"), ("import_registers", "officer_a"),
                          ("import_units", mc.admin.username)):
        out = io.StringIO()
        with pytest.raises(CommandError):
            call_command(command, str(path), user=user, stdout=out)
        found.append(("CLI", out.getvalue()))
    client = Client()
    client.force_login(mc.officer_a)
    for url, field in ((reverse("reporting_excel:upload"), "file"), (reverse("registers:upload"), "upload")):
        response = client.post(url, {"data_set": "MCH_MONTHLY", field: SimpleUploadedFile(path.name, data)})
        assert response.status_code in (200, 400)
        found.append(("WEB", response.content.decode()))
    return found


def test_shared_strings_bomb_is_refused_before_parsing(mini_county: Any, tmp_path: Path, no_parser: None) -> None:
    data = _bomb()
    assert len(data) < 200_000  # 64 MB of one character, compressed
    before = _counts()
    found = _every_path(mini_county, tmp_path, "炸弹", data)
    assert _counts() == before
    for code, message in found[:3]:
        assert code == "IMP007"
        assert "部件“xl/sharedStrings.xml”解压后 64.0 MB" in message and "上限 100 倍" in message
    for _, output in found[3:]:
        assert "IMP007" in output and "解压后" in output


def test_part_whose_declared_size_lies_is_refused(mini_county: Any, tmp_path: Path, no_parser: None) -> None:
    honest = package(sheet_xml([HEAD, ["T01", "", "201201", 5]]) + " " * (4 << 20), name="数据")
    data = lying_sizes(honest, "xl/worksheets/sheet1.xml", 2000)
    before = _counts()
    found = _every_path(mini_county, tmp_path, "谎报", data)
    assert _counts() == before
    assert {code for code, _ in found[:3]} == {"IMP002"}
    assert all("IMP002" in output for _, output in found[3:])


def test_bounded_reader_stops_at_the_declared_size() -> None:
    stream = BoundedReader(io.BytesIO(b"x" * 5000), 2000)
    with pytest.raises(FileCheckError) as caught:
        io.BufferedReader(stream).read()
    assert caught.value.code == "IMP007" and "超过了它声明的大小" in caught.value.problem


def test_too_many_parts_and_too_much_in_all_are_refused(settings: Any) -> None:
    with pytest.raises(FileCheckError) as caught:
        check_xlsx_container(many_members(10_001))
    assert caught.value.code == "IMP007" and "10,001 个部件" in caught.value.problem
    settings.DUCHA_IMPORT_MAX_MB = 0.05  # unpacked ceiling 20 × 0.05 MB = 1 MB
    parts = {f"xl/media/{n}.xml": b"A" * 800_000 for n in range(3)}  # each under the ratio-free size
    with pytest.raises(FileCheckError) as caught:
        check_xlsx_container(package(sheet_xml([HEAD]), extra=parts))
    assert caught.value.code == "IMP007" and "文件解压后共 2.3 MB" in caught.value.problem


def test_xml_doctype_is_refused(mini_county: Any, tmp_path: Path, no_parser: None) -> None:
    data = package(sheet_xml([HEAD], doctype='<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'), name="数据")
    found = _every_path(mini_county, tmp_path, "实体", data)
    assert {code for code, _ in found[:3]} == {"IMP002"}
    assert "含有 XML 文档类型声明（DOCTYPE）" in found[0][1]


def test_one_file_size_limit_on_every_path(mini_county: Any, tmp_path: Path, settings: Any) -> None:
    settings.DUCHA_IMPORT_MAX_MB = 0.5
    data = ",".join(HEAD).encode() + b"\n" + b"T01,,201201,5\n" * 50_000  # 700 KB
    before = _counts()
    for read in (lambda: read_reports_workbook(io.BytesIO(data), data_set=mini_county.data_set,
                                               actor=mini_county.officer_a, file_label="大.csv"),
                 lambda: import_registers(actor=mini_county.officer_a, files=[("儿童手册.csv", io.BytesIO(data))]),
                 lambda: read_units_workbook(io.BytesIO(data), actor=mini_county.admin, file_label="大.csv")):
        with pytest.raises(ImportFileError) as caught:
            read()
        assert caught.value.problems[0].code == "IMP006"
        assert "文件过大（0.7 MB），超过导入上限 0.5 MB" in caught.value.problems[0].message
    path = tmp_path / "儿童手册.csv"
    path.write_bytes(data)
    for command, user in (("import_reports", "officer_a"), ("import_registers", "officer_a"),
                          ("import_units", mini_county.admin.username)):
        out = io.StringIO()
        with pytest.raises(CommandError):
            call_command(command, str(path), user=user, stdout=out)
        assert "IMP006" in out.getvalue() and "超过导入上限 0.5 MB" in out.getvalue()
    client = Client()
    client.force_login(mini_county.officer_a)
    for url, field in ((reverse("reporting_excel:upload"), "file"), (reverse("registers:upload"), "upload")):
        page = client.get(url).content.decode()
        assert "不超过 0.5 MB" in page  # the help text follows the setting
        response = client.post(url, {"data_set": "MCH_MONTHLY", field: SimpleUploadedFile(path.name, data)})
        html = response.content.decode()
        assert response.status_code in (200, 400) and "超过导入上限 0.5 MB" in html and "IMP006" in html
    assert _counts() == before
