from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError

from ducha.audit.admin_mixins import AuditedAdmin
from ducha.core.expression_forms import clean_expression
from ducha.indicators.engine import POPULATION
from ducha.indicators.models import Indicator, IndicatorSource, Target
from ducha.indicators.register_source import MEASURES
from ducha.reporting.models import DataElement


def report_codes() -> set[str]:
    """Codes of a monthly-report expression: the data elements and the engine's ``POPULATION``."""
    return {*DataElement.objects.values_list("code", flat=True), POPULATION}


def expression_codes(source: str) -> set[str]:
    """The codes an indicator's numerator and denominator may use, by its data source."""
    return set(MEASURES) if source == IndicatorSource.REGISTERS else report_codes()


class IndicatorAdminForm(forms.ModelForm):
    """Every expression is checked before saving: a bad one is a field error and nothing is saved.

    Syntax in ``clean_<field>``; the codes in ``clean``, because which codes exist depends on the source
    (data elements for the monthly reports, register measures for the registers). The admin builds the
    model form on top of this class (its fields come from ``IndicatorAdmin``).
    """

    def clean_numerator(self) -> str:
        return clean_expression(self.cleaned_data["numerator"])

    def clean_denominator(self) -> str:
        return clean_expression(self.cleaned_data["denominator"])

    def clean_reported_numerator(self) -> str:
        return clean_expression(self.cleaned_data["reported_numerator"], report_codes())

    def clean_reported_denominator(self) -> str:
        return clean_expression(self.cleaned_data["reported_denominator"], report_codes())

    def clean(self) -> dict[str, Any]:
        super().clean()
        registers = self.cleaned_data.get("source") == IndicatorSource.REGISTERS
        words: dict[str, Any] = {"kind": "登记指标量编码", "hint": "数据来源为个案登记时只能用 "
                                 + "、".join(sorted(MEASURES)) + "。"} if registers else {}
        for name in ("numerator", "denominator"):
            if name in self.cleaned_data:
                try:
                    clean_expression(self.cleaned_data[name], expression_codes(self.cleaned_data.get("source", "")),
                                     **words)
                except ValidationError as exc:
                    self.add_error(name, exc)
        return self.cleaned_data


@admin.register(Indicator)
class IndicatorAdmin(AuditedAdmin):
    form = IndicatorAdminForm
    list_display = ["code", "name", "numerator", "denominator", "factor", "definition_set", "is_key"]
    list_filter = ["definition_set", "is_key"]
    search_fields = ["code", "name"]


@admin.register(Target)
class TargetAdmin(AuditedAdmin):
    list_display = ["indicator", "org_unit", "year", "annual_value", "split_by_quarter"]
    list_filter = ["year", "indicator"]
