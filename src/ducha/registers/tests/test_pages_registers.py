"""Register pages: scoping (another unit's record is 404, 领导 POST is 403), entry/correction forms, upload."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, override_settings
from django.urls import reverse
from openpyxl import load_workbook

from ducha.audit.models import AuditEntry
from ducha.registers.models import ChildExam, ChildRecord, PregnancyRecord
from ducha.registers.tests.test_import_good import child_sheets, counts, pregnancy_sheets, run, write_xlsx
from ducha.reporting.tests.entry_client import open_form

pytestmark = [pytest.mark.django_db, pytest.mark.urls("ducha.registers.tests.urls")]


@pytest.fixture
def registers(mini_county: Any, tmp_path: Path) -> Any:
    run(mini_county.officer_a, write_xlsx(tmp_path / "孕.xlsx", pregnancy_sheets()))
    run(mini_county.officer_a, write_xlsx(tmp_path / "儿.xlsx", child_sheets()))
    other = child_sheets()
    other["儿童手册"] = [other["儿童手册"][0], ["T02", "B001", "乙宝", "女", date(2011, 5, 1)]]
    other["儿童体检"] = [other["儿童体检"][0], ["T02", "B001", date(2011, 6, 1), 4.0, 52.0]]
    run(mini_county.officer_b, write_xlsx(tmp_path / "乙.xlsx", other))
    return mini_county


def login(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def child(no: str) -> ChildRecord:
    return ChildRecord.objects.get(record_no=no)


def test_anonymous_is_sent_to_login(registers: Any) -> None:
    response = Client().get(reverse("registers:child_detail", args=[child("E001").pk]))
    assert response.status_code == 302 and "/login" in response["Location"]


def test_officer_lists_and_searches_only_own_unit(registers: Any) -> None:
    client = login(registers.officer_a)
    page = client.get(reverse("registers:list") + "?tab=child").content.decode()
    assert "E001" in page and "E002" in page and "B001" not in page
    found = client.get(reverse("registers:list") + "?tab=child&q=李小").content.decode()
    assert "E002" in found and "E001" not in found
    pregnancy = client.get(reverse("registers:list")).content.decode()
    assert "Y001" in pregnancy and "王芳" in pregnancy
    county = login(registers.inspector).get(reverse("registers:list") + "?tab=child").content.decode()
    assert "B001" in county and "E001" in county


def test_record_urls_are_stable_and_show_entry_metadata(registers: Any) -> None:
    record = child("E001")
    assert reverse("registers:child_detail", args=[record.pk]) == f"/registers/child/{record.pk}/"
    pregnancy = PregnancyRecord.objects.get(record_no="Y001")
    assert reverse("registers:pregnancy_detail", args=[pregnancy.pk]) == f"/registers/pregnancy/{pregnancy.pk}/"
    page = login(registers.officer_a).get(f"/registers/child/{record.pk}/").content.decode()
    assert "录入时间" in page and "录入人" in page and "officer_a" in page
    assert "儿.xlsx / 儿童体检 / 第 2 行" in page and "儿.xlsx / 工作表“儿童手册” / 第 2 行" in page
    detail = login(registers.officer_a).get(f"/registers/pregnancy/{pregnancy.pk}/").content.decode()
    assert "后四位 123X" in detail and "41130119900101123X" not in detail and "产前检查（2 次）" in detail


def test_officer_cannot_see_another_units_record(registers: Any) -> None:
    client = login(registers.officer_a)
    other = child("B001")
    exam = ChildExam.objects.get(child=other)
    for url in (reverse("registers:child_detail", args=[other.pk]), reverse("registers:child_edit", args=[other.pk]),
                reverse("registers:exam_new", args=[other.pk]),
                reverse("registers:exam_edit", args=[other.pk, exam.pk])):
        assert client.get(url).status_code == 404, url
    before = counts()
    response = client.post(reverse("registers:child_edit", args=[other.pk]), {"record_no": "HACK"})
    assert response.status_code == 404 and counts() == before and child("B001").name == "乙宝"


def test_leader_reads_but_every_post_is_403(registers: Any) -> None:
    client = login(registers.leader)
    record = child("E001")
    exam = record.exams.first()
    assert client.get(reverse("registers:child_detail", args=[record.pk])).status_code == 200
    assert client.get(reverse("registers:child_edit", args=[record.pk])).status_code == 403
    before = counts()
    posts = {
        reverse("registers:child_edit", args=[record.pk]): {"record_no": "E001", "name": "改", "sex": 1,
                                                            "birth_date": "2011-03-01"},
        reverse("registers:exam_new", args=[record.pk]): {"exam_on": "2011-10-01", "weight_kg": "8"},
        reverse("registers:exam_edit", args=[record.pk, exam.pk]): {"exam_on": "2011-04-01", "weight_kg": "9"},
        reverse("registers:child_new"): {"unit": "T01", "record_no": "L1", "sex": 1, "birth_date": "2011-01-01"},
        reverse("registers:child_detail", args=[record.pk]): {},
        reverse("registers:upload"): {},
    }
    for url, data in posts.items():
        assert client.post(url, data).status_code == 403, url
    assert counts() == before
    assert child("E001").name == "王小宝"


def test_edit_keeps_entry_metadata_and_writes_an_audit_row(registers: Any) -> None:
    record = child("E001")
    meta = (record.created_at, record.created_by_id, record.batch_id, record.source_sheet, record.source_row)
    client, url = login(registers.officer_a), reverse("registers:child_edit", args=[record.pk])
    response = client.post(url, open_form(client, url, "entry-form") | {"name": "王大宝"})
    assert response.status_code == 302
    record.refresh_from_db()
    assert record.name == "王大宝"
    assert (record.created_at, record.created_by_id, record.batch_id, record.source_sheet,
            record.source_row) == meta
    assert record.updated_at > meta[0]
    audit = AuditEntry.objects.get(action="registers.update_record")
    assert audit.before == {"name": "王小宝"} and audit.after == {"name": "王大宝"}
    assert audit.actor == registers.officer_a and audit.object_id == str(record.pk)


def test_exam_added_and_corrected_by_hand(registers: Any) -> None:
    client = login(registers.officer_a)
    record = child("E002")
    response = client.post(reverse("registers:exam_new", args=[record.pk]), {
        "exam_on": "2011-12-20", "weight_kg": "8.2", "length_cm": "70.5", "measured_lying": "1", "feeding": "mixed"})
    assert response.status_code == 302
    exam = record.exams.get(exam_on=date(2011, 12, 20))
    assert (exam.created_by, exam.batch, exam.measured_lying, exam.weight_kg) == (
        registers.officer_a, None, True, Decimal("8.2"))
    created = exam.created_at
    url = reverse("registers:exam_edit", args=[record.pk, exam.pk])
    assert client.post(url, open_form(client, url, "entry-form") | {"weight_kg": "8.4"}).status_code == 302
    exam.refresh_from_db()
    assert exam.weight_kg == Decimal("8.4") and exam.created_at == created
    audit = AuditEntry.objects.get(action="registers.update_event")
    assert audit.before == {"weight_kg": "8.2"} and audit.after == {"weight_kg": "8.4"}
    page = client.get(reverse("registers:child_detail", args=[record.pk])).content.decode()
    assert "手工录入" in page


@pytest.mark.parametrize(("data", "message"), [
    ({"exam_on": "2011-01-01", "weight_kg": "4"}, "体检日期早于出生日期"),
    ({"exam_on": (date.today() + timedelta(days=3)).isoformat(), "weight_kg": "4"}, "体检日期晚于今天"),
    ({"exam_on": "2011-02-30", "weight_kg": "4"}, "请输入有效的日期"),
    ({"exam_on": "2011-12-01", "weight_kg": "0"}, "体重必须大于 0"),
    ({"exam_on": "2011-12-01", "weight_kg": "重"}, "输入一个数字"),
])
def test_exam_form_errors_are_chinese_and_nothing_is_written(registers: Any, data: dict[str, str],
                                                             message: str) -> None:
    record = child("E002")
    before = counts()
    response = login(registers.officer_a).post(reverse("registers:exam_new", args=[record.pk]), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert counts() == before


def test_new_record_by_hand_in_own_unit_only(registers: Any) -> None:
    client = login(registers.officer_a)
    data = {"unit": "T01", "record_no": "H001", "name": "新生", "sex": "2", "birth_date": "2011-10-01"}
    response = client.post(reverse("registers:child_new"), data)
    assert response.status_code == 302
    new = child("H001")
    assert (new.org_unit.code, new.created_by, new.batch) == ("T01", registers.officer_a, None)
    assert AuditEntry.objects.filter(action="registers.create_record", object_id=str(new.pk)).exists()
    before = counts()
    refused = client.post(reverse("registers:child_new"), data | {"unit": "T02", "record_no": "H002"})
    assert refused.status_code == 400 and "没有这个单位，或您无权在该单位录入" in refused.content.decode()
    duplicate = client.post(reverse("registers:child_new"), data)
    assert duplicate.status_code == 400 and "已有编号为“H001”的手册" in duplicate.content.decode()
    assert counts() == before


def test_upload_page_imports_a_good_file(registers: Any, tmp_path: Path) -> None:
    sheets = child_sheets()
    sheets["儿童手册"] = [sheets["儿童手册"][0], ["T01", "U001", "上传", "男", date(2011, 2, 2)]]
    sheets["儿童体检"] = [sheets["儿童体检"][0], ["T01", "U001", date(2011, 3, 2), 4.4, 53.0]]
    data = write_xlsx(tmp_path / "上传.xlsx", sheets).read_bytes()
    response = login(registers.officer_a).post(reverse("registers:upload"), {
        "upload": SimpleUploadedFile("上传.xlsx", data)})
    page = response.content.decode()
    assert response.status_code == 200 and 'id="import-summary"' in page
    assert "新增儿童手册 1" in page and "甲镇卫生院（T01）" in page
    assert ChildExam.objects.get(child__record_no="U001").batch.file_name == "上传.xlsx"


def test_upload_page_lists_every_problem_and_writes_nothing(registers: Any, tmp_path: Path) -> None:
    sheets = child_sheets()
    sheets["儿童体检"][1][3] = "七公斤"
    sheets["儿童体检"][2][0] = "T02"
    data = write_xlsx(tmp_path / "坏.xlsx", sheets).read_bytes()
    before = counts()
    response = login(registers.officer_a).post(reverse("registers:upload"), {
        "upload": SimpleUploadedFile("坏.xlsx", data)})
    page = response.content.decode()
    assert response.status_code == 400 and 'id="problem-table"' in page
    assert "不是数字" in page and "七公斤" in page and "单位编码不存在或不在您可填报的范围内" in page
    assert "D（体重（kg））" in page
    assert counts() == before


def test_upload_refuses_other_file_types(registers: Any) -> None:
    response = login(registers.officer_a).post(reverse("registers:upload"), {
        "upload": SimpleUploadedFile("登记.xls", b"\xd0\xcf\x11\xe0")})
    assert response.status_code == 400 and "旧版 .xls 请在 Excel 中另存为 .xlsx" in response.content.decode()


def test_blank_templates_download(registers: Any) -> None:
    client = login(registers.officer_a)
    response = client.get(reverse("registers:template", args=["pregnancy"]))
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    book = load_workbook(BytesIO(response.content))
    assert book.sheetnames == ["孕产妇手册", "产前检查", "产后访视", "说明"]
    assert [c.value for c in book["产前检查"][1]][:3] == ["单位编码", "手册编号", "检查日期"]
    flat = load_workbook(BytesIO(client.get(reverse("registers:template", args=["child_exams"])).content))
    assert {"姓名", "性别", "出生日期", "体检日期"} <= {c.value for c in flat["儿童体检"][1]}
    csv = client.get(reverse("registers:template", args=["儿童体检.csv"]))
    assert csv.content.startswith("\ufeff单位编码,手册编号,体检日期".encode())
    assert client.get("/registers/template/nothing").status_code == 404


@override_settings(ROOT_URLCONF="ducha.registers.tests.urls")
def test_page_shows_problems_then_the_same_file_fixed_imports(registers: Any, tmp_path: Path) -> None:
    client = login(registers.officer_a)
    good = write_xlsx(tmp_path / "孕2.xlsx", {"孕产妇手册": [pregnancy_sheets()["孕产妇手册"][0],
                                                        ["T01", "Y777", "赵", None, None, None, "2011-09-01"]]})
    assert client.post(reverse("registers:upload"), {"upload": SimpleUploadedFile(
        "孕2.xlsx", good.read_bytes())}).status_code == 200
    assert PregnancyRecord.objects.filter(record_no="Y777").exists()


def test_pregnancy_edit_form_shows_values_and_replaces_the_id_hash(registers: Any) -> None:
    client = login(registers.officer_a)
    record = PregnancyRecord.objects.get(record_no="Y002")
    url = reverse("registers:pregnancy_edit", args=[record.pk])
    form = client.get(url).content.decode()
    assert 'value="2011-08-02"' in form and "李丽" in form and "只保存加盐散列和后四位" in form
    data = open_form(client, url, "entry-form") | {"national_id": "411303199203041245"}
    assert client.post(url, data).status_code == 302
    record.refresh_from_db()
    assert record.id_last4 == "1245" and len(record.id_hash) == 64
    audit = AuditEntry.objects.get(action="registers.update_record", object_id=str(record.pk))
    assert audit.after["id_hash"] == "（已更改）" and "411303199203041245" not in str(audit.after)
    bad = client.post(url, open_form(client, url, "entry-form") | {"national_id": "12345"})
    assert bad.status_code == 400 and "身份证号格式不对" in bad.content.decode()
