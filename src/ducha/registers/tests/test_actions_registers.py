"""Register actions: scoped writes, entry metadata never overwritten, audit rows, all-or-nothing imports."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from ducha.audit.models import AuditEntry
from ducha.registers.actions import create_event, create_record, import_registers, update_event, update_record
from ducha.registers.models import ChildExam, ChildRecord, PregnancyRecord
from ducha.registers.tests.test_import_good import child_sheets, counts, run, write_xlsx

pytestmark = pytest.mark.django_db


@pytest.fixture
def record(mini_county: Any, tmp_path: Path) -> ChildRecord:
    run(mini_county.officer_a, write_xlsx(tmp_path / "儿.xlsx", child_sheets()))
    return ChildRecord.objects.get(record_no="E001")


@pytest.mark.parametrize("who", ["officer_b", "leader", "outsider"])
def test_only_writers_of_the_unit_may_correct(mini_county: Any, record: ChildRecord, who: str) -> None:
    before = counts()
    with pytest.raises(PermissionDenied):
        update_record(actor=getattr(mini_county, who), record=record, values={"name": "改"})
    with pytest.raises(PermissionDenied):
        create_event(actor=getattr(mini_county, who), model=ChildExam, record=record,
                     values={"exam_on": date(2011, 12, 1)})
    assert counts() == before
    assert ChildRecord.objects.get(pk=record.pk).name == "王小宝"


def test_update_keeps_entry_metadata_and_audits_before_and_after(mini_county: Any, record: ChildRecord) -> None:
    meta = (record.created_at, record.created_by_id, record.batch_id, record.source_sheet, record.source_row)
    changed = update_record(actor=mini_county.inspector, record=record, values={"name": "王小宝", "village": "丁村"})
    assert changed == ["village"]
    fresh = ChildRecord.objects.get(pk=record.pk)
    assert (fresh.created_at, fresh.created_by_id, fresh.batch_id, fresh.source_sheet, fresh.source_row) == meta
    assert fresh.updated_at > fresh.created_at
    audit = AuditEntry.objects.get(action="registers.update_record")
    assert (audit.before, audit.after, audit.actor) == ({"village": "甲村"}, {"village": "丁村"}, mini_county.inspector)
    assert "村（居）" in audit.summary
    assert update_record(actor=mini_county.inspector, record=record, values={"village": "丁村"}) == []
    assert AuditEntry.objects.filter(action="registers.update_record").count() == 1


def test_entry_metadata_cannot_be_written(mini_county: Any, record: ChildRecord) -> None:
    with pytest.raises(ValueError, match="entry metadata"):
        update_record(actor=mini_county.admin, record=record, values={"created_by": mini_county.admin})


def test_hand_entry_obeys_the_import_date_rules(mini_county: Any, record: ChildRecord) -> None:
    with pytest.raises(ValidationError) as caught:
        create_event(actor=mini_county.officer_a, model=ChildExam, record=record, values={"exam_on": date(2011, 1, 1)})
    assert caught.value.message_dict == {"exam_on": ["体检日期早于出生日期"]}
    exam = record.exams.order_by("exam_on").first()
    with pytest.raises(ValidationError):
        update_event(actor=mini_county.officer_a, event=exam, values={"exam_on": date(2099, 1, 1)})
    with pytest.raises(ValidationError) as caught:
        create_record(actor=mini_county.officer_a, model=PregnancyRecord, unit=mini_county.town_a,
                      values={"record_no": "P1", "registered_on": date(2011, 5, 1), "lmp": date(2011, 6, 1)})
    assert "建册日期早于末次月经" in str(caught.value)


def test_a_failure_while_writing_rolls_back_everything(mini_county: Any, tmp_path: Path) -> None:
    before = counts()
    path = write_xlsx(tmp_path / "儿.xlsx", child_sheets())
    with mock.patch("ducha.registers.import_write._Writer.write_events", side_effect=RuntimeError("disk full")), \
            pytest.raises(RuntimeError):
        import_registers(actor=mini_county.officer_a, files=[(path.name, path)])
    assert counts() == before
