"""The Django admin shows audit rows (their hashes on the detail page) and offers no way to add, change or delete them."""

from __future__ import annotations

from ducha.audit.actions import record_audit
from ducha.audit.models import AuditChainHead


def test_admin_is_read_only_and_shows_the_hash(mini_county, client):
    admin = mini_county.admin
    admin.is_staff = admin.is_superuser = True
    admin.save()
    client.force_login(admin)
    entry = record_audit(actor=admin, action="test.admin", object_type="X", summary="后台查看")
    listing = client.get("/admin/audit/auditentry/")
    assert listing.status_code == 200 and "后台查看" in listing.content.decode()
    page = client.get(f"/admin/audit/auditentry/{entry.pk}/change/")
    html = page.content.decode()
    assert page.status_code == 200 and entry.hash in html and entry.prev_hash in html
    assert 'name="_save"' not in html and "/delete/" not in html
    assert client.get("/admin/audit/auditentry/add/").status_code == 403
    response = client.post(f"/admin/audit/auditentry/{entry.pk}/change/", {"summary": "改动"})
    assert response.status_code == 403
    head = AuditChainHead.objects.get()
    assert client.post(f"/admin/audit/auditchainhead/{head.pk}/change/", {"seq": 0}).status_code == 403
    assert client.post(f"/admin/audit/auditchainhead/{head.pk}/delete/", {"post": "yes"}).status_code == 403
    assert AuditChainHead.objects.get().seq == head.seq
