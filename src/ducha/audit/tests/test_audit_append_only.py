"""Audit rows are written by actions and can be neither changed nor deleted."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction

from ducha.audit.models import AuditEntry
from ducha.core.periods import parse_period
from ducha.reporting.actions import save_report


def test_save_report_writes_who_what_before_after(mini_county):
    mc = mini_county
    save_report(actor=mc.officer_a, data_set=mc.data_set, unit_code="T01", period=parse_period("201201"),
                values={"PREG_TOTAL": 5})
    save_report(actor=mc.inspector, data_set=mc.data_set, unit_code="T01", period=parse_period("201201"),
                values={"PREG_TOTAL": 7}, overwrite=True)
    first, second = AuditEntry.objects.filter(action="reporting.save_report").order_by("id")
    assert first.actor == mc.officer_a and first.before == {"PREG_TOTAL": None} and first.after == {"PREG_TOTAL": 5}
    assert second.actor == mc.inspector and second.before == {"PREG_TOTAL": 5} and second.after == {"PREG_TOTAL": 7}
    assert second.object_id == "MCH_MONTHLY/T01/201201"


def test_orm_cannot_change_or_delete(mini_county):
    entry = AuditEntry.objects.first()
    assert entry is not None
    entry.summary = "改动"
    with pytest.raises(PermissionError):
        entry.save()
    with pytest.raises(PermissionError):
        entry.delete()
    with pytest.raises(PermissionError):
        AuditEntry.objects.all().update(summary="x")
    with pytest.raises(PermissionError):
        AuditEntry.objects.all().delete()
    assert AuditEntry.objects.filter(summary="改动").count() == 0


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the database trigger exists on PostgreSQL")
def test_database_refuses_raw_sql_changes(mini_county):
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cur:
        cur.execute("DELETE FROM audit_auditentry")
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cur:
        cur.execute("UPDATE audit_auditentry SET summary = 'x'")
    assert AuditEntry.objects.exclude(summary="x").count() == AuditEntry.objects.count() > 0


def test_admin_offers_no_change(mini_county, client):
    client.force_login(mini_county.admin)
    mini_county.admin.is_staff = mini_county.admin.is_superuser = True
    mini_county.admin.save()
    entry = AuditEntry.objects.first()
    assert entry is not None
    response = client.post(f"/admin/audit/auditentry/{entry.pk}/delete/", {"post": "yes"})
    assert response.status_code == 403
    assert AuditEntry.objects.filter(pk=entry.pk).exists()
