"""Every export writes unit names, short names and register names as text, never as a live formula.

Units named like ``=HYPERLINK(…)`` or ``=cmd|' /C calc'!A0`` (as a township officer may import them) go
through each export: the indicator CSV and Excel downloads and the ``ducha indicators`` command, the
org-unit list (``ducha export-units``), the quality scan workbook (``ducha quality scan --out``) and the
report template download. Each file is opened as a user's spreadsheet program would see it: the xlsx with
openpyxl and as raw sheet XML (no ``<f>`` formula element), the CSV with the csv module.
"""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from openpyxl import load_workbook

from ducha.conftest import MiniCounty
from ducha.core.exports import is_formula_like
from ducha.core.periods import parse_period
from ducha.orgs.models import OrgUnit
from ducha.quality.tests.registerdata import build_registers
from ducha.registers.models import PregnancyRecord
from ducha.reporting.actions import save_report

NAMES = {  # code: (name, short_name)
    "T01": ('=HYPERLINK("http://x","点我")', "=cmd|' /C calc'!A0"),
    "T02": ("+1+1乙乡卫生院", "@SUM(A1)"),
    "T03": ("－1＋2丙镇卫生院", "\t=1+1"),
    "T10": ("\r=1+1县医院", "＝1+1"),
}
RECORD_NAME = "=cmd|' /C notepad'!A0"


def rename_units() -> None:
    for code, (name, short_name) in NAMES.items():  # as an import before unit names were checked left them
        OrgUnit.objects.filter(code=code).update(name=name, short_name=short_name)


@pytest.fixture
def county(mini_county: MiniCounty) -> MiniCounty:
    mini_county.admin.is_superuser = True
    mini_county.admin.save()
    return mini_county


@pytest.fixture
def reported(county: MiniCounty) -> MiniCounty:
    for code, total, registered in (("T01", 100, 80), ("T02", 50, 20), ("T03", 40, 40)):
        save_report(actor=county.admin, data_set=county.data_set, unit_code=code, period=parse_period("201202"),
                    values={"PREG_TOTAL": total, "PREG_REGISTERED": registered})
    rename_units()
    return county


def xlsx_strings(data: bytes) -> list[str]:
    """Every text cell of every sheet, after checking that no cell of the file is a formula."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for part in archive.namelist():
            if part.startswith("xl/worksheets/") and part.endswith(".xml"):
                xml = archive.read(part).decode("utf-8")
                assert "<f>" not in xml and "<f " not in xml, f"{part} 中有公式"
    texts = []
    for sheet in load_workbook(io.BytesIO(data)):
        for row in sheet.iter_rows():
            for cell in row:
                if isinstance(cell.value, str):
                    assert cell.data_type == "s", (sheet.title, cell.coordinate, cell.value)
                    assert not is_formula_like(cell.value), (sheet.title, cell.coordinate, cell.value)
                    texts.append(cell.value)
    return texts


def csv_strings(text: str) -> list[str]:
    fields = [f for row in csv.reader(io.StringIO(text.lstrip("\ufeff"))) for f in row]
    for value in fields:
        assert not is_formula_like(value), value
    return fields


def quoted(text: str) -> str:
    return "'" + text


def test_indicator_csv_and_xlsx_downloads(reported: MiniCounty, client: Client) -> None:
    client.force_login(reported.inspector)
    fields = csv_strings(client.get("/indicators/export.csv?unit=T00&period=2012Q1&indicator=REG_RATE")
                         .content.decode("utf-8"))
    assert {quoted(short) for _, short in NAMES.values()} <= set(fields)
    data = client.get("/indicators/export.xlsx?unit=T01&period=2012Q1&indicator=REG_RATE").content
    texts = xlsx_strings(data)
    assert quoted(f"{NAMES['T01'][0]} 2012年第一季度 指标完成情况") in texts
    assert quoted(NAMES["T01"][1]) in texts
    numbers = [c.value for c in load_workbook(io.BytesIO(data)).active[3]][3:6]  # type: ignore[index]
    assert numbers == [80, 100, 80]


def test_indicators_command_csv_and_xlsx(reported: MiniCounty, capsys: Any, tmp_path: Path) -> None:
    call_command("indicators", "--period", "2012Q1", "--format", "csv", "--unit", "T00", "--indicator", "REG_RATE")
    fields = csv_strings(capsys.readouterr().out)
    assert quoted(NAMES["T02"][1]) in fields and quoted(NAMES["T10"][1]) in fields
    out = tmp_path / "指标.xlsx"
    call_command("indicators", "--period", "2012Q1", "--format", "xlsx", "--out", str(out), "--unit", "T00")
    assert quoted(NAMES["T03"][1]) in xlsx_strings(out.read_bytes())


def test_units_export(reported: MiniCounty, tmp_path: Path) -> None:
    out = tmp_path / "units.xlsx"
    call_command("export_units", str(out), stdout=io.StringIO())
    texts = xlsx_strings(out.read_bytes())
    for name, short_name in NAMES.values():
        assert quoted(name) in texts and quoted(short_name) in texts
    sheet = load_workbook(out).active
    assert sheet is not None
    populations = {row[0].value: row[5] for row in sheet.iter_rows(min_row=2)}
    assert populations["T01"].value == 10000 and populations["T01"].data_type == "n"


def test_quality_scan_export(county: MiniCounty, tmp_path: Path) -> None:
    build_registers(county)
    rename_units()
    PregnancyRecord.objects.update(name=RECORD_NAME)
    out = tmp_path / "quality.xlsx"
    call_command("quality", "scan", "--period", "2012Q1", "--unit", "T00", "--out", str(out), stdout=io.StringIO())
    texts = xlsx_strings(out.read_bytes())
    assert quoted(NAMES["T01"][1]) in texts and quoted(RECORD_NAME) in texts


def test_report_template_download(reported: MiniCounty, client: Client) -> None:
    client.force_login(reported.officer_a)
    response = client.get("/reports/excel/template/?data_set=MCH_MONTHLY&period=2012Q1")
    assert response.status_code == 200
    texts = xlsx_strings(response.content)
    assert quoted(NAMES["T01"][0]) in texts
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    february = next(row for row in sheet.iter_rows(min_row=2) if row[2].value == "201202")
    assert february[0].value == "T01" and 100 in [c.value for c in february[3:]]


def test_anthro_output_csv(tmp_path: Path) -> None:
    source = tmp_path / "children.csv"
    source.write_text("姓名,sex,age_days,weight_kg,length_cm,measure,差值\n"
                      f"\"{RECORD_NAME}\",1,100,5.5,60,l,3\n@SUM(A1),2,200,6.1,65,l,-1\n", encoding="utf-8")
    target = tmp_path / "scored.csv"
    call_command("anthro", str(source), "--out", str(target), stdout=io.StringIO(), stderr=io.StringIO())
    rows = list(csv.reader(io.StringIO(target.read_text(encoding="utf-8-sig"))))
    csv_strings(target.read_text(encoding="utf-8-sig"))
    assert [r[0] for r in rows[1:]] == [quoted(RECORD_NAME), "'@SUM(A1)"]
    assert rows[0][6] == "差值" and rows[2][6] == "-1"  # a negative number stays a number
