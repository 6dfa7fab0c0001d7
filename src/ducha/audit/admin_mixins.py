"""Configuration edited in Django admin is audited like every other write."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db import transaction
from django.forms.models import model_to_dict
from django.http import HttpRequest

from ducha.audit.actions import record_audit


def _snapshot(obj: Any) -> dict[str, Any]:
    return {k: (v if isinstance(v, int | float | str | bool | type(None)) else str(v))
            for k, v in model_to_dict(obj).items()}


class AuditedAdmin(admin.ModelAdmin):
    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        before = _snapshot(type(obj).objects.get(pk=obj.pk)) if change and obj.pk else None
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            record_audit(actor=request.user, action=f"admin.{'change' if change else 'add'}",
                         object_type=type(obj).__name__, object_id=obj.pk, summary=f"后台{'修改' if change else '新增'} {obj}",
                         before=before, after=_snapshot(obj))

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        with transaction.atomic():
            record_audit(actor=request.user, action="admin.delete", object_type=type(obj).__name__,
                         object_id=obj.pk, summary=f"后台删除 {obj}", before=_snapshot(obj))
            super().delete_model(request, obj)
