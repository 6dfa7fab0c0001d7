"""The admin's org-unit form: code, names and population checked as every other write path checks them."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from ducha.orgs.actions import checked_unit_fields
from ducha.orgs.models import OrgUnit
from ducha.orgs.selectors import in_subtree


class OrgUnitAdminForm(forms.ModelForm):
    class Meta:
        model = OrgUnit
        fields = ["code", "name", "short_name", "kind", "parent", "population", "opened_on", "closed_on",
                  "sort_order"]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or self.cleaned_data
        fields = {k: cleaned[k] for k in ("code", "name", "short_name", "population") if k in cleaned}
        try:
            cleaned.update(checked_unit_fields(fields))
        except ValidationError as exc:
            for key, errors in exc.message_dict.items():
                self.add_error(key, errors)
        parent = cleaned.get("parent")
        if self.instance.pk and parent is not None and in_subtree(parent, self.instance):
            self.add_error("parent", "上级单位不能是本单位自己或它的下级单位")
        return cleaned
