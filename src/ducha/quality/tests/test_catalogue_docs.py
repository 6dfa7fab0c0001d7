"""docs/quality-checks.md carries the catalogue rendered from the registry; the test fails when they differ."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings

from ducha.quality import catalogue_docs
from ducha.quality.catalogue_docs import (
    BEGIN,
    DOC_PATH,
    END,
    render_catalogue,
    split_document,
    write_catalogue,
)
from ducha.quality.checks.base import catalogue


def test_the_committed_catalogue_is_what_the_registry_renders() -> None:
    _, block, _ = split_document(DOC_PATH.read_text(encoding="utf-8"))
    assert block == render_catalogue(), "docs/quality-checks.md 的检查目录已过时：运行 ducha quality docs --write"


def test_every_check_has_a_row_with_its_defaults() -> None:
    block = render_catalogue()
    for check in catalogue():
        row = next(line for line in block.splitlines() if line.startswith(f"| {check.id} |"))
        assert check.title in row and check.severity.label in row and check.level.label in row
        for name in check.defaults:
            assert f"`{name}` = " in row
    r01 = next(line for line in block.splitlines() if line.startswith("| DQ-R01 |"))
    assert "完整率 < 90%" in r01 and "`min_rate` = 0.9" in r01


def test_a_changed_default_changes_the_rendered_table() -> None:
    checks = catalogue()
    changed = [replace(c, defaults={"min_rate": 0.8}) if c.id == "DQ-R01" else c for c in checks]
    assert "完整率 < 80%" in render_catalogue(changed) and "完整率 < 80%" not in render_catalogue(checks)


def test_local_overrides_do_not_leak_into_the_document() -> None:
    committed = render_catalogue()
    with override_settings(DUCHA_QUALITY={"DQ-R01": {"min_rate": 0.5}, "DQ-F06": {"min_n": 7}}):
        assert render_catalogue() == committed


def test_writing_replaces_only_the_generated_block(tmp_path: Path) -> None:
    doc = tmp_path / "quality-checks.md"
    doc.write_text(f"# 手写标题\n\n说明文字。\n\n{BEGIN}\n过时的表格\n{END}\n\n后面的手写内容。\n", encoding="utf-8")
    assert write_catalogue(doc) is True
    text = doc.read_text(encoding="utf-8")
    assert text.startswith("# 手写标题\n\n说明文字。\n\n") and text.endswith("\n\n后面的手写内容。\n")
    assert "过时的表格" not in text and render_catalogue() in text
    assert write_catalogue(doc) is False


def test_a_document_without_markers_is_refused_in_chinese(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    doc = tmp_path / "quality-checks.md"
    doc.write_text("# 没有标记\n", encoding="utf-8")
    monkeypatch.setattr(catalogue_docs, "DOC_PATH", doc)
    monkeypatch.setattr(catalogue_docs.write_catalogue, "__defaults__", (doc,))
    with pytest.raises(CommandError, match="文档中没有成对的生成标记"):
        call_command("quality", "docs", "--write")
    assert doc.read_text(encoding="utf-8") == "# 没有标记\n"
