"""The audit list in the admin speaks Chinese: actions, object types and people by name, compact rows."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.test import Client

from ducha.audit.labels import action_label, object_label
from ducha.core.periods import parse_period
from ducha.reporting.actions import save_report

pytestmark = pytest.mark.django_db
SOURCE = Path(__file__).resolve().parents[2]


def actions_in_source() -> set[str]:
    """Every literal ``action="app.verb"`` that production code passes to record_audit."""
    found: set[str] = set()
    for path in SOURCE.rglob("*.py"):
        if "tests" in path.parts or "migrations" in path.parts:
            continue
        found |= set(re.findall(r'action="([a-z_]+\.[a-z_]+)"', path.read_text(encoding="utf-8")))
    return found


def test_every_audited_action_has_a_chinese_label() -> None:
    missing = sorted(a for a in actions_in_source() if not re.search(r"[\u4e00-\u9fff]", action_label(a)))
    assert not missing, f"这些审计操作没有中文名称（在所属应用 AppConfig.audit_actions 中补上）：{missing}"


def test_object_types_are_labelled_by_model_name() -> None:
    assert object_label("OrgUnit") == "组织机构"
    assert object_label("Report") == "月报"
    assert object_label("NoSuchThing") == "NoSuchThing"


def test_admin_audit_list_shows_chinese_labels_and_names(mini_county) -> None:
    mini_county.officer_a.first_name, mini_county.officer_a.last_name = "明", "王"
    mini_county.officer_a.save()
    save_report(actor=mini_county.officer_a, data_set=mini_county.data_set, unit_code="T01",
                period=parse_period("201201"), values={"PREG_TOTAL": 12})
    mini_county.admin.is_staff = mini_county.admin.is_superuser = True
    mini_county.admin.save()
    client = Client()
    client.force_login(mini_county.admin)
    page = client.get("/admin/audit/auditentry/").content.decode()
    rows = page[page.find('id="result_list"'):]
    assert "保存月报" in rows and "月报" in rows
    assert "王明" in rows or "明 王" in rows
    assert ">reporting.save_report<" not in rows and ">Report<" not in rows
    assert "哈希" not in rows[:rows.find("</thead>")]  # the hash stays on the detail page
