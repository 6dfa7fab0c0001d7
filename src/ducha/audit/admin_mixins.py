"""Configuration edited in Django admin is audited like every other write, so it moves the data stamp.

Cached results are keyed on the audit chain head (``ducha.audit.generation``): a write without an audit row
would leave them stale. Every way the admin writes goes through one of these hooks, and each records its
audit rows after its writes, in the same transaction (the chain head is the last lock it takes,
``ducha.audit.actions``):

- the change form (and the list's editable columns): ``save_model`` writes the object and ``save_related``
  its many-to-many fields and inline rows; then one row for the object (before and after, many-to-many
  fields included) and one per inline object added, changed or deleted (``save_formset`` collects them);
- 删除 on one object (``delete_model``) and the 删除所选 action (``delete_queryset``): one row per object.

A subclass that writes through an action of its own (which audits) and skips ``super().save_model`` records
no second row for the object.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.models import AnonymousUser
from django.db import models, transaction
from django.forms.models import model_to_dict
from django.http import HttpRequest

from ducha.audit.actions import record_audit_bulk
from ducha.audit.models import AuditEntry

_PENDING = "_ducha_audit_pending"  # set on the form / formset while a save is under way, read by save_related
SUMMARY_MAX = AuditEntry._meta.get_field("summary").max_length or 300


def _plain(value: Any) -> Any:
    if isinstance(value, int | float | str | bool | type(None)):
        return value
    if isinstance(value, list | tuple | set):  # many-to-many: the related objects
        return sorted(str(v) for v in value)
    return str(value)


SECRET_FIELDS = frozenset({"password"})  # kept out of the audit trail: only that it is set


def _snapshot(obj: models.Model) -> dict[str, Any]:
    return {k: ("（已设置）" if v else "") if k in SECRET_FIELDS else _plain(v) for k, v in model_to_dict(obj).items()}


def _stored_snapshot(obj: models.Model) -> dict[str, Any] | None:
    """The object as the database holds it now, many-to-many fields included (numbers as stored: 70.00)."""
    stored = type(obj)._default_manager.filter(pk=obj.pk).first()
    return _snapshot(stored) if stored is not None else None


def _label(obj: models.Model, skip: str = "") -> str:
    """``str(obj)`` if its model says how to show it; otherwise its kind and its short, readable fields."""
    if type(obj).__str__ is not models.Model.__str__:
        return str(obj)
    parts: list[str] = []
    for field in obj._meta.concrete_fields:
        if field.primary_key or field.name == skip:
            continue
        if field.is_relation:
            value = getattr(obj, field.name, None)
        elif isinstance(field, models.CharField) and not field.choices:
            value = getattr(obj, field.attname)
        else:
            continue
        if value not in (None, ""):
            parts.append(str(value))
    return " ".join([str(obj._meta.verbose_name), *parts])


def _entry(request: HttpRequest, action: str, obj: models.Model, summary: str, *, object_id: Any = None,
           before: Any = None, after: Any = None) -> AuditEntry:
    user = None if isinstance(request.user, AnonymousUser) else request.user
    return AuditEntry(actor=user, action=action, object_type=type(obj).__name__,
                      object_id=str(obj.pk if object_id is None else object_id), summary=summary[:SUMMARY_MAX],
                      before=before, after=after)


def _parent_field(formset: Any) -> str:
    fk = getattr(formset, "fk", None)
    return fk.name if fk is not None else ""


class AuditedAdmin(admin.ModelAdmin):
    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        before = _stored_snapshot(obj) if change and obj.pk else None
        super().save_model(request, obj, form, change)
        setattr(form, _PENDING, (change, before))

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        parent, skip = form.instance, _parent_field(formset)
        deleted = {id(f.instance): (_label(f.instance, skip), f.instance.pk, _stored_snapshot(f.instance))
                   for f in formset.deleted_forms if f.instance.pk is not None}
        stored = {f.instance.pk: _stored_snapshot(f.instance) for f in formset.initial_forms
                  if f.instance.pk is not None and f.has_changed() and id(f.instance) not in deleted}
        super().save_formset(request, form, formset, change)
        entries: list[AuditEntry] = []
        for obj in formset.new_objects:
            entries.append(_entry(request, "admin.add", obj, f"后台新增 {parent}：{_label(obj, skip)}",
                                  after=_stored_snapshot(obj)))
        for obj, _fields in formset.changed_objects:
            entries.append(_entry(request, "admin.change", obj, f"后台修改 {parent}：{_label(obj, skip)}",
                                  before=stored.get(obj.pk), after=_stored_snapshot(obj)))
        for obj in formset.deleted_objects:
            label, pk, before = deleted.get(id(obj), (_label(obj, skip), obj.pk, None))
            entries.append(_entry(request, "admin.delete", obj, f"后台删除 {parent}：{label}", object_id=pk,
                                  before=before))
        setattr(formset, _PENDING, entries)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        with transaction.atomic():
            super().save_related(request, form, formsets, change)
            entries: list[AuditEntry] = []
            pending = form.__dict__.pop(_PENDING, None)
            if pending is not None:  # the object itself was written by save_model above
                changed, before = pending
                obj = form.instance
                verb = "修改" if changed else "新增"
                entries.append(_entry(request, f"admin.{'change' if changed else 'add'}", obj,
                                      f"后台{verb} {_label(obj)}", before=before, after=_stored_snapshot(obj)))
            for formset in formsets:
                entries.extend(formset.__dict__.pop(_PENDING, []))
            record_audit_bulk(entries)

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        entry = _entry(request, "admin.delete", obj, f"后台删除 {_label(obj)}", before=_snapshot(obj))
        with transaction.atomic():
            super().delete_model(request, obj)
            record_audit_bulk([entry])

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        """The 删除所选 action: one audit row per object deleted."""
        with transaction.atomic():
            entries = [_entry(request, "admin.delete", obj, f"后台删除 {_label(obj)}", before=_snapshot(obj))
                       for obj in queryset]
            super().delete_queryset(request, queryset)
            record_audit_bulk(entries)
