"""Every model change has its migration (a missing one once shipped: a help text changed in code only)."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command


@pytest.mark.django_db
def test_no_model_change_lacks_a_migration() -> None:
    out = io.StringIO()
    code = 0
    try:
        call_command("makemigrations", "--check", "--dry-run", stdout=out, stderr=out)
    except SystemExit as exit_:  # makemigrations --check exits 1 when a migration is missing
        code = int(exit_.code or 0)
    assert code == 0, f"缺少数据库迁移（运行 ducha makemigrations <应用> --name <说明>）：\n{out.getvalue()}"
    assert "No changes detected" in out.getvalue()
