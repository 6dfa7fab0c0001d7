"""Good files: template → fill → import → values, submissions and audit rows in the database."""

from __future__ import annotations

import io
import zipfile
from datetime import datetime
from pathlib import Path
from typing import Any

from openpyxl import load_workbook

from ducha.audit.models import AuditEntry
from ducha.core.periods import parse_period
from ducha.reporting.actions import import_reports
from ducha.reporting.excel import build_template, read_reports_files, read_reports_workbook
from ducha.reporting.models import DataValue, Submission
from ducha.reporting.selectors import template_cells
from ducha.reporting.tests.test_excel_template import counts, header_row, report_row, write_xlsx


def _fill_template(mini_county: Any, path: Path) -> Path:
    content = build_template(mini_county.data_set, parse_period("2012Q1"), [mini_county.town_a, mini_county.town_b])
    book = load_workbook(io.BytesIO(content))
    ws = book["数据"]
    header = [c.value for c in ws[1]]
    col = {name: header.index(name) + 1 for name in header}
    for r in range(2, ws.max_row + 1):
        unit, period = ws.cell(r, 1).value, ws.cell(r, 3).value
        if period == "201203":
            continue  # March not reported yet: the row stays blank
        base = 10 if unit == "T01" else 20
        ws.cell(r, col["孕妇总数"], base + int(period[-1]))
        ws.cell(r, col["孕期建卡人数"], base)
        ws.cell(r, col["叶酸补服人数"], 3)
    book.save(path)
    return path


def test_round_trip_template_fill_import(mini_county: Any, tmp_path: Path) -> None:
    ds = mini_county.data_set
    path = _fill_template(mini_county, tmp_path / "一季度.xlsx")
    audit_before = AuditEntry.objects.count()
    reports = read_reports_workbook(path, data_set=ds, actor=mini_county.inspector, file_label=path.name)
    assert sorted((r.unit_code, r.period.code) for r in reports) == [
        ("T01", "201201"), ("T01", "201202"), ("T02", "201201"), ("T02", "201202")]
    first = next(r for r in reports if (r.unit_code, r.period.code) == ("T01", "201201"))
    assert first.values["PREG_TOTAL"] == 11 and first.values["PREG_REGISTERED"] == 10
    assert first.values["PARTURIENTS"] is None
    assert first.source == "一季度.xlsx/数据/第2行"
    results = import_reports(actor=mini_county.inspector, data_set=ds, reports=reports)
    assert len(results) == 4
    stored = dict(((v.org_unit.code, v.period, v.data_element.code), v.value)
                  for v in DataValue.objects.select_related("org_unit", "data_element"))
    assert stored[("T01", "201201", "PREG_TOTAL")] == 11
    assert stored[("T02", "201202", "PREG_TOTAL")] == 22
    assert stored[("T02", "201202", "FOLIC_NEW")] == 3
    assert len(stored) == 12 and not any(k[1] == "201203" for k in stored)
    assert Submission.objects.filter(data_set=ds).count() == 4
    value = DataValue.objects.get(org_unit__code="T01", period="201201", data_element__code="PREG_TOTAL")
    assert value.created_by == mini_county.inspector
    assert value.source == "一季度.xlsx/数据/第2行"
    audit = AuditEntry.objects.filter(action="reporting.save_report")
    assert AuditEntry.objects.count() == audit_before + 4
    assert {a.object_id for a in audit} == {"MCH_MONTHLY/T01/201201", "MCH_MONTHLY/T01/201202",
                                           "MCH_MONTHLY/T02/201201", "MCH_MONTHLY/T02/201202"}
    assert all(a.actor == mini_county.inspector for a in audit)


def test_reimporting_the_prefilled_template_changes_nothing(mini_county: Any, tmp_path: Path) -> None:
    ds = mini_county.data_set
    path = _fill_template(mini_county, tmp_path / "a.xlsx")
    import_reports(actor=mini_county.admin, data_set=ds,
                   reports=read_reports_workbook(path, data_set=ds, actor=mini_county.admin, file_label="a.xlsx"))
    again = tmp_path / "again.xlsx"
    again.write_bytes(build_template(ds, parse_period("2012Q1"), [mini_county.town_a, mini_county.town_b],
                                     _stored(ds)))
    before = counts()
    results = import_reports(actor=mini_county.admin, data_set=ds, reports=read_reports_workbook(
        again, data_set=ds, actor=mini_county.admin, file_label="again.xlsx"))
    assert all(not r.changed for r in results)
    assert counts() == before


def _stored(ds: Any) -> dict[tuple[str, str], dict[str, int]]:
    out: dict[tuple[str, str], dict[str, int]] = {}
    for unit, period, code, value in DataValue.objects.values_list(
            "org_unit__code", "period", "data_element__code", "value"):
        out.setdefault((unit, period), {})[code] = value
    return out


def test_blank_cell_of_a_downloaded_template_clears_an_existing_value(mini_county: Any, tmp_path: Path) -> None:
    ds = mini_county.data_set
    first = write_xlsx(tmp_path / "1.xlsx", [header_row(ds), report_row(ds, "T01", "201201", PREG_TOTAL=5,
                                                                        PARTURIENTS=2)])
    import_reports(actor=mini_county.officer_a, data_set=ds, reports=read_reports_workbook(
        first, data_set=ds, actor=mini_county.officer_a, file_label="1.xlsx"))
    cells = template_cells(actor=mini_county.officer_a, data_set=ds, units=[mini_county.town_a],
                           period=parse_period("201201"))
    template = build_template(ds, parse_period("201201"), [mini_county.town_a],
                              {k: {c: v.value for c, v in row.items()} for k, row in cells.items()},
                              versions={k: {c: v.version for c, v in row.items()} for k, row in cells.items()})
    book = load_workbook(io.BytesIO(template))
    header = [c.value for c in book["数据"][1]]
    book["数据"].cell(2, header.index("孕妇总数") + 1, 6)
    book["数据"].cell(2, header.index("产妇数") + 1).value = None
    book.save(tmp_path / "2.xlsx")
    import_reports(actor=mini_county.officer_a, data_set=ds, reports=read_reports_workbook(
        tmp_path / "2.xlsx", data_set=ds, actor=mini_county.officer_a, file_label="2.xlsx"))
    assert dict(DataValue.objects.values_list("data_element__code", "value")) == {"PREG_TOTAL": 6}


def test_cell_forms_that_are_accepted(mini_county: Any, tmp_path: Path) -> None:
    """Numbers stored as text, full-width digits, 12.0, codes typed as numbers, periods typed as dates."""
    ds = mini_county.data_set
    rows = [header_row(ds),
            report_row(ds, "T01", 201201, PREG_TOTAL="12", PARTURIENTS="１２", EARLY_REG=7.0, ANC_ANY=" 3 "),
            report_row(ds, "T01", datetime(2012, 2, 1), PREG_TOTAL=0),
            report_row(ds, "T01", "2012-03", PREG_TOTAL=1),
            [None] * len(header_row(ds)),  # an empty row in between is ignored
            report_row(ds, "T02", "201201")]  # nothing filled: not reported, skipped
    path = write_xlsx(tmp_path / "forms.xlsx", rows, notes=True)
    reports = read_reports_workbook(path, data_set=ds, actor=mini_county.admin, file_label=path.name)
    assert [(r.unit_code, r.period.code) for r in reports] == [("T01", "201201"), ("T01", "201202"),
                                                              ("T01", "201203")]
    values = reports[0].values
    assert (values["PREG_TOTAL"], values["PARTURIENTS"], values["EARLY_REG"], values["ANC_ANY"]) == (12, 12, 7, 3)
    assert reports[1].values["PREG_TOTAL"] == 0


def test_headers_may_be_element_codes_in_any_order(mini_county: Any, tmp_path: Path) -> None:
    ds = mini_county.data_set
    header = header_row(ds)
    header[3] = "PREG_TOTAL"  # code instead of name
    reordered = [header[2], header[0], *header[3:], header[1]]
    path = write_xlsx(tmp_path / "codes.xlsx", [reordered, ["201201", "T03", 40, *([None] * (len(header) - 4)),
                                                            "丙镇"]])
    (report,) = read_reports_workbook(path, data_set=ds, actor=mini_county.admin, file_label=path.name)
    assert (report.unit_code, report.period.code, report.values["PREG_TOTAL"]) == ("T03", "201201", 40)


def test_formula_with_cached_value_is_read(mini_county: Any, tmp_path: Path) -> None:
    ds = mini_county.data_set
    path = write_xlsx(tmp_path / "f.xlsx", [header_row(ds), report_row(ds, "T01", "201201", PREG_TOTAL="=1+2")])
    _set_cached_value(path, "=1+2", "3")
    (report,) = read_reports_workbook(path, data_set=ds, actor=mini_county.admin, file_label=path.name)
    assert report.values["PREG_TOTAL"] == 3


def _set_cached_value(path: Path, formula: str, cached: str) -> None:
    """What Excel does on save: store the formula's computed value next to it."""
    data = io.BytesIO(path.read_bytes())
    out = io.BytesIO()
    with zipfile.ZipFile(data) as src, zipfile.ZipFile(out, "w") as dst:
        for item in src.infolist():
            body = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                old = f"<f>{formula[1:]}</f><v></v>".encode()
                assert old in body
                body = body.replace(old, f"<f>{formula[1:]}</f><v>{cached}</v>".encode())
            dst.writestr(item, body)
    path.write_bytes(out.getvalue())


def test_csv_in_utf8_with_bom_and_in_gbk(mini_county: Any, tmp_path: Path) -> None:
    ds = mini_county.data_set
    header = ",".join(header_row(ds))
    blanks = "," * (len(header_row(ds)) - 4)
    (tmp_path / "utf8.csv").write_bytes(f"{header}\nT01,甲镇卫生院,201201,5{blanks}\n".encode("utf-8-sig"))
    (tmp_path / "gbk.csv").write_bytes(f"{header}\nT02,乙乡卫生院,201201,6{blanks}\n".encode("gbk"))
    reports = read_reports_files([(p.name, p) for p in sorted(tmp_path.glob("*.csv"))], data_set=ds,
                                 actor=mini_county.admin)
    assert sorted((r.unit_code, r.values["PREG_TOTAL"]) for r in reports) == [("T01", 5), ("T02", 6)]
    assert {r.source for r in reports} == {"gbk.csv/第2行", "utf8.csv/第2行"}


def test_import_for_many_units_from_several_files(mini_county: Any, tmp_path: Path) -> None:
    ds = mini_county.data_set
    for code in ("T01", "T02", "T03", "T10"):
        write_xlsx(tmp_path / f"{code}.xlsx", [header_row(ds), report_row(ds, code, "201201", PREG_TOTAL=1),
                                               report_row(ds, code, "201202", PREG_TOTAL=2)])
    reports = read_reports_files([(p.name, p) for p in sorted(tmp_path.iterdir())], data_set=ds,
                                 actor=mini_county.inspector)
    import_reports(actor=mini_county.inspector, data_set=ds, reports=reports)
    assert Submission.objects.count() == 8
    assert sum(DataValue.objects.values_list("value", flat=True)) == 12
