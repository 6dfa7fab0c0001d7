from typing import Any

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.http import HttpRequest

from ducha.audit.admin_mixins import AuditedAdmin
from ducha.orgs.actions import set_tree_path, update_org_unit
from ducha.orgs.admin_forms import OrgUnitAdminForm
from ducha.orgs.models import ApiToken, Membership, OrgUnit


@admin.register(OrgUnit)
class OrgUnitAdmin(AuditedAdmin):
    form = OrgUnitAdminForm
    list_display = ["code", "name", "short_name", "kind", "parent", "population", "opened_on", "closed_on"]
    list_filter = ["kind"]
    search_fields = ["code", "name", "short_name"]
    readonly_fields = ["path", "level"]

    def save_model(self, request: HttpRequest, obj: OrgUnit, form: Any, change: bool) -> None:
        # Paths of the unit and its subtree are maintained by the action.
        if change:
            fields = {f: form.cleaned_data[f] for f in form.changed_data}
            update_org_unit(actor=request.user, unit=OrgUnit.objects.get(pk=obj.pk), **fields)
            return
        set_tree_path(obj)
        super().save_model(request, obj, form, change)


@admin.register(Membership)
class MembershipAdmin(AuditedAdmin):
    list_display = ["user", "role", "org_unit"]
    list_filter = ["role"]
    search_fields = ["user__username", "org_unit__name"]


@admin.register(ApiToken)
class ApiTokenAdmin(AuditedAdmin):
    list_display = ["prefix", "user", "name", "created_at", "last_used_at"]
    readonly_fields = ["prefix", "digest", "created_at", "last_used_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # tokens are issued by `ducha token`, which shows the raw value once


class AuditedUserAdmin(AuditedAdmin, UserAdmin):  # type: ignore[misc]
    """Django's user admin, audited like every other configuration edit (roles, flags, names; never the hash)."""


admin.site.unregister(get_user_model())
admin.site.register(get_user_model(), AuditedUserAdmin)
