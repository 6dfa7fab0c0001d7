from django.contrib import admin

from ducha.audit.admin_mixins import AuditedAdmin
from ducha.indicators.models import Indicator, Target


@admin.register(Indicator)
class IndicatorAdmin(AuditedAdmin):
    list_display = ["code", "name", "numerator", "denominator", "factor", "definition_set", "is_key"]
    list_filter = ["definition_set", "is_key"]
    search_fields = ["code", "name"]


@admin.register(Target)
class TargetAdmin(AuditedAdmin):
    list_display = ["indicator", "org_unit", "year", "annual_value", "split_by_quarter"]
    list_filter = ["year", "indicator"]
