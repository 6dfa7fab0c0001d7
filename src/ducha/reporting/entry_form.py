"""The monthly report form's fields: what the page showed, what the user typed, what is to be written.

Each field posts its value (``<code>``), the value and version it was shown (``shown-<code>``,
``version-<code>``) and, for a stored value, a ``clear-<code>`` checkbox. Only fields whose value
differs from what was shown are written, each based on the version it was shown. A browser posts ""
for a number input holding "e": an empty field therefore never deletes a stored value — it is an
error ("原值 26 未改动") unless the field's 清空 box is ticked (and the clearing confirmed).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from django.http import QueryDict

from ducha.core.limits import LimitError, check_count, whole_number_text
from ducha.reporting.models import DataSetElement
from ducha.reporting.selectors import StoredCell

_NEGATIVE = re.compile(r"^\s*[-－]\s*[0-9０-９,，]+\s*$")
CONFIRM_CLEAR = "confirm_clear"


@dataclass
class EntryCell:
    code: str
    name: str
    section: str
    maximum: int
    text: str = ""
    shown: int | None = None
    version: int | None = None
    clear: bool = False
    errors: list[str] = field(default_factory=list)
    new: int | None = None

    @property
    def changed(self) -> bool:
        return not self.errors and self.new != self.shown

    @property
    def clears(self) -> bool:
        return self.changed and self.new is None

    @property
    def shown_text(self) -> str:
        return "" if self.shown is None else str(self.shown)

    @property
    def version_text(self) -> str:
        return "" if self.version is None else str(self.version)


def _cell(link: DataSetElement) -> EntryCell:
    element = link.data_element
    return EntryCell(code=element.code, name=element.name, section=link.section or "其他",
                     maximum=element.max_value)


def opened_cells(links: Iterable[DataSetElement], stored: Mapping[str, StoredCell]) -> list[EntryCell]:
    """The fields as the page opens: each stored value with its version."""
    cells = []
    for link in links:
        cell = _cell(link)
        if (found := stored.get(cell.code)) is not None:
            cell.shown = cell.new = found.value
            cell.version, cell.text = found.version, str(found.value)
        cells.append(cell)
    return cells


def _optional_int(text: str | None) -> int | None:
    digits = whole_number_text(text or "")
    return int(digits) if digits is not None and len(digits) <= 18 else None


def _typed(cell: EntryCell, raw: str, flagged_bad: bool) -> None:
    """Set ``cell.new`` from what was typed, or an error (the stored value is then left as it is)."""
    name = cell.name
    if flagged_bad or not raw:
        if cell.shown is None and not flagged_bad:
            cell.new = None
            return
        kept = f"（原值 {cell.shown} 未改动）" if cell.shown is not None else ""
        what = "填写的不是有效的整数" if flagged_bad else "为空或填写的不是有效的整数"
        cell.errors.append(f"“{name}”{what}{kept}；如要删除原值，请勾选“清空”" if cell.shown is not None
                           else f"“{name}”{what}")
        cell.text = cell.shown_text
        return
    if _NEGATIVE.fullmatch(raw):
        cell.errors.append(f"“{name}”不能小于 0")
        return
    if whole_number_text(raw) is None:
        cell.errors.append(f"“{name}”应填写整数（人数），不能含小数或文字")
        return
    try:
        cell.new = check_count(raw, label=name, maximum=cell.maximum)
    except LimitError as err:
        cell.errors.append(str(err))


def posted_cells(links: Iterable[DataSetElement], post: QueryDict) -> list[EntryCell]:
    """The fields as posted; a field with a problem has ``errors`` and is not written."""
    cells = []
    for link in links:
        cell = _cell(link)
        raw = post.get(cell.code, "").strip()
        cell.text = raw
        cell.shown = cell.new = _optional_int(post.get(f"shown-{cell.code}"))
        cell.version = _optional_int(post.get(f"version-{cell.code}"))
        cell.clear = cell.shown is not None and post.get(f"clear-{cell.code}", "") in ("1", "on")
        if cell.clear:
            typed = _optional_int(raw) if raw else cell.shown
            if typed != cell.shown:
                cell.errors.append(f"“{cell.name}”既填写了新数值 {raw}，又勾选了“清空”：请只选其一")
            else:
                cell.new, cell.text = None, ""
        else:
            _typed(cell, raw, flagged_bad=post.get(f"bad-{cell.code}", "") == "1")
        cells.append(cell)
    return cells


def changed_values(cells: Iterable[EntryCell]) -> tuple[dict[str, int | None], dict[str, int | None]]:
    """The values to write (changed fields only) and the version each is based on."""
    changed = [c for c in cells if c.changed]
    return {c.code: c.new for c in changed}, {c.code: c.version for c in changed}


def refreshed_cells(cells: list[EntryCell], stored: Mapping[str, StoredCell]) -> list[EntryCell]:
    """After a refused save: every field now based on the stored value; typed changes stay in the inputs.

    Saving again then means "I have seen the current values and still want mine".
    """
    for cell in cells:
        found = stored.get(cell.code)
        changed = cell.changed
        cell.shown, cell.version = (found.value, found.version) if found else (None, None)
        if not changed:
            cell.new = cell.shown
            cell.text = cell.shown_text
            cell.clear = False
    return cells


def sections(cells: list[EntryCell]) -> list[tuple[str, list[EntryCell]]]:
    out: dict[str, list[EntryCell]] = {}
    for cell in cells:
        out.setdefault(cell.section, []).append(cell)
    return list(out.items())
