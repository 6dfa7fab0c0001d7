"""Registers in the admin: read-only lists for administrators. Entry and correction go through the
register pages (``actions``), which keep entry metadata and write audit rows."""

from __future__ import annotations

from django.contrib import admin

from ducha.core.admin import ReadOnlyAdmin
from ducha.registers.models import ChildExam, ChildRecord, ImportBatch, PregnancyRecord

ENTRY_META = ["created_at", "created_by", "batch", "source_sheet", "source_row", "updated_at"]


@admin.register(ImportBatch)
class ImportBatchAdmin(ReadOnlyAdmin):
    list_display = ["file_name", "kind", "rows", "created_at", "created_by"]
    list_filter = ["kind"]
    search_fields = ["file_name"]


@admin.register(PregnancyRecord)
class PregnancyRecordAdmin(ReadOnlyAdmin):
    list_display = ["record_no", "name", "org_unit", "registered_on", "delivered_on", *ENTRY_META[:3]]
    list_filter = ["org_unit", "risk_grade", "delivery_mode"]
    search_fields = ["record_no", "name"]
    exclude = ["id_hash"]


@admin.register(ChildRecord)
class ChildRecordAdmin(ReadOnlyAdmin):
    list_display = ["record_no", "name", "org_unit", "sex", "birth_date", *ENTRY_META[:3]]
    list_filter = ["org_unit", "sex"]
    search_fields = ["record_no", "name"]


@admin.register(ChildExam)
class ChildExamAdmin(ReadOnlyAdmin):
    list_display = ["child", "exam_on", "weight_kg", "length_cm", *ENTRY_META[:3], "source_row"]
    list_filter = ["child__org_unit"]
    list_select_related = ["child", "created_by", "batch"]
