from typing import Any

from django import forms
from django.contrib import admin
from django.forms.models import BaseInlineFormSet

from ducha.audit.admin_mixins import AuditedAdmin
from ducha.core.admin import ReadOnlyAdmin
from ducha.core.expression_forms import clean_expression
from ducha.core.expressions import codes_in
from ducha.reporting.models import (
    DataApproval,
    DataElement,
    DataSet,
    DataSetElement,
    Submission,
    ValidationRule,
)


class DataSetElementFormSet(BaseInlineFormSet):
    def get_unique_error_message(self, unique_check: Any) -> str:
        return "同一个数据元在一张报表中只能列一次：请删去重复的那一行。"


class DataSetElementInline(admin.TabularInline):
    model = DataSetElement
    formset = DataSetElementFormSet
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


class ValidationRuleAdminForm(forms.ModelForm):
    """Both sides are checked before saving: syntax and codes here, membership of the data set in ``clean``."""

    def clean_left(self) -> str:
        return clean_expression(self.cleaned_data["left"], set(DataElement.objects.values_list("code", flat=True)))

    def clean_right(self) -> str:
        return clean_expression(self.cleaned_data["right"], set(DataElement.objects.values_list("code", flat=True)))

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        data_set = cleaned.get("data_set")
        if data_set is None:
            return cleaned
        in_set = set(data_set.elements.values_list("code", flat=True))
        for side in ("left", "right"):
            if side in cleaned and (outside := sorted(codes_in(cleaned[side]) - in_set)):
                self.add_error(side, f"数据元“{'”“'.join(outside)}”不在报表“{data_set.name}”中："
                                     "校验这张报表时取不到它的值，请改用报表中的数据元或先把它加进报表。")
        return cleaned


@admin.register(ValidationRule)
class ValidationRuleAdmin(AuditedAdmin):
    form = ValidationRuleAdminForm
    list_display = ["code", "name", "left", "operator", "right", "importance", "missing_strategy"]


@admin.register(Submission)
class SubmissionAdmin(AuditedAdmin):
    """Submissions are made by saving a report; here they can only be looked at, added or deleted (audited)."""

    list_display = ["data_set", "org_unit", "period", "submitted_at", "submitted_by"]
    list_filter = ["data_set", "period"]

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(DataApproval)
class DataApprovalAdmin(ReadOnlyAdmin):
    """Read-only: approvals are made and withdrawn on the entry page, the status grid or the API (audited)."""

    list_display = ["data_set", "org_unit", "period", "approved_by", "approved_at", "unapproved_by", "unapproved_at",
                    "unapproval_reason"]
    list_filter = ["data_set", "period"]
