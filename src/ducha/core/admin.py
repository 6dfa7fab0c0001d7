"""Admin pieces shared by the apps (Django's admin only; no ducha app imported)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from ducha.core.models import Job, WorkerBeat


class ReadOnlyAdmin(admin.ModelAdmin):
    """Lists and detail pages only: rows written by ducha's actions are never added, changed or deleted here."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False



@admin.register(Job)
class JobAdmin(ReadOnlyAdmin):
    """Background jobs (docs/jobs.md): written only by ducha.core.jobs and the worker."""

    list_display = ("pk", "title", "state", "done", "total", "started_by", "created_at", "finished_at")
    list_filter = ("state", "kind")
    search_fields = ("title", "dedupe_key", "error")


@admin.register(WorkerBeat)
class WorkerBeatAdmin(ReadOnlyAdmin):
    """Running background worker processes (docs/jobs.md): written only by the worker (core.worker_presence)."""

    list_display = ("host", "pid", "queue", "started_at", "beat_at")
