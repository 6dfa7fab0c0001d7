"""``ducha audit-roles --print-sql`` prints the role SQL; bad names and a missing flag are refused in Chinese."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command


def printed(*args: str) -> str:
    out = StringIO()
    call_command("audit_roles", *args, stdout=out)
    return out.getvalue()


def test_grants_leave_the_app_role_select_and_insert_on_the_audit_log():
    sql = printed("--print-sql", "--grants-only", "--app=web", "--owner=boss")
    assert "GRANT SELECT, INSERT ON audit_auditentry TO web;" in sql
    assert "REVOKE ALL ON audit_auditentry FROM web;" in sql
    assert "ALTER DEFAULT PRIVILEGES FOR ROLE boss" in sql and "CREATE ROLE" not in sql
    assert "TRUNCATE" not in sql


def test_roles_part_creates_two_roles_and_the_database():
    sql = printed("--print-sql", "--roles-only", "--database=county")
    assert "CREATE ROLE ducha_owner LOGIN" in sql and "CREATE ROLE ducha_app LOGIN" in sql
    assert "CREATE DATABASE county OWNER ducha_owner" in sql and "\\connect county" in sql
    assert "GRANT SELECT, INSERT" not in sql


@pytest.mark.parametrize("args, message", [
    ([], "请加 --print-sql"),
    (["--print-sql", "--app=web; DROP TABLE x"], "名称“web; DROP TABLE x”无效"),
    (["--print-sql", "--owner=Owner"], "名称“Owner”无效"),
])
def test_refused(args, message):
    with pytest.raises(CommandError, match=message):
        printed(*args)
