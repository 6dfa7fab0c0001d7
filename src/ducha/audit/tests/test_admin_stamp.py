"""Every way the admin writes configuration records audit rows, so the data stamp moves and the next page load
is computed afresh: inline rows (a data set's elements), many-to-many fields (its reporting units), the 删除所选
action, deleting one object, the submissions. A refused write records nothing and keeps the stamp.

All through the real admin pages, posted as a browser posts them (``admin_client``), as a superuser.
"""

from __future__ import annotations

import re
from html import unescape
from typing import Any

import pytest
from django.test import Client

from ducha.audit.generation import data_generation
from ducha.audit.models import AuditEntry
from ducha.audit.tests.admin_client import admin_form, delete_selected, post_admin_form
from ducha.conftest import MiniCounty, client_of
from ducha.core.periods import parse_period
from ducha.reporting.actions import save_report
from ducha.reporting.models import DataElement, DataSetElement, Submission

pytestmark = pytest.mark.django_db
HOME = "/?unit=T00&period=2012Q1"


@pytest.fixture
def county(mini_county: MiniCounty) -> MiniCounty:
    for unit in ("T01", "T02", "T03"):
        save_report(actor=mini_county.admin, data_set=mini_county.data_set, unit_code=unit,
                    period=parse_period("201202"), values={"PREG_REGISTERED": 5, "PREG_TOTAL": 8})
    admin = mini_county.admin
    admin.is_staff = admin.is_superuser = True
    admin.save()
    return mini_county


def audits_since(seq: int) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(seq__gt=seq).order_by("seq"))


def last_seq() -> int:
    entry = AuditEntry.objects.order_by("-seq").first()
    return entry.seq if entry else 0


def reporting_stats(client: Client) -> tuple[int, int, int]:
    """(报送单位, 已报, 应报) as the dashboard shows them."""
    html = client.get(HOME).content.decode()
    units = re.search(r'<div class="stat-label">报送单位</div>\s*<div class="stat-value">(\d+)</div>', html)
    reports = re.search(r"已报 (\d+) / 应报 (\d+) 份", html)
    assert units and reports, html[:300]
    return int(units.group(1)), int(reports.group(1)), int(reports.group(2))


def inline_index(form: dict[str, list[str]], element: DataElement) -> int:
    total = int(form["set_elements-TOTAL_FORMS"][0])
    return next(i for i in range(total) if form[f"set_elements-{i}-data_element"] == [str(element.pk)])


def test_inline_rows_and_reporting_units_edited_on_a_data_set_are_audited(county: MiniCounty) -> None:
    inspector = client_of(county.inspector)
    assert reporting_stats(inspector) == (4, 3, 12)  # kept: the next load reads the rendered page
    data_set = county.data_set
    extra = DataElement.objects.create(code="NEW_ELEMENT", name="新增数据元")
    dropped, relaxed = DataElement.objects.get(code="FOLIC_NEW"), DataElement.objects.get(code="PREG_TOTAL")
    url = f"/admin/reporting/dataset/{data_set.pk}/change/"
    admin = client_of(county.admin)
    form = admin_form(admin, url)
    total = int(form["set_elements-TOTAL_FORMS"][0])
    changes: dict[str, Any] = {
        f"set_elements-{inline_index(form, dropped)}-DELETE": "on",
        f"set_elements-{inline_index(form, relaxed)}-required": None,  # unticked
        "set_elements-TOTAL_FORMS": total + 1,
        f"set_elements-{total}-data_set": data_set.pk, f"set_elements-{total}-data_element": extra.pk,
        f"set_elements-{total}-order": 99, f"set_elements-{total}-required": "on",
        f"set_elements-{total}-section": "其他",
        "org_units": [county.town_a.pk, county.town_b.pk, county.town_c.pk],  # the county hospital no longer reports
    }
    stamp, seq = data_generation(), last_seq()
    saved = post_admin_form(admin, url, **changes)
    assert saved.status_code == 302, unescape(saved.content.decode())[:800]

    assert data_generation() != stamp
    assert reporting_stats(inspector) == (3, 3, 9)
    links = DataSetElement.objects.filter(data_set=data_set)
    assert not links.filter(data_element=dropped).exists() and links.get(data_element=extra).section == "其他"
    assert links.get(data_element=relaxed).required is False
    rows = {(e.action, e.object_type): e for e in audits_since(seq)}
    assert set(rows) == {("admin.change", "DataSet"), ("admin.add", "DataSetElement"),
                         ("admin.change", "DataSetElement"), ("admin.delete", "DataSetElement")}
    assert all(e.actor == county.admin for e in rows.values())
    own = rows[("admin.change", "DataSet")]
    assert own.summary == "后台修改 妇幼保健月报表"
    assert "测试县人民医院" in own.before["org_units"] and "测试县人民医院" not in own.after["org_units"]
    assert "新增数据元（NEW_ELEMENT）" in own.after["elements"] and "新增数据元（NEW_ELEMENT）" not in own.before["elements"]
    added, changed = rows[("admin.add", "DataSetElement")], rows[("admin.change", "DataSetElement")]
    assert added.summary == "后台新增 妇幼保健月报表：报表项目 新增数据元（NEW_ELEMENT） 其他"
    assert changed.summary.startswith(f"后台修改 妇幼保健月报表：报表项目 {relaxed}")
    assert (changed.before["required"], changed.after["required"]) == (True, False)
    deleted = rows[("admin.delete", "DataSetElement")]
    assert deleted.summary.startswith(f"后台删除 妇幼保健月报表：报表项目 {dropped}") and deleted.object_id
    assert deleted.before["data_element"] == dropped.pk


def test_submissions_deleted_in_the_admin_are_audited_and_shown(county: MiniCounty) -> None:
    inspector = client_of(county.inspector)
    assert reporting_stats(inspector) == (4, 3, 12)
    admin = client_of(county.admin)
    first, *others = Submission.objects.order_by("org_unit__code")
    assert admin.post(f"/admin/reporting/submission/{first.pk}/change/", {}).status_code == 403  # still read-only
    seq = last_seq()
    gone = admin.post(f"/admin/reporting/submission/{first.pk}/delete/", {"post": "yes"})
    assert gone.status_code == 302 and not Submission.objects.filter(pk=first.pk).exists()
    assert reporting_stats(inspector) == (4, 2, 12)
    (entry,) = audits_since(seq)
    assert (entry.action, entry.object_type, entry.object_id) == ("admin.delete", "Submission", str(first.pk))
    assert entry.summary == "后台删除 报送记录 妇幼保健月报表 甲镇卫生院 201202 admin1"

    seq = last_seq()
    done = delete_selected(admin, "/admin/reporting/submission/", [s.pk for s in others])
    assert done.status_code == 302 and not Submission.objects.exists()
    assert reporting_stats(inspector) == (4, 0, 12)
    assert {(e.action, e.summary) for e in audits_since(seq)} == {
        ("admin.delete", "后台删除 报送记录 妇幼保健月报表 乙乡卫生院 201202 admin1"),
        ("admin.delete", "后台删除 报送记录 妇幼保健月报表 丙镇卫生院 201202 admin1")}


def test_a_refused_bulk_delete_writes_nothing_and_keeps_the_stamp(county: MiniCounty) -> None:
    """Data elements in a data set are protected: 删除所选 shows why and deletes nothing."""
    used = DataElement.objects.get(code="PREG_TOTAL")
    stamp, seq = data_generation(), last_seq()
    admin = client_of(county.admin)
    page = admin.post("/admin/reporting/dataelement/", {"action": "delete_selected", "_selected_action": [used.pk]})
    html = unescape(page.content.decode())
    assert page.status_code == 200 and "无法删除" in html and 'name="post"' not in html
    refused = admin.post("/admin/reporting/dataelement/",
                         {"action": "delete_selected", "_selected_action": [used.pk], "post": "yes"})
    assert refused.status_code == 200 and "无法删除" in unescape(refused.content.decode())
    assert DataElement.objects.filter(pk=used.pk).exists()
    assert audits_since(seq) == [] and data_generation() == stamp


def test_a_refused_inline_edit_writes_nothing(county: MiniCounty) -> None:
    """Two rows for one element break the data set's uniqueness: the form again, nothing written."""
    data_set, element = county.data_set, DataElement.objects.get(code="PREG_TOTAL")
    url = f"/admin/reporting/dataset/{data_set.pk}/change/"
    admin = client_of(county.admin)
    form = admin_form(admin, url)
    total = int(form["set_elements-TOTAL_FORMS"][0])
    before = list(DataSetElement.objects.filter(data_set=data_set).values_list("data_element", "order", "required"))
    stamp, seq = data_generation(), last_seq()
    page = post_admin_form(admin, url, **{
        "name": "改过的名称", "set_elements-TOTAL_FORMS": total + 1,
        f"set_elements-{total}-data_set": data_set.pk, f"set_elements-{total}-data_element": element.pk,
        f"set_elements-{total}-order": 99, f"set_elements-{total}-required": "on"})
    html = unescape(page.content.decode())
    assert page.status_code == 200 and "同一个数据元在一张报表中只能列一次：请删去重复的那一行。" in html, html[:800]
    data_set.refresh_from_db()
    assert data_set.name == "妇幼保健月报表"
    after = list(DataSetElement.objects.filter(data_set=data_set).values_list("data_element", "order", "required"))
    assert after == before and audits_since(seq) == [] and data_generation() == stamp


def test_a_user_edited_in_the_admin_is_audited_without_the_password_hash(county: MiniCounty) -> None:
    client, seq, stamp = client_of(county.admin), last_seq(), data_generation()
    user = county.officer_a
    response = post_admin_form(client, f"/admin/auth/user/{user.pk}/change/", first_name="甲镇新名", is_staff="on")
    assert response.status_code == 302, response.content.decode()[:500]
    user.refresh_from_db()
    assert user.first_name == "甲镇新名" and user.is_staff
    entries = audits_since(seq)
    assert [e.action for e in entries] == ["admin.change"] and data_generation() != stamp
    after = entries[0].after
    assert after["first_name"] == "甲镇新名" and after["is_staff"] is True
    assert after["password"] == "（已设置）" and entries[0].before["password"] == "（已设置）"
    assert user.password not in repr(entries[0].before) + repr(after)
