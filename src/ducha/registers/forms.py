"""Forms for entering and correcting one record, visit or exam, and for uploading register files.

Forms only parse and validate input (Chinese messages); the writes go through ``actions``. The
date checks are the import's (``import_columns.date_errors``), so a hand-entered record obeys the
same rules as an imported one.
"""

from __future__ import annotations

import copy
from datetime import date
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.http import QueryDict
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.text import format_lazy

from ducha.core.excel_io import CellError
from ducha.core.files import limit_text, upload_problem
from ducha.orgs.models import OrgUnit
from ducha.registers.import_cells import id_salt, parse_national_id
from ducha.registers.import_columns import (
    ANTENATAL,
    CHILD,
    EXAM,
    POSTPARTUM,
    PREGNANCY,
    TableSpec,
    date_errors,
)
from ducha.registers.models import AntenatalVisit, ChildExam, ChildRecord, PostpartumVisit, PregnancyRecord

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class _EntryForm(forms.ModelForm):
    """Common parts: date widgets, the shared date rules, values for the action."""

    table: TableSpec

    def __init__(self, *args: Any, record: Any = None, **kwargs: Any):
        editing = kwargs.get("instance") is not None
        if editing:
            kwargs["instance"] = copy.copy(kwargs["instance"])  # validation must not change the caller's object
        super().__init__(*args, **kwargs)
        self.record = record
        for field in self.fields.values():
            if isinstance(field, forms.DateField):
                field.widget = DATE_WIDGET
                field.error_messages["invalid"] = "请输入有效的日期，如 2012-01-31"
            elif isinstance(field, forms.IntegerField | forms.DecimalField | forms.FloatField):
                _typed_as_text(field)
            # An edit posts what each field showed ("initial-<name>"): only fields the user changed are written.
            field.show_hidden_initial = editing

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        record = {k: getattr(self.record, k, None) for k in ("birth_date", "lmp", "delivered_on")} if self.record \
            else None
        for key, message in date_errors(self.table, data, record, today=timezone.localdate()):
            if key in self.fields and key not in self.errors:
                self.add_error(key, message)
        return data

    def values(self) -> dict[str, Any]:
        """Model field → value to write: on an edit only the fields the user changed, on a new entry all."""
        names = [n for n in self._meta.fields or () if n in self.cleaned_data]
        if self.instance.pk is not None:
            names = [n for n in names if n in self.changed_data]
        return {name: self.cleaned_data[name] for name in names}

    def shown(self, name: str) -> Any:
        """The value field ``name`` showed when the page was opened (posted as ``initial-<name>``)."""
        field = self.fields[name]
        raw = field.hidden_widget().value_from_datadict(self.data, self.files, self.add_initial_prefix(name))
        try:
            return field.clean(raw)
        except forms.ValidationError:
            return None

    def shown_values(self, values: dict[str, Any]) -> dict[str, Any]:
        """What the page showed for each field in ``values`` (model field names)."""
        return {name: self.shown(name) for name in values if name in self.fields}


def _typed_as_text(field: forms.Field) -> None:
    """A number field posts what was typed: a browser posts "" for a number input holding "3e", which
    would clear the stored value; as text the server sees "3e" and refuses it, keeping the stored value."""
    attrs = {k: v for k, v in field.widget.attrs.items() if k not in ("step", "min", "max")}
    decimal = not isinstance(field, forms.IntegerField)
    field.widget = forms.TextInput(attrs=attrs | {"inputmode": "decimal" if decimal else "numeric"})


def _as_post(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def refreshed_form(form: _EntryForm, current: Any, **kwargs: Any) -> _EntryForm:
    """``form`` again, now based on the ``current`` stored record: every field shows (and posts as what it
    showed) the stored value, except the fields the user changed, which keep what the user typed."""
    stored = type(form)(instance=current, **kwargs)
    data = QueryDict(mutable=True)
    data.update(form.data)
    for name in stored.fields:
        text = _as_post(stored[name].value())
        data[stored.add_initial_prefix(name)] = text
        if name not in form.changed_data:
            data[name] = text
    return type(form)(data, form.files, instance=current, **kwargs)


def _positive(value: Any, label: str) -> Any:
    if value is not None and value <= 0:
        raise forms.ValidationError(f"{label}必须大于 0")
    return value


class PregnancyRecordForm(_EntryForm):
    table = PREGNANCY
    national_id = forms.CharField(label="身份证号", required=False, max_length=30,
                                  help_text="只保存加盐散列和后四位，不保存号码本身；不修改请留空")

    class Meta:
        model = PregnancyRecord
        fields = ["record_no", "name", "birth_date", "phone", "village", "registered_on", "lmp", "edd",
                  "gravidity", "parity", "weeks_at_registration", "risk_grade", "high_risk_reasons", "referred",
                  "hiv_tested_on", "hiv_result", "syphilis_tested_on", "syphilis_result", "hbv_tested_on",
                  "hbv_result", "blood_group", "rh", "delivered_on", "delivery_place", "delivery_mode",
                  "delivery_weeks", "blood_loss_ml", "delivery_sbp", "delivery_dbp", "outcome", "babies",
                  "baby_sex", "birth_weight_g", "check_42d_on", "check_42d_result", "maternal_death_on",
                  "death_cause"]

    def clean_national_id(self) -> tuple[str, str] | None:
        raw = self.cleaned_data.get("national_id", "")
        try:
            return parse_national_id(raw, id_salt()) if raw else None
        except CellError as err:
            raise forms.ValidationError(f"{err.problem}：应为{err.expected}") from None

    def values(self) -> dict[str, Any]:
        values = super().values()
        if self.cleaned_data.get("national_id"):
            values["id_hash"], values["id_last4"] = self.cleaned_data["national_id"]
        return values


class ChildRecordForm(_EntryForm):
    table = CHILD
    mother_no = forms.CharField(label="母亲手册编号", required=False, max_length=40,
                                help_text="同一单位的孕产妇保健手册编号（可空）")

    class Meta:
        model = ChildRecord
        fields = ["record_no", "name", "sex", "birth_date", "birth_weight_g", "gestational_weeks", "village",
                  "vulnerable", "case_managed"]

    def __init__(self, *args: Any, unit: OrgUnit | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.unit = unit
        self.fields["sex"].required = True
        self.fields["birth_date"].required = True
        instance = kwargs.get("instance")
        if instance is not None and instance.mother_id and not self.is_bound:
            self.initial["mother_no"] = instance.mother.record_no

    def clean_mother_no(self) -> PregnancyRecord | None:
        number = (self.cleaned_data.get("mother_no") or "").strip()
        if not number:
            return None
        unit = self.unit or (self.instance.org_unit if self.instance.pk else None)
        mother = PregnancyRecord.objects.filter(org_unit=unit, record_no=number).first() if unit else None
        if mother is None:
            raise forms.ValidationError(f"本单位没有编号为“{number}”的孕产妇保健手册")
        return mother

    def values(self) -> dict[str, Any]:
        values = super().values()
        if self.instance.pk is None or "mother_no" in self.changed_data:
            values["mother"] = self.cleaned_data.get("mother_no")
        return values

    def shown_values(self, values: dict[str, Any]) -> dict[str, Any]:
        shown = super().shown_values(values)
        if "mother" in values:
            number = self.fields["mother_no"].hidden_widget().value_from_datadict(
                self.data, self.files, self.add_initial_prefix("mother_no")) or ""
            unit = self.unit or self.instance.org_unit
            shown["mother"] = PregnancyRecord.objects.filter(org_unit=unit, record_no=number.strip()).first() \
                if number.strip() else None
        return shown


class AntenatalVisitForm(_EntryForm):
    table = ANTENATAL

    class Meta:
        model = AntenatalVisit
        fields = ["visit_on", "weeks", "weight_kg", "sbp", "dbp", "hb", "fundal_height_cm", "fetal_heart_rate",
                  "examiner"]

    def clean_weight_kg(self) -> Any:
        return _positive(self.cleaned_data.get("weight_kg"), "体重")


class PostpartumVisitForm(_EntryForm):
    table = POSTPARTUM

    class Meta:
        model = PostpartumVisit
        fields = ["visit_on", "sbp", "dbp", "findings", "examiner"]


class ChildExamForm(_EntryForm):
    table = EXAM
    measured_lying = forms.TypedChoiceField(
        label="测量方式", required=False, empty_value=None,
        choices=[("", "—"), ("1", "卧位（量身长）"), ("0", "立位（量身高）")],
        coerce=lambda v: {"1": True, "0": False}.get(str(v)),
    )

    class Meta:
        model = ChildExam
        fields = ["exam_on", "weight_kg", "length_cm", "measured_lying", "head_cm", "hb", "feeding", "examiner",
                  "conclusion"]

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        instance = kwargs.get("instance")
        if instance is not None and not self.is_bound and instance.measured_lying is not None:
            self.initial["measured_lying"] = "1" if instance.measured_lying else "0"

    def clean_weight_kg(self) -> Any:
        return _positive(self.cleaned_data.get("weight_kg"), "体重")

    def clean_length_cm(self) -> Any:
        return _positive(self.cleaned_data.get("length_cm"), "身长/身高")


class UnitChoiceForm(forms.Form):
    unit = forms.ModelChoiceField(queryset=OrgUnit.objects.none(), label="责任单位", to_field_name="code",
                                  error_messages={"required": "请选择责任单位",
                                                  "invalid_choice": "没有这个单位，或您无权在该单位录入"})

    def __init__(self, *args: Any, units: QuerySet[OrgUnit], **kwargs: Any):
        super().__init__(*args, **kwargs)
        field = self.fields["unit"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = units


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field (Django's documented pattern); cleans to a list."""

    def __init__(self, *args: Any, **kwargs: Any):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ".xlsx,.xlsm,.csv"}))
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> Any:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data]
        return [single(data, initial)]


class UploadForm(forms.Form):
    upload = MultipleFileField(
        label="登记文件", help_text=format_lazy("按模板填写的 .xlsx，或每张表一个 .csv（UTF-8 或 GBK 编码），可一次选择多个"
                                             "文件；每个文件不超过 {}", lazy(limit_text, str)()),
        error_messages={"required": "请选择要上传的文件", "empty": "上传的文件是空的（IMP001）", "invalid": "上传的不是文件"},
    )

    def clean_upload(self) -> list[Any]:
        uploads: list[Any] = self.cleaned_data["upload"]
        for upload in uploads:
            if problem := upload_problem(upload.name, upload.size):
                raise forms.ValidationError(problem)
        return uploads
