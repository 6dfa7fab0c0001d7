"""Good register files of both layouts (.xlsx and .csv) round-trip to the database with their entry metadata.

Also holds the file-building helpers the other register tests import.
"""

from __future__ import annotations

import csv
import re
import zipfile
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from ducha.audit.models import AuditEntry
from ducha.core.actor import Actor
from ducha.registers.actions import import_registers
from ducha.registers.import_cells import hash_national_id, id_salt
from ducha.registers.models import (
    AntenatalVisit,
    ChildExam,
    ChildRecord,
    ImportBatch,
    PostpartumVisit,
    PregnancyRecord,
)
from ducha.registers.templates_xlsx import build_template

pytestmark = pytest.mark.django_db

PREG_HEAD = ["单位编码", "手册编号", "姓名", "身份证号", "出生日期", "村（居）", "建册日期", "末次月经", "预产期",
             "风险分级", "分娩日期", "分娩方式", "出生体重（g）", "转诊"]
ANC_HEAD = ["单位编码", "手册编号", "检查日期", "孕周", "体重（kg）", "收缩压", "舒张压", "血红蛋白（g/L）", "检查者"]
PNC_HEAD = ["单位编码", "手册编号", "访视日期", "收缩压", "舒张压", "情况", "访视者"]
CHILD_HEAD = ["单位编码", "手册编号", "姓名", "性别", "出生日期", "出生体重（g）", "母亲手册编号", "村（居）"]
EXAM_HEAD = ["单位编码", "手册编号", "体检日期", "体重（kg）", "身长/身高（cm）", "测量方式", "头围（cm）", "喂养方式",
             "检查者"]
FLAT_EXAM_HEAD = ["单位编码", "手册编号", "姓名", "性别", "出生日期", "体检日期", "体重（kg）", "身长/身高（cm）",
                  "测量方式", "喂养方式"]
ID_A = "41130119900101123X"


def pregnancy_sheets() -> dict[str, list[list[Any]]]:
    return {
        "孕产妇手册": [PREG_HEAD,
                  ["T01", "Y001", "王芳", ID_A, date(1990, 1, 1), "甲村", date(2011, 7, 1), date(2011, 5, 20),
                   date(2012, 2, 24), "绿", date(2012, 2, 20), "剖宫产", 3300, "否"],
                  ["T01", "Y002", "李丽", None, "1992-03-04", "乙村", "2011/8/2", None, None, "黄色", None, None,
                   None, "是"]],
        "产前检查": [ANC_HEAD,
                 ["T01", "Y001", date(2011, 7, 1), 6, 55.2, 110, 70, 120, "张医生"],
                 ["T01", "Y001", date(2011, 9, 1), 15.3, 57.05, 112, 72, 118, "张医生"],
                 ["T01", "Y002", "2011年8月2日", None, "60", None, None, None, None]],
        "产后访视": [PNC_HEAD, ["T01", "Y001", date(2012, 2, 27), 118, 76, "恢复良好", "刘医生"]],
    }


def child_sheets() -> dict[str, list[list[Any]]]:
    return {
        "儿童手册": [CHILD_HEAD,
                 ["T01", "E001", "王小宝", "男", date(2011, 3, 1), 3300, None, "甲村"],
                 ["T01", "E002", "李小妹", "女", date(2011, 6, 15), 2900, None, "乙村"]],
        "儿童体检": [EXAM_HEAD,
                 ["T01", "E001", date(2011, 4, 1), 4.6, 55.1, "卧位", 37.5, "母乳", "赵医生"],
                 ["T01", "E001", date(2011, 9, 1), 8.1, 68.0, "卧位", 43.0, "混合", "赵医生"],
                 ["T01", "E002", date(2011, 7, 20), 4.2, 54.0, "卧", None, "人工", None]],
    }


def write_xlsx(path: Path, sheets: dict[str, list[list[Any]]], merges: dict[str, list[str]] | None = None) -> Path:
    book = Workbook()
    for index, (name, rows) in enumerate(sheets.items()):
        ws = book.active if index == 0 else book.create_sheet()
        assert ws is not None
        ws.title = name
        for row in rows:
            ws.append(row)
        for ref in (merges or {}).get(name, []):
            ws.merge_cells(ref)
    book.save(path)
    return path


def write_csv(path: Path, rows: list[list[Any]], encoding: str = "utf-8-sig") -> Path:
    with path.open("w", newline="", encoding=encoding) as out:
        csv.writer(out).writerows([["" if v is None else v for v in row] for row in rows])
    return path


def cache_formulas(path: Path, values: dict[str, str]) -> Path:
    """Give formula cells a cached value, as Excel does when it saves (openpyxl writes none)."""
    with zipfile.ZipFile(path) as book:
        parts = {name: book.read(name) for name in book.namelist()}
    for name in [n for n in parts if n.startswith("xl/worksheets/sheet")]:
        xml = parts[name].decode()
        for ref, value in values.items():
            xml = re.sub(rf'(<c r="{ref}"[^>]*>)(<f>[^<]*</f>)<v\s*/?>(</v>)?', rf"\1\2<v>{value}</v>", xml)
        parts[name] = xml.encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as book:
        for name, data in parts.items():
            book.writestr(name, data)
    return path


MODELS = (PregnancyRecord, AntenatalVisit, PostpartumVisit, ChildRecord, ChildExam, ImportBatch, AuditEntry)


def counts() -> dict[str, int]:
    return {m.__name__: m.objects.count() for m in MODELS}


def run(actor: Actor, *paths: Path) -> Any:
    return import_registers(actor=actor, files=[(p.name, p) for p in paths])


def test_pregnancy_workbook_one_sheet_per_table(mini_county: Any, tmp_path: Path) -> None:
    before = timezone.now()
    path = write_xlsx(tmp_path / "甲镇孕产妇.xlsx", pregnancy_sheets())
    result = run(mini_county.officer_a, path)

    batch = ImportBatch.objects.get()
    assert (batch.kind, batch.file_name, batch.rows, batch.created_by) == ("pregnancy", "甲镇孕产妇.xlsx", 6,
                                                                           mini_county.officer_a)
    first = PregnancyRecord.objects.get(record_no="Y001")
    assert first.org_unit == mini_county.town_a and first.name == "王芳"
    assert (first.source_sheet, first.source_row, first.batch, first.created_by) == ("孕产妇手册", 2, batch,
                                                                                      mini_county.officer_a)
    assert first.created_at >= before
    assert first.delivery_mode == "caesarean" and first.risk_grade == "green" and first.referred is False
    assert first.edd == date(2012, 2, 24) and first.birth_weight_g == 3300
    assert first.id_last4 == "123X" and first.id_hash == hash_national_id(ID_A, id_salt())
    assert ID_A not in str(PregnancyRecord.objects.values().get(pk=first.pk))
    second = PregnancyRecord.objects.get(record_no="Y002")
    assert second.birth_date == date(1992, 3, 4) and second.registered_on == date(2011, 8, 2)
    assert second.risk_grade == "yellow" and second.referred is True

    visits = list(AntenatalVisit.objects.order_by("record__record_no", "visit_on"))
    assert [(v.record.record_no, v.visit_on, v.weight_kg, v.source_sheet, v.source_row) for v in visits] == [
        ("Y001", date(2011, 7, 1), Decimal("55.2"), "产前检查", 2),
        ("Y001", date(2011, 9, 1), Decimal("57.1"), "产前检查", 3),  # rounded to 0.1 kg
        ("Y002", date(2011, 8, 2), Decimal("60.0"), "产前检查", 4)]
    assert all(v.batch == batch and v.created_by == mini_county.officer_a for v in visits)
    pnc = PostpartumVisit.objects.get()
    assert (pnc.record, pnc.findings, pnc.source_row) == (first, "恢复良好", 2)

    audit = AuditEntry.objects.get(action="registers.import")
    assert audit.object_id == str(batch.pk) and audit.actor == mini_county.officer_a
    assert audit.after["pregnancy_new"] == 2 and audit.after["antenatal_new"] == 3
    assert audit.after["postpartum_new"] == 1
    assert "新增孕产妇手册 2" in audit.summary
    assert result.by_unit["T01"]["antenatal_new"] == 3


def test_child_workbook_links_mother_and_reads_choices(mini_county: Any, tmp_path: Path) -> None:
    run(mini_county.officer_a, write_xlsx(tmp_path / "孕产妇.xlsx", pregnancy_sheets()))
    sheets = child_sheets()
    sheets["儿童手册"][1][6] = "Y001"
    run(mini_county.officer_a, write_xlsx(tmp_path / "儿童.xlsx", sheets))

    child = ChildRecord.objects.get(record_no="E001")
    assert child.sex == 1 and child.birth_date == date(2011, 3, 1) and child.mother.record_no == "Y001"
    assert (child.source_sheet, child.source_row, child.batch.file_name) == ("儿童手册", 2, "儿童.xlsx")
    exams = list(ChildExam.objects.order_by("child__record_no", "exam_on"))
    assert [(e.child.record_no, e.weight_kg, e.length_cm, e.measured_lying, e.feeding) for e in exams] == [
        ("E001", Decimal("4.6"), Decimal("55.1"), True, "breast"),
        ("E001", Decimal("8.1"), Decimal("68.0"), True, "mixed"),
        ("E002", Decimal("4.2"), Decimal("54.0"), True, "formula")]
    assert ImportBatch.objects.filter(kind="child").count() == 1


def test_one_row_per_exam_with_identity_repeated(mini_county: Any, tmp_path: Path) -> None:
    rows = [FLAT_EXAM_HEAD,
            ["T01", "F001", "周一", "男", "2011-01-10", "2011-02-10", 4.5, 54.2, "卧位", "母乳"],
            ["T01", "F001", "周一", "男", "2011-01-10", "2011-05-10", 7.0, 63.0, "卧位", "母乳"],
            ["T01", "F002", "吴二", "女", "2010-01-05", "2012-01-05", 10.5, 80.1, "立位", "混合"],
            ["T01", "F001", "周一", "男", "2011-01-10", "2011-08-10", 8.4, 69.9, "卧位", None]]
    run(mini_county.officer_a, write_xlsx(tmp_path / "体检.xlsx", {"儿童体检": rows}))
    assert ChildRecord.objects.count() == 2
    first = ChildRecord.objects.get(record_no="F001")
    assert (first.name, first.sex, first.birth_date) == ("周一", 1, date(2011, 1, 10))
    assert (first.source_sheet, first.source_row) == ("儿童体检", 2)  # where the record first appeared
    assert first.exams.count() == 3
    assert ChildExam.objects.get(child__record_no="F002").measured_lying is False


def test_csv_files_named_by_table(mini_county: Any, tmp_path: Path) -> None:
    children = write_csv(tmp_path / "甲镇_儿童手册.csv", child_sheets()["儿童手册"])
    exams = write_csv(tmp_path / "甲镇_儿童体检_2011.csv", child_sheets()["儿童体检"], encoding="gb18030")
    result = run(mini_county.officer_a, children, exams)
    assert ChildRecord.objects.count() == 2 and ChildExam.objects.count() == 3
    batches = {b.file_name: b for b in ImportBatch.objects.all()}
    assert set(batches) == {"甲镇_儿童手册.csv", "甲镇_儿童体检_2011.csv"}
    exam = ChildExam.objects.get(exam_on=date(2011, 7, 20))
    assert (exam.batch, exam.source_sheet, exam.source_row) == (batches["甲镇_儿童体检_2011.csv"], "", 4)
    assert AuditEntry.objects.filter(action="registers.import").count() == 2
    assert result.totals["exam_new"] == 3


def test_csv_antenatal_visits_with_identity(mini_county: Any, tmp_path: Path) -> None:
    head = ["单位编码", "手册编号", "姓名", "建册日期", "末次月经", "检查日期", "体重（kg）", "收缩压", "舒张压"]
    rows = [head, ["T01", "V01", "陈静", "2011-06-01", "2011-04-20", "2011-06-01", "52.0", "110", "70"],
            ["T01", "V01", "陈静", "2011-06-01", "2011-04-20", "2011-07-01", "53.5", "112", "74"]]
    run(mini_county.officer_a, write_csv(tmp_path / "产前检查.csv", rows))
    record = PregnancyRecord.objects.get()
    assert (record.name, record.lmp, record.antenatal_visits.count()) == ("陈静", date(2011, 4, 20), 2)


def test_existing_record_number_is_an_update_and_keeps_entry_metadata(mini_county: Any, tmp_path: Path) -> None:
    run(mini_county.officer_a, write_xlsx(tmp_path / "第一次.xlsx", child_sheets()))
    child = ChildRecord.objects.get(record_no="E001")
    exam = ChildExam.objects.get(child=child, exam_on=date(2011, 4, 1))
    first_meta = (child.created_at, child.created_by_id, child.batch_id, child.source_row, exam.created_at,
                  exam.batch_id)

    sheets = {"儿童手册": [CHILD_HEAD, ["T01", "E001", "王小宝", "男", date(2011, 3, 1), 3350, None, "丙村"]],
              "儿童体检": [EXAM_HEAD, ["T01", "E001", date(2011, 4, 1), 4.7, None, None, None, None, None],
                       ["T01", "E001", date(2011, 12, 1), 9.0, 72.0, "卧位", None, None, None]]}
    result = run(mini_county.inspector, write_xlsx(tmp_path / "第二次.xlsx", sheets))

    child.refresh_from_db()
    exam.refresh_from_db()
    assert (child.village, child.birth_weight_g) == ("丙村", 3350)
    assert (exam.weight_kg, exam.length_cm) == (Decimal("4.7"), Decimal("55.1"))  # blank cell keeps the value
    assert (child.created_at, child.created_by_id, child.batch_id, child.source_row, exam.created_at,
            exam.batch_id) == first_meta
    assert child.updated_at > first_meta[0]
    assert ChildRecord.objects.count() == 2 and ChildExam.objects.count() == 4
    assert result.totals["child_updated"] == 1 and result.totals["exam_updated"] == 1
    assert result.totals["exam_new"] == 1
    update = AuditEntry.objects.get(action="registers.update_by_import", object_type="ChildRecord")
    assert update.before == {"birth_weight_g": 3300, "village": "甲村"}
    assert update.after == {"birth_weight_g": 3350, "village": "丙村"}
    assert update.actor == mini_county.inspector


def test_title_row_and_two_row_header_made_by_merging(mini_county: Any, tmp_path: Path) -> None:
    title = ["甲镇卫生院儿童体检登记表"] + [None] * 9
    groups = [None, None, "儿童信息", None, None, "体检", None, None, None, None]
    rows = [title, groups, FLAT_EXAM_HEAD,
            ["T01", "M001", "孙三", "男", "2011-01-10", "2011-02-10", 4.5, 54.2, "卧位", "母乳"]]
    path = write_xlsx(tmp_path / "体检.xlsx", {"儿童体检": rows}, merges={"儿童体检": ["A1:J1", "C2:E2", "F2:J2"]})
    run(mini_county.officer_a, path)
    exam = ChildExam.objects.get()
    assert (exam.child.record_no, exam.source_row, exam.weight_kg) == ("M001", 4, Decimal("4.5"))


def test_vertically_merged_unit_cells_fill_every_row(mini_county: Any, tmp_path: Path) -> None:
    rows = [FLAT_EXAM_HEAD,
            ["T01", "M001", "孙三", "男", "2011-01-10", "2011-02-10", 4.5, 54.2, "卧位", "母乳"],
            [None, "M002", "孙四", "女", "2011-01-11", "2011-02-11", 4.1, 53.0, "卧位", "母乳"]]
    run(mini_county.officer_a, write_xlsx(tmp_path / "体检.xlsx", {"儿童体检": rows}, merges={"儿童体检": ["A2:A3"]}))
    assert set(ChildRecord.objects.values_list("org_unit__code", flat=True)) == {"T01"}
    assert ChildRecord.objects.count() == 2


def test_formulas_use_their_cached_values(mini_county: Any, tmp_path: Path) -> None:
    rows = [EXAM_HEAD[:5], ["T01", "E001", date(2011, 4, 1), "=2.3*2", 55.1]]
    sheets = {"儿童手册": child_sheets()["儿童手册"][:2], "儿童体检": rows}
    path = cache_formulas(write_xlsx(tmp_path / "公式.xlsx", sheets), {"D2": "4.6"})
    run(mini_county.officer_a, path)
    assert ChildExam.objects.get().weight_kg == Decimal("4.6")


def test_blank_template_filled_in_imports(mini_county: Any, tmp_path: Path) -> None:
    path = tmp_path / "儿童登记导入模板.xlsx"
    path.write_bytes(build_template("child"))
    book = load_workbook(path)
    assert book.sheetnames == ["儿童手册", "儿童体检", "说明"]
    heads = [c.value for c in book["儿童手册"][1]]
    children = book["儿童手册"]
    values = {"单位编码": "T01", "手册编号": "N001", "姓名": "钱五", "性别": "女", "出生日期": date(2011, 2, 2)}
    children.append([values.get(h) for h in heads])
    exam_heads = [c.value for c in book["儿童体检"][1]]
    exam = {"单位编码": "T01", "手册编号": "N001", "体检日期": date(2011, 3, 2), "体重（kg）": 4.0,
            "身长/身高（cm）": 52.5, "测量方式": "卧位"}
    book["儿童体检"].append([exam.get(h) for h in exam_heads])
    book.save(path)
    run(mini_county.officer_a, path)
    assert ChildExam.objects.get().child.name == "钱五"


def test_importing_the_same_file_twice_adds_nothing(mini_county: Any, tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "儿童.xlsx", child_sheets())
    run(mini_county.officer_a, path)
    rows = (ChildRecord.objects.count(), ChildExam.objects.count())
    result = run(mini_county.officer_a, path)
    assert (ChildRecord.objects.count(), ChildExam.objects.count()) == rows
    assert result.totals["unchanged"] == 5 and result.totals["exam_new"] == 0
    assert not AuditEntry.objects.filter(action="registers.update_by_import").exists()
    assert ImportBatch.objects.count() == 2  # the second import is still recorded as a batch


def test_title_merged_across_the_whole_row_is_cheap(mini_county: Any, tmp_path: Path) -> None:
    rows = [["登记表"], FLAT_EXAM_HEAD, ["T01", "M001", "孙三", "男", "2011-01-10", "2011-02-10", 4.5, 54.2, "卧位"]]
    run(mini_county.officer_a, write_xlsx(tmp_path / "体检.xlsx", {"儿童体检": rows}, merges={"儿童体检": ["A1:XFD1"]}))
    assert ChildExam.objects.get().source_row == 3


def test_chinese_builtin_date_format_is_read_as_a_date(mini_county: Any, tmp_path: Path) -> None:
    """Excel/WPS in Chinese store 2011年4月1日 with built-in format 31, which openpyxl reads as a number."""
    sheets = child_sheets()
    path = write_xlsx(tmp_path / "儿童.xlsx", sheets)
    with zipfile.ZipFile(path) as book:
        parts = {name: book.read(name) for name in book.namelist()}
    styles = parts["xl/styles.xml"].decode()
    parts["xl/styles.xml"] = re.sub(r'<numFmts count="1"><numFmt numFmtId="164"[^>]*/></numFmts>', "",
                                    styles).replace('numFmtId="164"', 'numFmtId="31"').encode()
    with zipfile.ZipFile(path, "w") as book:
        for name, data in parts.items():
            book.writestr(name, data)
    assert isinstance(load_workbook(path)["儿童体检"]["C2"].value, float | int)
    run(mini_county.officer_a, path)
    assert ChildExam.objects.filter(exam_on=date(2011, 4, 1)).count() == 1
