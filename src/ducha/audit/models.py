"""Append-only audit log: who, when, what, before and after, each row hash-chained to the one before."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone

UNCHAINED = "审计记录只能经 ducha.audit.actions.record_audit 写入（哈希链）"


class AppendOnlyQuerySet(models.QuerySet["AuditEntry"]):
    def update(self, **kwargs: Any) -> int:
        raise PermissionError("审计记录只能追加，不能修改")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise PermissionError("审计记录不能删除")

    def bulk_create(self, objs: Any, *args: Any, **kwargs: Any) -> list[AuditEntry]:
        objs = list(objs)
        if any(not obj.hash or obj.seq is None for obj in objs):
            raise PermissionError(UNCHAINED)
        return super().bulk_create(objs, *args, **kwargs)


class AuditEntry(models.Model):
    seq = models.BigIntegerField("序号", unique=True, editable=False)
    at = models.DateTimeField("时间", default=timezone.now, editable=False, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="操作人", null=True, blank=True, on_delete=models.PROTECT
    )
    action = models.CharField("操作", max_length=64, db_index=True)
    object_type = models.CharField("对象类型", max_length=64)
    object_id = models.CharField("对象", max_length=128, blank=True)
    summary = models.CharField("说明", max_length=300, blank=True)
    before = models.JSONField("修改前", null=True, blank=True)
    after = models.JSONField("修改后", null=True, blank=True)
    prev_hash = models.CharField("前一条哈希", max_length=64, blank=True, editable=False)
    hash = models.CharField("哈希", max_length=64, editable=False)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = "审计记录"
        verbose_name_plural = "审计记录"
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.object_type}:{self.object_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise PermissionError("审计记录只能追加，不能修改")
        if not self.hash or self.seq is None:
            raise PermissionError(UNCHAINED)
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise PermissionError("审计记录不能删除")


class AuditChainHead(models.Model):
    """One row (pk 1): the last sequence number and hash. Appends lock it, so the chain never forks.

    It also lets ``ducha check-audit`` see rows cut off the end of the chain: the head says how many
    rows there were and what the last hash was.
    """

    seq = models.BigIntegerField("末条序号", default=0)
    hash = models.CharField("末条哈希", max_length=64, blank=True)

    class Meta:
        verbose_name = "审计链头"
        verbose_name_plural = "审计链头"

    def __str__(self) -> str:
        return f"#{self.seq} {self.hash[:12]}"
