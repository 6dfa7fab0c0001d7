"""Stored scan results are read-only in admin: they are written only by ``run_quality_scan``."""

from __future__ import annotations

from django.contrib import admin

from ducha.core.admin import ReadOnlyAdmin
from ducha.quality.models import CheckResult, QualityRun, SuspectRecord, UnitQualityScore


@admin.register(QualityRun)
class QualityRunAdmin(ReadOnlyAdmin):
    list_display = ["started_at", "period", "root", "created_by", "status"]
    list_filter = ["period", "status"]


@admin.register(CheckResult)
class CheckResultAdmin(ReadOnlyAdmin):
    list_display = ["run", "check_id", "unit", "subject", "status", "measured", "n"]
    list_filter = ["status", "check_id"]
    search_fields = ["evidence_text"]


@admin.register(SuspectRecord)
class SuspectRecordAdmin(ReadOnlyAdmin):
    list_display = ["run", "unit", "record_type", "record_no", "name", "risk_weight"]
    list_filter = ["record_type"]
    search_fields = ["record_no", "name"]


@admin.register(UnitQualityScore)
class UnitQualityScoreAdmin(ReadOnlyAdmin):
    list_display = ["run", "unit", "score", "grade", "fired", "suspect_records"]
    list_filter = ["grade"]
