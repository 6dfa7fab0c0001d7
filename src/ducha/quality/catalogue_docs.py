"""The check catalogue of docs/quality-checks.md, rendered from the registry (never written by hand).

``ducha quality docs --write`` replaces the block between ``BEGIN`` and ``END`` in the document; the prose
around it is hand-written and kept. ``quality/tests/test_catalogue_docs.py`` fails when the committed block
differs from what the registry renders, so a changed default, title or rationale cannot leave the doc behind.
Defaults are rendered, never the local ``DUCHA_QUALITY`` overrides.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ducha.quality.checks.base import Check, Family, catalogue
from ducha.quality.checks.reports import CORE

BEGIN = "<!-- BEGIN 检查目录：由 `ducha quality docs --write` 从检查注册表生成，请勿手改 -->"
END = "<!-- END 检查目录 -->"
HEADER = ("| 编号 | 检查 | 严重程度 | 对象 | 阈值（默认） | 阈值设置（名称 = 默认值） | 最少样本 | 为什么用这个阈值 |\n"
          "|---|---|---|---|---|---|---|---|")
DOC_PATH = Path(__file__).resolve().parents[3] / "docs" / "quality-checks.md"


class CatalogueDocError(ValueError):
    pass


def cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def value_text(value: Any) -> str:
    if value is None:
        return "不设"
    if isinstance(value, list):
        return "、".join("/".join(v) if isinstance(v, list) else str(v) for v in value)
    return f"{value:g}" if isinstance(value, float) else str(value)


def settings_text(check: Check) -> str:
    if not check.defaults:
        return "—"
    return "<br>".join(f"`{name}` = " + ("核心数据项（`core_elements`）" if name == "elements" else value_text(value))
                       for name, value in check.defaults.items())


def core_elements_text(checks: list[Check]) -> str:
    users = "、".join(c.id for c in checks if "elements" in c.defaults)
    return (f"核心数据项 `core_elements`（{users} 的 `elements`）默认为 "
            f"{value_text(list(CORE))}；每项检查的 `min_n`（最少样本量）和 `severity`（严重程度 1–3）也可设置。")


def threshold_text(check: Check) -> str:
    return check.threshold.format(**check.defaults, min_n=check.min_n)


def check_row(check: Check) -> str:
    minimum = "—" if check.is_record_check else str(check.min_n)
    cells = [check.id, check.title, check.severity.label, check.level.label, threshold_text(check),
             settings_text(check), minimum, check.rationale]
    return "| " + " | ".join(cell(c) for c in cells) + " |"


def render_catalogue(checks: list[Check] | None = None) -> str:
    """The generated block (markers included): one table per family, in catalogue order."""
    checks = catalogue() if checks is None else checks
    parts = [BEGIN, "", core_elements_text(checks), ""]
    for family in Family:
        rows = [check_row(c) for c in checks if c.family is family]
        if rows:
            parts += [f"### {family.label}", "", HEADER, *rows, ""]
    return "\n".join([*parts, END])


def split_document(text: str) -> tuple[str, str, str]:
    """``(before, block, after)``; the block includes both markers."""
    start, stop = text.find(BEGIN), text.find(END)
    if start < 0 or stop < start:
        raise CatalogueDocError(f"文档中没有成对的生成标记（{BEGIN} … {END}）")
    stop += len(END)
    return text[:start], text[start:stop], text[stop:]


def updated_document(text: str) -> str:
    before, _, after = split_document(text)
    return before + render_catalogue() + after


def write_catalogue(path: Path = DOC_PATH) -> bool:
    """Rewrite the block in ``path``; True when the file changed."""
    if not path.is_file():
        raise CatalogueDocError(f"找不到文档 {path}：只能在源码检出目录中更新")
    text = path.read_text(encoding="utf-8")
    new = updated_document(text)
    if new != text:
        path.write_text(new, encoding="utf-8")
    return new != text
