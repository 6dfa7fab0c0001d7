
from django.contrib import admin
from django.utils.html import format_html

from ducha.audit.labels import action_label, object_label
from ducha.audit.models import AuditChainHead, AuditEntry
from ducha.core.actor import actor_label
from ducha.core.admin import ReadOnlyAdmin


class ActionFilter(admin.SimpleListFilter):
    title = "操作"
    parameter_name = "action"

    def lookups(self, request, model_admin):  # type: ignore[no-untyped-def]
        actions = AuditEntry.objects.order_by().values_list("action", flat=True).distinct()
        return sorted(((a, action_label(a)) for a in actions), key=lambda pair: pair[1])

    def queryset(self, request, queryset):  # type: ignore[no-untyped-def]
        return queryset.filter(action=self.value()) if self.value() else queryset


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = ["seq", "when", "who", "what", "on_what", "summary"]
    list_display_links = ["seq", "when"]
    list_filter = [ActionFilter, "at"]
    list_select_related = ["actor"]
    list_per_page = 50
    search_fields = ["object_id", "summary", "actor__username", "actor__first_name", "actor__last_name", "hash"]
    readonly_fields = [f.name for f in AuditEntry._meta.fields]
    fields = ["seq", "at", "actor", "action", "object_type", "object_id", "summary", "before", "after",
              "prev_hash", "hash"]

    @admin.display(description="时间", ordering="at")
    def when(self, obj: AuditEntry) -> str:
        from django.utils import timezone

        return f"{timezone.localtime(obj.at):%Y-%m-%d %H:%M:%S}"

    @admin.display(description="操作人", ordering="actor__username")
    def who(self, obj: AuditEntry) -> str:
        return actor_label(obj.actor)

    @admin.display(description="操作", ordering="action")
    def what(self, obj: AuditEntry) -> str:
        return format_html('<span title="{}">{}</span>', obj.action, action_label(obj.action))

    @admin.display(description="对象", ordering="object_type")
    def on_what(self, obj: AuditEntry) -> str:
        label = object_label(obj.object_type)
        return f"{label} {obj.object_id}".strip()


@admin.register(AuditChainHead)
class AuditChainHeadAdmin(ReadOnlyAdmin):
    list_display = ["seq", "hash"]
    readonly_fields = ["seq", "hash"]
