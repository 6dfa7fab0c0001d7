
from django.contrib import admin

from ducha.audit.models import AuditChainHead, AuditEntry
from ducha.core.admin import ReadOnlyAdmin


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = ["seq", "at", "actor", "action", "object_type", "object_id", "summary", "short_hash"]
    list_filter = ["action", "object_type"]
    search_fields = ["object_id", "summary", "actor__username", "hash"]
    readonly_fields = [f.name for f in AuditEntry._meta.fields]
    fields = ["seq", "at", "actor", "action", "object_type", "object_id", "summary", "before", "after",
              "prev_hash", "hash"]

    @admin.display(description="哈希")
    def short_hash(self, obj: AuditEntry) -> str:
        return f"{obj.hash[:12]}…"


@admin.register(AuditChainHead)
class AuditChainHeadAdmin(ReadOnlyAdmin):
    list_display = ["seq", "hash"]
    readonly_fields = ["seq", "hash"]
