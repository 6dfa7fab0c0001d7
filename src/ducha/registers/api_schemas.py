"""Schemas of the register API, built from the entry forms so the API takes exactly what the forms take.

Each table's fields are the fields of its web form (``registers.forms``), typed from the model field
behind them: text with its maximum length, dates as ``2012-01-31``, whole numbers within the column's
range, one decimal place numbers, a choice as its stored code (the meaning of each code is in the
field's description), yes/no as ``true``/``false``. The form still validates what it gets (date order,
dates in the future, a weight that must be above 0, a mother's record number), so the API refuses what
the form refuses with the form's Chinese message. A personal ID number is written (``national_id``) but
never read back: like the record page, the API shows only its last four digits (``id_last4``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime
from typing import Annotated, Any, Literal, TypeVar

from django import forms as django_forms
from django.db import models
from ninja import Schema
from pydantic import BeforeValidator, ConfigDict, Field, StrictBool, StrictFloat, StrictInt, create_model
from pydantic_core import PydanticCustomError

from ducha.api_contract import UNIT_CODE
from ducha.core.api_helpers import ID_MAX
from ducha.core.limits import UNIT_CODE_MAX_LENGTH
from ducha.registers.forms import (
    AntenatalVisitForm,
    ChildExamForm,
    ChildRecordForm,
    PostpartumVisitForm,
    PregnancyRecordForm,
)

F = TypeVar("F", bound=Callable[..., Any])
ISO_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
INT_MAX = {models.PositiveSmallIntegerField: 32767, models.PositiveIntegerField: 2_147_483_647}
FORM_ONLY = {
    "national_id": (str, Field("", max_length=30, description="身份证号（18 位或 15 位）：只保存加盐散列和后四位，"
                                                             "不保存号码本身，读取时不返回；不修改请不传")),
    "mother_no": (str, Field("", max_length=40, description="母亲手册编号：同一单位的孕产妇保健手册编号；空字符串表示没有")),
}
MEASURED_LYING = "测量方式：true 卧位（量身长），false 立位（量身高），null 未填"


def _iso_date_only(value: Any) -> Any:
    """Only ``2012-01-31`` is a date here (pydantic alone would also take 0 or "1325376000" as a timestamp)."""
    if isinstance(value, date):
        return value
    if not isinstance(value, str) or not ISO_DATE.fullmatch(value):
        raise PydanticCustomError("date_parsing", "not an ISO date")
    return value


IsoDate = Annotated[date, BeforeValidator(_iso_date_only)]


def _description(field: Any) -> str:
    text = str(field.verbose_name)
    choices = getattr(field, "choices", None)
    if choices:
        text += "：" + "、".join(f"{value} {label}" for value, label in choices)
    if field.help_text:
        text += f"（{field.help_text}）"
    return text


def _decimal_limit(field: models.DecimalField) -> float:
    digits, places = field.max_digits or 4, field.decimal_places or 0
    return float(10 ** (digits - places) - 10 ** -places)


def _typed(field: Any) -> Any:
    """The pydantic type of a model field's value (``None`` allowed where the field is nullable/blank)."""
    if isinstance(field, models.BooleanField):
        return StrictBool | None if field.null else StrictBool
    if isinstance(field, models.DateField):
        return IsoDate | None
    if isinstance(field, models.DecimalField):
        limit = _decimal_limit(field)
        return Annotated[StrictFloat, Field(ge=-limit, le=limit, allow_inf_nan=False)] | None
    if field.choices:
        return Literal[tuple(value for value, _ in field.choices)] | None  # type: ignore[misc]
    if isinstance(field, models.IntegerField):
        return Annotated[StrictInt, Field(ge=0, le=INT_MAX.get(type(field), 2_147_483_647))] | None
    return Annotated[str, Field(max_length=field.max_length)]


def _out_type(field: Any) -> Any:
    """The type of a stored value as read (no limits to check on the way out)."""
    if isinstance(field, models.BooleanField):
        return bool | None if field.null else bool
    if isinstance(field, models.DateField):
        return date | None
    if isinstance(field, models.DecimalField):
        return float | None
    if isinstance(field, models.IntegerField):
        return int | None
    return str


def _entry_type(field: Any) -> Any:
    """What an entry may send: as read, except that a text choice may also be "" (not filled in)."""
    if isinstance(field, models.CharField) and field.choices:
        return Literal[("", *(value for value, _ in field.choices))]  # type: ignore[misc]
    return _typed(field)


def _default(field: Any) -> Any:
    if isinstance(field, models.BooleanField) and not field.null:
        return False
    return "" if isinstance(field, models.CharField) else None


def form_field_names(form_class: type[django_forms.ModelForm]) -> list[str]:
    return [*(form_class._meta.fields or ()), *(n for n in FORM_ONLY if n in form_class.base_fields)]


def _fields(form_class: type[django_forms.ModelForm], *, entry: bool) -> dict[str, Any]:
    model = form_class._meta.model
    out: dict[str, Any] = {}
    for name in form_field_names(form_class):
        if name in FORM_ONLY:
            if entry:
                out[name] = FORM_ONLY[name]
            continue
        field = model._meta.get_field(name)
        description = MEASURED_LYING if name == "measured_lying" else _description(field)
        kind = _entry_type(field) if entry else _out_type(field)
        out[name] = (kind, Field(_default(field), description=description))
    return out


class EntryIn(Schema):
    """What an entry or a correction sends: only the form's fields (any other field is refused)."""

    model_config = ConfigDict(extra="forbid")


def _entry_schema(name: str, form_class: type[django_forms.ModelForm], *, required: tuple[str, ...] = (),
                  extra: dict[str, Any] | None = None, example: dict[str, Any]) -> Any:
    fields = _fields(form_class, entry=True)
    for key in required:
        kind, info = fields[key]
        fields[key] = (kind, Field(..., min_length=1, description=info.description))
    model: Any = create_model(name, __base__=EntryIn, **(extra or {}), **fields)
    model.model_config["json_schema_extra"] = {"examples": [example]}
    model.model_rebuild(force=True)
    return model


UNIT_FIELD = (str, Field(..., pattern=UNIT_CODE, max_length=UNIT_CODE_MAX_LENGTH, description="责任单位编码（调用者有权录入的单位），如 T01"))
BASED_ON = (Annotated[StrictInt, Field(ge=0, le=ID_MAX)], Field(
    ..., description="修改所依据的版本（读取时返回的 version）；库中的版本已不同且要改的字段已被他人改动时返回 409，什么都不写入"))

PREGNANCY_EXAMPLE = {"unit": "T01", "record_no": "T01-2012-001", "name": "王某某", "registered_on": "2012-01-10",
                     "lmp": "2011-11-20"}
CHILD_EXAMPLE = {"unit": "T01", "record_no": "E2012-001", "name": "李某", "sex": 1, "birth_date": "2012-03-05"}
ANTENATAL_EXAMPLE = {"visit_on": "2012-02-10", "weeks": 12.0, "weight_kg": 55.0, "sbp": 110, "dbp": 70}
POSTPARTUM_EXAMPLE = {"visit_on": "2012-08-20", "sbp": 115, "dbp": 75, "findings": "正常"}
EXAM_EXAMPLE = {"exam_on": "2012-06-05", "weight_kg": 7.2, "length_cm": 65.0, "measured_lying": True}

PregnancyRecordIn: Any = _entry_schema("PregnancyRecordIn", PregnancyRecordForm, required=("record_no",),
                                  extra={"unit": UNIT_FIELD}, example=PREGNANCY_EXAMPLE)
PregnancyRecordPatch: Any = _entry_schema("PregnancyRecordPatch", PregnancyRecordForm, extra={"based_on": BASED_ON},
                                     example={"based_on": 0, "phone": "13800000000"})
ChildRecordIn: Any = _entry_schema("ChildRecordIn", ChildRecordForm, required=("record_no",),
                              extra={"unit": UNIT_FIELD}, example=CHILD_EXAMPLE)
ChildRecordPatch: Any = _entry_schema("ChildRecordPatch", ChildRecordForm, extra={"based_on": BASED_ON},
                                 example={"based_on": 0, "vulnerable": True})
AntenatalVisitIn: Any = _entry_schema("AntenatalVisitIn", AntenatalVisitForm, example=ANTENATAL_EXAMPLE)
AntenatalVisitPatch: Any = _entry_schema("AntenatalVisitPatch", AntenatalVisitForm, extra={"based_on": BASED_ON},
                                    example={"based_on": 0, "hb": 118})
PostpartumVisitIn: Any = _entry_schema("PostpartumVisitIn", PostpartumVisitForm, example=POSTPARTUM_EXAMPLE)
PostpartumVisitPatch: Any = _entry_schema("PostpartumVisitPatch", PostpartumVisitForm,
                                     extra={"based_on": BASED_ON}, example={"based_on": 0, "findings": "正常"})
ChildExamIn: Any = _entry_schema("ChildExamIn", ChildExamForm, example=EXAM_EXAMPLE)
ChildExamPatch: Any = _entry_schema("ChildExamPatch", ChildExamForm, extra={"based_on": BASED_ON},
                               example={"based_on": 0, "head_cm": 42.5})


def with_body(schema: Any) -> Callable[[F], F]:
    """Give an operation's ``payload`` the body schema built above (django-ninja reads the annotation)."""

    def decorate(view: F) -> F:
        view.__annotations__["payload"] = schema
        return view

    return decorate


# ---- what is read -----------------------------------------------------------------------------------

class EntryOut(Schema):
    """Entry metadata of a record, visit or exam, as the record page shows it."""

    id: int = Field(description="编号（网页地址中的数字）")
    version: int = Field(description="版本：修改时在 based_on 中原样传回")
    created_at: datetime = Field(description="录入时间")
    created_by: str = Field(description="录入人（姓名，或用户名；系统录入为“系统”）")
    batch: str = Field(description="导入批次的文件名；手工录入为空")
    source_sheet: str = Field(description="导入时的工作表")
    source_row: int | None = Field(description="导入时的行号")
    updated_at: datetime = Field(description="最后修改时间")


def _out_schema(name: str, form_class: type[django_forms.ModelForm], extra: dict[str, Any]) -> Any:
    fields: dict[str, Any] = extra | {k: (kind, Field(description=info.description))
                                      for k, (kind, info) in _fields(form_class, entry=False).items()}
    return create_model(name, __base__=EntryOut, **fields)


RECORD_EXTRA = {
    "unit": (str, Field(description="责任单位编码")),
    "unit_name": (str, Field(description="责任单位名称")),
}
PregnancyRecordOut: Any = _out_schema("PregnancyRecordOut", PregnancyRecordForm, RECORD_EXTRA | {
    "id_last4": (str, Field(description="身份证号后四位（号码本身不保存）")),
    "antenatal_visit_count": (int, Field(description="产前检查次数")),
})
ChildRecordOut: Any = _out_schema("ChildRecordOut", ChildRecordForm, RECORD_EXTRA | {
    "mother_id": (int | None, Field(description="母亲的孕产妇保健手册编号（id）；没有或无权查看时为空")),
    "mother_no": (str, Field(description="母亲手册编号；没有时为空")),
    "exam_count": (int, Field(description="体检次数")),
})
AntenatalVisitOut: Any = _out_schema("AntenatalVisitOut", AntenatalVisitForm, {})
PostpartumVisitOut: Any = _out_schema("PostpartumVisitOut", PostpartumVisitForm, {})
ChildExamOut: Any = _out_schema("ChildExamOut", ChildExamForm, {})
PregnancyRecordDetailOut: Any = create_model(
    "PregnancyRecordDetailOut", __base__=PregnancyRecordOut,
    antenatal_visits=(list[AntenatalVisitOut], Field(description="产前检查，按日期先后")),
    postpartum_visits=(list[PostpartumVisitOut], Field(description="产后访视，按日期先后")),
    children=(list[int], Field(description="由此手册登记的儿童保健手册编号（id）")),
)
ChildRecordDetailOut: Any = create_model(
    "ChildRecordDetailOut", __base__=ChildRecordOut,
    exams=(list[ChildExamOut], Field(description="体检，按日期先后")),
)

