"""Issue 6 item 1 for register records: a stale edit page never overwrites someone else's correction.

The edit form posts the record's version and, per field, what it showed (``initial-<name>``). Only the
fields the user changed are written; a changed field whose stored value is no longer the one shown is
refused (409) with both values, and nothing is written.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from ducha.audit.models import AuditEntry
from ducha.registers.actions import RecordConflict, update_event, update_record
from ducha.registers.models import ChildRecord
from ducha.registers.tests.test_import_good import child_sheets, run, write_xlsx
from ducha.reporting.tests.entry_client import open_form, page_inputs

pytestmark = [pytest.mark.django_db, pytest.mark.urls("ducha.registers.tests.urls")]


@pytest.fixture
def record(mini_county: Any, tmp_path: Path) -> ChildRecord:
    run(mini_county.officer_a, write_xlsx(tmp_path / "儿.xlsx", child_sheets()))
    return ChildRecord.objects.get(record_no="E001")


@pytest.fixture
def officer(mini_county: Any) -> Client:
    client = Client()
    client.force_login(mini_county.officer_a)
    return client


def state(record: ChildRecord) -> tuple[Any, ...]:
    record.refresh_from_db()
    return record.name, record.village, record.version, record.updated_at, AuditEntry.objects.count()


def test_edit_page_posts_the_version_and_what_each_field_showed(officer: Client, record: ChildRecord) -> None:
    form = open_form(officer, reverse("registers:child_edit", args=[record.pk]), "entry-form")
    assert form["version"] == str(record.version)
    assert (form["name"], form["initial-name"], form["initial-village"]) == ("王小宝", "王小宝", "甲村")


def test_saving_another_field_keeps_a_correction_made_meanwhile(mini_county: Any, officer: Client,
                                                                record: ChildRecord) -> None:
    url = reverse("registers:child_edit", args=[record.pk])
    form = open_form(officer, url, "entry-form")
    update_record(actor=mini_county.inspector, record=record, values={"name": "王宝宝"})
    response = officer.post(url, form | {"village": "丁村"})
    assert response.status_code == 302
    record.refresh_from_db()
    assert (record.name, record.village, record.version) == ("王宝宝", "丁村", 2)
    audit = AuditEntry.objects.filter(action="registers.update_record").order_by("-pk").first()
    assert audit is not None and (audit.before, audit.after) == ({"village": "甲村"}, {"village": "丁村"})


def test_changing_a_field_corrected_meanwhile_is_refused_with_both_values(mini_county: Any, officer: Client,
                                                                          record: ChildRecord) -> None:
    url = reverse("registers:child_edit", args=[record.pk])
    form = open_form(officer, url, "entry-form")
    update_record(actor=mini_county.inspector, record=record, values={"name": "王宝宝"})
    before = state(record)
    response = officer.post(url, form | {"name": "王大宝", "village": "丁村"})
    assert response.status_code == 409
    html = response.content.decode()
    assert "以下内容已被他人修改，本次没有保存任何内容" in html
    assert "姓名：您打开时为 王小宝，现为 王宝宝（" in html and "您要保存的是 王大宝" in html
    assert state(record) == before
    again = page_inputs(html, "entry-form")
    assert (again["name"], again["initial-name"], again["village"], again["version"]) == (
        "王大宝", "王宝宝", "丁村", "1")
    assert officer.post(url, again).status_code == 302  # saving again: the user has seen 王宝宝
    record.refresh_from_db()
    assert (record.name, record.village) == ("王大宝", "丁村")


def test_an_import_after_the_page_was_opened_makes_it_stale(mini_county: Any, officer: Client,
                                                            record: ChildRecord, tmp_path: Path) -> None:
    url = reverse("registers:child_edit", args=[record.pk])
    form = open_form(officer, url, "entry-form")
    sheets = child_sheets()
    sheets["儿童手册"][1][7] = "戊村"
    run(mini_county.officer_a, write_xlsx(tmp_path / "改.xlsx", sheets))
    before = state(record)
    assert before[:3] == ("王小宝", "戊村", 1)
    response = officer.post(url, form | {"village": "丁村"})
    assert response.status_code == 409 and "村（居）：您打开时为 甲村，现为 戊村" in response.content.decode()
    assert state(record) == before


def test_a_post_without_the_version_is_refused(officer: Client, record: ChildRecord) -> None:
    url = reverse("registers:child_edit", args=[record.pk])
    form = open_form(officer, url, "entry-form")
    del form["version"]
    before = state(record)
    response = officer.post(url, form | {"name": "王大宝"})
    assert response.status_code == 400 and "页面缺少版本信息" in response.content.decode()
    assert state(record) == before


def test_exam_edit_is_versioned_too(mini_county: Any, officer: Client, record: ChildRecord) -> None:
    exam = record.exams.order_by("pk").first()
    assert exam is not None
    url = reverse("registers:exam_edit", args=[record.pk, exam.pk])
    form = open_form(officer, url, "entry-form")
    update_event(actor=mini_county.inspector, event=exam, values={"hb": 101})
    response = officer.post(url, form | {"hb": "99"})
    assert response.status_code == 409 and "现为 101" in response.content.decode()
    exam.refresh_from_db()
    assert (exam.hb, exam.version) == (101, 1)


def test_action_refuses_a_stale_version_for_a_field_changed_since(mini_county: Any, record: ChildRecord) -> None:
    update_record(actor=mini_county.inspector, record=record, values={"birth_weight_g": 3400})
    with pytest.raises(RecordConflict) as caught:
        update_record(actor=mini_county.officer_a, record=ChildRecord.objects.get(pk=record.pk),
                      values={"birth_weight_g": 3500}, based_on=0, shown={"birth_weight_g": 3300})
    assert caught.value.messages_by_field["birth_weight_g"].startswith(
        "出生体重（g）：您打开时为 3300，现为 3400（")
    assert ChildRecord.objects.get(pk=record.pk).birth_weight_g == 3400
    assert date(2011, 3, 1) == ChildRecord.objects.get(pk=record.pk).birth_date


def test_a_letter_in_a_number_field_keeps_the_stored_value(officer: Client, record: ChildRecord) -> None:
    """A browser posts "" for a number input holding "3e" (the stored value would be cleared): number fields
    are text inputs, so the server sees what was typed and refuses it in Chinese."""
    url = reverse("registers:child_edit", args=[record.pk])
    page = officer.get(url).content.decode()
    assert 'name="birth_weight_g"' in page and 'type="number"' not in page
    form = open_form(officer, url, "entry-form")
    before = record.birth_weight_g, state(record)
    response = officer.post(url, form | {"birth_weight_g": "3e"})
    assert response.status_code == 400
    assert "输入整数" in response.content.decode()  # Django's own Chinese message, next to the field
    assert (record.birth_weight_g, state(record)) == before
