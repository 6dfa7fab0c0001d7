from django.contrib import admin

from ducha.audit.admin_mixins import AuditedAdmin
from ducha.reporting.models import DataElement, DataSet, DataSetElement, Submission, ValidationRule


class DataSetElementInline(admin.TabularInline):
    model = DataSetElement
    extra = 0


@admin.register(DataSet)
class DataSetAdmin(AuditedAdmin):
    list_display = ["code", "name", "period_type", "deadline_days"]
    inlines = [DataSetElementInline]
    filter_horizontal = ["org_units"]


@admin.register(DataElement)
class DataElementAdmin(AuditedAdmin):
    list_display = ["code", "name", "category", "aggregation"]
    search_fields = ["code", "name"]


@admin.register(ValidationRule)
class ValidationRuleAdmin(AuditedAdmin):
    list_display = ["code", "name", "left", "operator", "right", "importance", "missing_strategy"]


@admin.register(Submission)
class SubmissionAdmin(admin.ModelAdmin):
    list_display = ["data_set", "org_unit", "period", "submitted_at", "submitted_by"]
    list_filter = ["data_set", "period"]

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False
