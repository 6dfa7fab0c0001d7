"""Issue 7 §4: the 审核通过 / 取消审核 buttons on the entry page and the status grid, and the grid's mark."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from ducha.audit.models import AuditEntry
from ducha.conftest import client_of
from ducha.core.periods import month
from ducha.reporting.actions import save_report
from ducha.reporting.approval import approve_period
from ducha.reporting.models import DataApproval
from ducha.reporting.tests.entry_client import page_inputs

JAN = month(2012, 1)
ENTRY = reverse("reporting:entry") + "?unit=T01&period=201201"
STATUS = reverse("reporting:status") + "?period=2012Q1"


@pytest.fixture
def submitted(mini_county: Any) -> Any:
    save_report(actor=mini_county.officer_a, data_set=mini_county.data_set, unit_code="T01", period=JAN,
                values={"PREG_TOTAL": 10})
    return mini_county


def test_inspector_approves_from_the_entry_page(submitted: Any) -> None:
    client = client_of(submitted.inspector)
    html = client.get(ENTRY).content.decode()
    assert "审核通过</button>" in html and "审核通过后该期数据锁定" in html
    posted = page_inputs(html, "approve-form")
    assert posted["next"] == ENTRY and posted["data_set"] == "MCH_MONTHLY"
    response = client.post(reverse("reporting:approve"), posted, follow=True)
    page = response.content.decode()
    assert response.redirect_chain[-1][0] == ENTRY
    assert "该期数据已锁定" in page and "已审核，不能修改" in page and "取消审核</button>" in page
    assert DataApproval.objects.get().approved_by == submitted.inspector


def test_no_approve_button_before_the_report_is_submitted(submitted: Any) -> None:
    html = client_of(submitted.inspector).get(reverse("reporting:entry") + "?unit=T02&period=201201").content.decode()
    assert "审核通过</button>" not in html and "该期报表尚未报送，报送后才能审核" in html


def test_unapprove_from_the_entry_page_needs_a_reason(submitted: Any) -> None:
    approve_period(actor=submitted.inspector, data_set=submitted.data_set, unit_code="T01", period=JAN)
    client = client_of(submitted.inspector)
    posted = page_inputs(client.get(ENTRY).content.decode(), "unapprove-form")
    assert posted["reason"] == "" and posted["version"] == str(DataApproval.objects.get().version)
    audit = AuditEntry.objects.count()
    page = client.post(reverse("reporting:unapprove"), posted, follow=True).content.decode()
    assert "未能取消审核：请填写取消审核的原因" in page and "已审核，不能修改" in page
    assert DataApproval.objects.get().is_live and AuditEntry.objects.count() == audit
    posted["reason"] = "孕妇总数有误"
    page = client.post(reverse("reporting:unapprove"), posted, follow=True).content.decode()
    assert "已取消 甲镇卫生院 2012年1月 的审核" in page and "保存并报送" in page
    assert not DataApproval.objects.get().is_live


@pytest.mark.parametrize("who", ["leader", "officer_a"])
def test_leaders_and_township_staff_get_a_chinese_403(submitted: Any, who: str) -> None:
    response = client_of(submitted.users[who]).post(reverse("reporting:approve"), {
        "data_set": "MCH_MONTHLY", "unit": "T01", "period": "201201", "next": ENTRY})
    assert response.status_code == 403
    assert "只有督查员或系统管理员可以审核数据" in response.content.decode()
    assert not DataApproval.objects.exists()


def test_approve_needs_the_csrf_token(submitted: Any) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(submitted.inspector)
    response = client.post(reverse("reporting:approve"), {"data_set": "MCH_MONTHLY", "unit": "T01",
                                                          "period": "201201"})
    assert response.status_code == 403 and not DataApproval.objects.exists()


def test_a_bad_period_or_a_foreign_next_is_handled(submitted: Any) -> None:
    client = client_of(submitted.inspector)
    response = client.post(reverse("reporting:approve"), {"data_set": "MCH_MONTHLY", "unit": "T01",
                                                          "period": "2012-13", "next": "https://evil.example/"})
    assert response.status_code == 302 and response["Location"].startswith(reverse("reporting:entry"))
    page = client.get(response["Location"]).content.decode()
    assert "未能审核：" in page and "2012-13" in page
    assert not DataApproval.objects.exists()
    assert client.get(reverse("reporting:approve")).status_code == 405


def test_status_grid_marks_approved_periods_with_a_legend(submitted: Any) -> None:
    approve_period(actor=submitted.inspector, data_set=submitted.data_set, unit_code="T01", period=JAN)
    save_report(actor=submitted.officer_b, data_set=submitted.data_set, unit_code="T02", period=JAN,
                values={"PREG_TOTAL": 4})
    html = client_of(submitted.inspector).get(STATUS).content.decode()
    assert 'id="approval-legend"' in html and "= 已审核（数据已锁定，不能修改；共 1 份）" in html
    row_a = html[html.index('data-unit="T01"'):html.index('data-unit="T02"')]
    row_b = html[html.index('data-unit="T02"'):html.index('data-unit="T03"')]
    assert 'class="approval-mark" title="甲镇卫生院 2012年1月 的“妇幼保健月报表”已于' in row_a
    assert "取消审核</button>" in row_a and "审核通过</button>" not in row_a
    assert "approval-mark" not in row_b and row_b.count("审核通过</button>") == 1  # only the submitted month


def test_township_staff_see_the_mark_but_no_buttons_on_the_grid(submitted: Any) -> None:
    approve_period(actor=submitted.inspector, data_set=submitted.data_set, unit_code="T01", period=JAN)
    html = client_of(submitted.officer_a).get(STATUS).content.decode()
    assert 'class="approval-mark" title=' in html
    assert "审核通过</button>" not in html and "取消审核</button>" not in html


def test_approve_from_the_grid_goes_back_to_the_grid(submitted: Any) -> None:
    client = client_of(submitted.inspector)
    html = client.get(STATUS).content.decode()
    start = html.index('data-unit="T01"')
    form = html[html.index('<form method="post"', start):html.index("</form>", start)]
    posted = page_inputs(form.replace('<form method="post"', '<form id="g" method="post"') + "</form>", "g")
    response = client.post(reverse("reporting:approve"), posted)
    assert response.status_code == 302 and response["Location"] == STATUS
    assert DataApproval.objects.get().period == "201201"
