"""``ducha token USERNAME [--name NAME]`` issues a token that the API accepts."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from ducha.audit.models import AuditEntry
from ducha.orgs.models import ApiToken, hash_token


def issue(*args: str) -> str:
    out, err = StringIO(), StringIO()
    call_command("token", *args, stdout=out, stderr=err)
    assert "请妥善保存" in err.getvalue()
    return out.getvalue().strip()


def test_token_is_printed_once_stored_as_digest_and_audited(mini_county: Any) -> None:
    audit_before = AuditEntry.objects.count()
    raw = issue("officer_a", "--name", "统计脚本")
    assert raw.startswith("dch_") and len(raw) > 40
    token = ApiToken.objects.get()
    assert (token.user, token.name, token.digest, token.prefix) == (
        mini_county.officer_a, "统计脚本", hash_token(raw), raw[:8])
    assert raw not in str(ApiToken.objects.values().get())
    assert AuditEntry.objects.count() == audit_before + 1
    assert AuditEntry.objects.first().action == "orgs.issue_token"  # type: ignore[union-attr]


def test_token_from_the_command_opens_the_api_as_that_user(mini_county: Any) -> None:
    raw = issue("officer_a")
    response = Client().get("/api/org-units", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.status_code == 200
    assert [u["code"] for u in response.json()] == ["T01", "T0101"]
    token = ApiToken.objects.get()
    assert token.name == "命令行"
    assert token.last_used_at is not None


def test_each_call_issues_a_new_token(mini_county: Any) -> None:
    first, second = issue("leader1"), issue("leader1")
    assert first != second
    assert ApiToken.objects.filter(user=mini_county.leader).count() == 2


def test_unknown_user_is_a_chinese_error_and_nothing_is_issued(mini_county: Any) -> None:
    with pytest.raises(CommandError, match="用户“nobody”不存在"):
        call_command("token", "nobody", stdout=StringIO())
    assert not ApiToken.objects.exists()


def test_deactivated_user_gets_no_token(mini_county: Any) -> None:
    mini_county.leader.is_active = False
    mini_county.leader.save()
    with pytest.raises(CommandError, match="已停用"):
        call_command("token", "leader1", stdout=StringIO())
    assert not ApiToken.objects.exists()
