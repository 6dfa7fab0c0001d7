"""How the register API enters and corrects records: JSON → the web form → the same action as the page.

The API fills the entry form (``registers.forms``) with what was sent, so a request is validated by the
very rules and Chinese messages of the page, then calls the page's action (``registers.actions``).

- An entry (POST) sends the fields to fill; fields not sent stay empty, as on a new form.
- A correction (PATCH) sends ``based_on`` (the version it read) and only the fields to change; the form is
  filled with the stored record and the sent fields on top, so only fields whose value differs are written.
  When the record has changed since that version, a field to change whose stored value differs from the
  sent one is a conflict: 409 naming both values, nothing written (the page's rule, with "what the page
  showed" unknown to the API, so any such field is a conflict).
- Refusals: form and action errors 422 (``fields``: field → messages), a conflict 409, a busy database 503.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from typing import Any, TypeVar

from django import forms
from django.core.exceptions import ValidationError
from django.http import HttpResponse, QueryDict
from ninja.errors import HttpError

from ducha.core.locking import BusyError
from ducha.registers.actions import RecordConflict, display
from ducha.registers.import_write import json_value

T = TypeVar("T")
R = TypeVar("R")
# Action error keys that are not form fields: the form field the user sent instead.
FIELD_OF = {"mother": "mother_no", "id_hash": "national_id", "id_last4": "national_id"}


def _as_text(field: forms.Field | None, value: Any) -> str:
    """A JSON value as the page's form would post it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        if isinstance(field, forms.TypedChoiceField):  # 测量方式: "1" 卧位 / "0" 立位
            return "1" if value else "0"
        return "true" if value else "false"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def sent_fields(payload: Any, *, skip: tuple[str, ...] = ()) -> dict[str, Any]:
    """The fields the request actually sent (not those left to their defaults), without ``skip``."""
    return {k: v for k, v in payload.model_dump(exclude_unset=True).items() if k not in skip}


def bound_form(form_class: type[Any], sent: dict[str, Any], *, instance: Any = None, **kwargs: Any) -> Any:
    """The entry form posted with ``sent``; on a correction, over the stored values of ``instance``."""
    data = QueryDict(mutable=True)
    if instance is not None:
        stored = form_class(instance=instance, **kwargs)
        for name in stored.fields:
            text = _as_text(stored.fields[name], stored[name].value())
            data[stored.add_initial_prefix(name)] = text
            data[name] = text
    fields = form_class.base_fields
    for name, value in sent.items():
        data[name] = _as_text(fields.get(name), value)
    return form_class(data, instance=instance, **kwargs)


def _json(status: int, body: dict[str, Any]) -> HttpResponse:
    return HttpResponse(json.dumps(body, ensure_ascii=False, default=str), status=status,
                        content_type="application/json; charset=utf-8")


def invalid_response(form: Any, errors: dict[str, list[str]]) -> HttpResponse:
    """422: every problem in Chinese, each naming the field (its label and its API name)."""
    problems, by_field = [], {}
    for key, messages in errors.items():
        name = FIELD_OF.get(key, key)
        field = form.fields.get(name)
        by_field[name] = [str(m) for m in messages]
        for message in messages:
            problems.append(f"{field.label} [{name}]：{message}" if field is not None else str(message))
    return _json(422, {"detail": "没有保存：" + "；".join(problems), "problems": problems, "fields": by_field})


def conflict_response(err: RecordConflict, based_on: int, wanted: dict[str, Any]) -> HttpResponse:
    """409: the version sent and the current one, and per field the stored value and the one sent."""
    current = err.current
    conflicts = [{"field": FIELD_OF.get(key, key), "field_label": _label(current, key),
                  "current": _value(getattr(current, key)), "current_text": display(current, key, getattr(current, key)),
                  "wanted": _value(wanted.get(key)), "message": message}
                 for key, message in err.messages_by_field.items()]
    problems = [c["message"] for c in conflicts]
    return _json(409, {"detail": "数据已被他人修改，什么都没有写入：" + "；".join(problems), "problems": problems,
                       "based_on": based_on, "current_version": getattr(current, "version", None),
                       "conflicts": conflicts})


def _label(obj: Any, name: str) -> str:
    return str(getattr(obj._meta.get_field(name), "verbose_name", name))


def _value(value: Any) -> Any:
    """A stored value in JSON: a mother's record as its number, a date as 2012-01-31, a decimal as a number."""
    if hasattr(value, "record_no"):
        return value.record_no
    shown = json_value(value)
    return float(shown) if hasattr(value, "as_tuple") else shown


def submit(form: Any, save: Callable[[dict[str, Any]], T], answer: Callable[[T], R], *,
           based_on: int | None = None) -> R | HttpResponse:
    """Validate ``form``, hand its values to ``save`` (an action) and answer with what it saved; a refusal
    as the API's answer instead."""
    if not form.is_valid():
        return invalid_response(form, form.errors)
    values = form.values()
    try:
        saved = save(values)
    except RecordConflict as err:
        return conflict_response(err, based_on if based_on is not None else 0, values)
    except ValidationError as err:
        return invalid_response(form, err.message_dict if hasattr(err, "error_dict") else {"__all__": err.messages})
    except BusyError as err:
        raise HttpError(503, str(err)) from None
    return answer(saved)


def correct(form_class: type[Any], stored: Any, payload: Any, update: Callable[..., T], answer: Callable[[T], R],
            **form_kwargs: Any) -> R | HttpResponse:
    """A correction (PATCH): the form over ``stored`` with the sent fields on top, then
    ``update(values=…, based_on=…)`` with the version the caller read (a stale one whose fields changed: 409)."""
    form = bound_form(form_class, sent_fields(payload, skip=("based_on",)), instance=stored, **form_kwargs)
    return submit(form, lambda values: update(values=values, based_on=payload.based_on), answer,
                  based_on=payload.based_on)
