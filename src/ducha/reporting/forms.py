"""Forms of the Excel pages: choose a data set and period for a template; upload a filled file."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.functional import lazy
from django.utils.text import format_lazy

from ducha.core.files import limit_text, upload_problem
from ducha.core.periods import PeriodError, parse_period
from ducha.reporting.models import DataSet


class _DataSetForm(forms.Form):
    data_set = forms.ModelChoiceField(
        queryset=DataSet.objects.none(), label="报表", to_field_name="code", empty_label=None,
        error_messages={"required": "请选择报表", "invalid_choice": "没有这个报表，或您无权填报该报表"},
    )

    def __init__(self, *args: Any, data_sets: QuerySet[DataSet], **kwargs: Any):
        super().__init__(*args, **kwargs)
        field = self.fields["data_set"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = data_sets


class TemplateForm(_DataSetForm):
    """Data set and period of a template; the period is picked from a list (``period_groups``), as on the
    other pages, and a period typed into the address (``?period=2012Q1``) is still read."""

    period = forms.CharField(
        label="期间", max_length=10, help_text="季度、年或月；模板中每个单位每个月一行",
        error_messages={"required": "请选择期间"},
    )

    def __init__(self, *args: Any, period_groups: list[tuple[str, list[tuple[str, str]]]] | None = None,
                 **kwargs: Any):
        super().__init__(*args, **kwargs)
        if period_groups:
            self.fields["period"].widget = forms.Select(choices=period_groups)

    def clean_period(self) -> Any:
        try:
            return parse_period(self.cleaned_data["period"])
        except PeriodError as err:
            raise forms.ValidationError(str(err)) from None


class UploadForm(_DataSetForm):
    file = forms.FileField(
        label="填好的文件", help_text=format_lazy("Excel 模板（.xlsx）或同样表头的 CSV（UTF-8 或 GBK 编码），不超过 {}",
                              lazy(limit_text, str)()),
        error_messages={"required": "请选择要上传的文件", "empty": "上传的文件是空的（IMP001）", "invalid": "上传的不是文件"},
    )
    overwrite = forms.BooleanField(
        label="覆盖系统中已有的数值", required=False,
        help_text="只在文件来自其他系统（没有版本信息）且确认以文件为准时勾选：文件中的数值将替换系统中不同的数值。"
                  "从本系统下载的模板不需要勾选",
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if problem := upload_problem(upload.name, upload.size):
            raise forms.ValidationError(problem)
        return upload
