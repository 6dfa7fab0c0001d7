"""Why a report was not saved: bad values (:class:`ReportError`) and stale versions (:class:`ReportConflict`).

A conflict names the element and both values: the one the writer's copy was based on (when known),
the one stored now with who changed it and when, and the one the writer wanted to save.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.http import HttpResponse
from django.utils import timezone

from ducha.core.excel_io import ImportProblem

if TYPE_CHECKING:
    from ducha.reporting.actions import ReportInput

UNKNOWN = object()  # "what the writer was shown is not known" (the API sends versions only)
CONFLICT_EXPECTED = "重新下载模板（或打开网页填报）核对最新数据后再修改"
NO_VERSION_EXPECTED = ("使用从本系统下载的模板（带版本信息）；或确认以文件为准后，勾选“覆盖系统中已有的数值”"
                       "（命令行 --overwrite）重新导入")


class ReportError(ValueError):
    """A report that cannot be saved; ``problems`` lists every reason in Chinese.

    ``by_element`` maps a data element code to the problem of its value (to place it in a file or form).
    """

    def __init__(self, problems: list[str], *, by_element: dict[str, str] | None = None):
        super().__init__("；".join(problems))
        self.problems = problems
        self.by_element = by_element or {}


def shown_value(value: int | None) -> str:
    return "（空）" if value is None else str(value)


@dataclass(frozen=True)
class Conflict:
    """A value refused because its cell changed since the version it was based on."""

    code: str
    name: str
    base_version: int | None
    current: int | None
    current_version: int | None
    wanted: int | None
    by: str = ""
    at: datetime | None = None

    @property
    def changed_by(self) -> str:
        """"张三 2012-03-01 12:01 修改" (or "" for an emptied cell, whose writer is in the audit log)."""
        if self.current is None or self.at is None:
            return ""
        when = timezone.localtime(self.at).strftime("%Y-%m-%d %H:%M")
        return f"（{self.by + ' ' if self.by else ''}{when} 修改）"

    def message(self, shown: Any = UNKNOWN, *, you: str = "您") -> str:
        """孕妇总数：您打开时为 32，现为 777（张三 2012-03-01 12:01 修改），您填写的是 40."""
        now = f"现为 {shown_value(self.current)}{self.changed_by}"
        wanted = f"{you}要保存的是 {shown_value(self.wanted)}"
        if shown is not UNKNOWN:
            return f"{self.name}：{you}打开时为 {shown_value(shown)}，{now}，{wanted}"
        if self.base_version is None:
            return f"{self.name}：系统中已有数值，{now}，{wanted}"
        return f"{self.name}：{you}依据的版本 {self.base_version} 已过期，{now}，{wanted}"


class ReportConflict(ReportError):
    """Values based on versions that are no longer current; nothing was written."""

    def __init__(self, conflicts: list[Conflict], shown: dict[str, int | None] | None = None):
        self.conflicts = conflicts
        messages = [c.message(shown[c.code]) if shown is not None and c.code in shown else c.message()
                    for c in conflicts]
        super().__init__(messages, by_element={c.code: m for c, m in zip(conflicts, messages, strict=True)})


def conflict_problem(conflict: Conflict, report: ReportInput, *, versioned: bool) -> ImportProblem:
    """The import problem of one refused cell: IMP050 (changed since the download) or IMP051 (no versions)."""
    now = f"系统中现为 {shown_value(conflict.current)}{conflict.changed_by}"
    if versioned and conflict.code in report.shown:
        problem = (f"下载模板后该数据已被他人修改：下载时为 {shown_value(report.shown[conflict.code])}，{now}，"
                   f"文件中为 {shown_value(conflict.wanted)}")
        number, expected = "IMP050", CONFLICT_EXPECTED
    else:
        problem = f"{now}，文件中为 {shown_value(conflict.wanted)}；没有版本信息的文件只能填写空白的单元格"
        number, expected = "IMP051", NO_VERSION_EXPECTED
    return located_problem(report, conflict.code, number, problem, expected=expected, value=conflict.wanted,
                           name=conflict.name)


def located_problem(report: ReportInput, code: str, number: str, problem: str, *, expected: str, value: Any,
                    name: str = "") -> ImportProblem:
    where = report.cells.get(code)
    text = "" if value is None else str(value)
    if where is None:
        return ImportProblem(number, report.source, f"{name or code}：{problem}", expected=expected, value=text)
    return ImportProblem(number, where.file, problem, sheet=where.sheet, row=where.row, column=where.column,
                         header=where.header, value=text, expected=expected)


def conflict_response(err: ReportConflict) -> HttpResponse:
    """409 for the API: ``detail`` and ``problems`` (Chinese) plus each conflict's values and versions."""
    body = {
        "detail": "数据已被他人修改，什么都没有写入：" + "；".join(err.problems),
        "problems": err.problems,
        "conflicts": [{"element": c.code, "element_name": c.name, "based_on": c.base_version,
                       "current": c.current, "current_version": c.current_version, "wanted": c.wanted,
                       "changed_by": c.by, "changed_at": c.at.isoformat() if c.at else None}
                      for c in err.conflicts],
    }
    return HttpResponse(json.dumps(body, ensure_ascii=False), status=409,
                        content_type="application/json; charset=utf-8")
