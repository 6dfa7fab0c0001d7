"""Org units in and out of Excel: 编码, 名称, 简称, 类型, 上级编码, 服务人口, 启用日期, 撤销日期.

Import is all-or-nothing: every problem of the file is listed (see ``excel_io``) before anything is
written; then :func:`import_units` creates or updates the units through ``orgs.actions``.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field, replace
from datetime import date
from typing import IO, Any, cast

from django.contrib.auth import get_user_model
from django.db import transaction
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.worksheet.datavalidation import DataValidation
from rich.console import Console

from ducha.core.actor import Actor
from ducha.core.excel_io import (
    CellError,
    ImportFileError,
    ImportProblem,
    Sheet,
    Source,
    cell,
    code_text,
    load_sheets,
    map_columns,
    parse_count,
    parse_date,
)
from ducha.core.exports import append_row
from ducha.core.limits import (
    HIDDEN_CHARACTERS_EXPECTED,
    POPULATION_MAX,
    UNIT_CODE_PATTERN,
    UNIT_CODE_RULE,
    hidden_characters,
)
from ducha.orgs.actions import create_org_unit, update_org_unit
from ducha.orgs.models import OrgUnit, OrgUnitKind, Role
from ducha.orgs.selectors import memberships_of
from ducha.orgs.unit_columns import unit_column, unit_columns

UNIT_COLUMNS = {"code": "编码", "name": "名称", "short_name": "简称", "kind": "类型", "parent": "上级编码",
                "population": "服务人口", "opened_on": "启用日期", "closed_on": "撤销日期"}
UNIT_LIMITS = {"code": 32, "name": 100, "short_name": 20}


@dataclass(frozen=True)
class UnitRow:
    code: str
    name: str
    short_name: str
    kind: str
    parent_code: str | None
    population: int
    opened_on: date | None
    closed_on: date | None
    row: int
    extra: dict[str, Any] = field(default_factory=dict)  # values of the columns other apps registered


@dataclass
class UnitImportResult:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)


def build_units_workbook(units: Any) -> bytes:
    """The org-unit list as .xlsx, in the format :func:`read_units_workbook` reads back."""
    book = Workbook()
    ws = book.active
    ws.title = "组织机构"
    units = list(units)
    extras = [(c.header, c.export(units)) for c in unit_columns()]
    append_row(ws, [*UNIT_COLUMNS.values(), *(header for header, _ in extras)])
    for unit in units:  # text through ducha.core.exports: a name like "=HYPERLINK(…)" stays text
        append_row(ws, [unit.code, unit.name, unit.short_name, OrgUnitKind(unit.kind).label,
                        unit.parent.code if unit.parent_id else None, unit.population, unit.opened_on,
                        unit.closed_on, *(values.get(unit.pk, "") for _, values in extras)])
    for col, width in zip("ABCDEFGH", (12, 30, 14, 26, 12, 10, 12, 12), strict=True):
        ws.column_dimensions[col].width = width
        ws[f"{col}1"].font = Font(bold=True)
    for row in ws.iter_rows(min_row=2, min_col=7, max_col=8):
        for c in row:
            c.number_format = "yyyy-mm-dd"
    kinds = DataValidation(type="list", formula1='"' + ",".join(OrgUnitKind.labels) + '"', allow_blank=False)
    kinds.add(f"D2:D{ws.max_row + 200}")
    ws.add_data_validation(kinds)
    ws.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _unit_row(sheet: Sheet, n: int, cells: list[Any], columns: dict[str, int],
              problems: list[ImportProblem]) -> UnitRow | None:
    def text(key: str) -> str:
        value = code_text(cell(cells, columns.get(key)))
        if len(value) > UNIT_LIMITS.get(key, 10_000):
            problems.append(sheet.problem("IMP026", "文字过长", row=n, col=columns[key], value=value,
                                          expected=f"不超过 {UNIT_LIMITS[key]} 个字"))
        return value

    code, name, short_name, kind_text, parent = (text(k) for k in ("code", "name", "short_name", "kind", "parent"))
    for key, value in (("code", code), ("name", name)):
        if not value:
            problems.append(sheet.problem("IMP025", f"{UNIT_COLUMNS[key]}为空", row=n, col=columns[key],
                                          expected=f"填写{UNIT_COLUMNS[key]}"))
    text_problems = _text_problems(sheet, n, columns, {"code": code, "name": name, "short_name": short_name})
    problems += text_problems
    kinds = {k.label: k.value for k in OrgUnitKind} | {k.value: k.value for k in OrgUnitKind}
    if kind_text not in kinds:
        problems.append(sheet.problem("IMP027", "类型无法识别", row=n, col=columns["kind"], value=kind_text,
                                      expected="以下之一：" + "、".join(OrgUnitKind.labels)))
    found: dict[str, Any] = {}
    for key, parse in (("population", parse_population), ("opened_on", parse_date), ("closed_on", parse_date)):
        col = columns[key]
        try:
            if (n, col) in sheet.uncached_formulas:
                raise CellError("IMP023", "公式没有计算结果", "数值（请在 Excel 中重新计算并保存，或改为直接填写）")
            found[key] = parse(cell(cells, col))
        except CellError as err:
            problems.append(sheet.problem(err.code, err.problem, row=n, col=col, value=cell(cells, col),
                                          expected=err.expected))
    if found.get("opened_on") and found.get("closed_on") and found["closed_on"] < found["opened_on"]:
        problems.append(sheet.problem("IMP045", "撤销日期早于启用日期", row=n, col=columns["closed_on"],
                                      value=found["closed_on"], expected="不早于启用日期的日期"))
    if code and parent == code:
        problems.append(sheet.problem("IMP044", "上级编码不能是本单位自己", row=n, col=columns["parent"],
                                      value=parent, expected="另一个单位的编码，或留空（顶级单位）"))
    if not code or not name or kind_text not in kinds or len(found) < 3 or text_problems:
        return None
    return UnitRow(code, name, short_name, kinds[kind_text], parent or None, found["population"] or 0,
                   found["opened_on"], found["closed_on"], n)


def _extra_values(sheet: Sheet, n: int, cells: list[Any], columns: dict[str, int],
                  problems: list[ImportProblem]) -> dict[str, Any] | None:
    """The registered columns present in the file, parsed (None when a cell has a problem)."""
    values, ok = {}, True
    for column in unit_columns():
        col = columns.get(column.key)
        if col is None:
            continue
        try:
            values[column.key] = column.parse(cell(cells, col))
        except CellError as err:
            problems.append(sheet.problem(err.code, err.problem, row=n, col=col, value=cell(cells, col),
                                          expected=err.expected))
            ok = False
    return values if ok else None


def _text_problems(sheet: Sheet, n: int, columns: dict[str, int], values: dict[str, str]) -> list[ImportProblem]:
    """Codes outside the documented character set, names with control/zero-width/bidi characters."""
    problems = []
    if values["code"] and not UNIT_CODE_PATTERN.fullmatch(values["code"]):
        problems.append(sheet.problem("IMP027", "单位编码含有不允许的字符", row=n, col=columns["code"],
                                      value=values["code"], expected=UNIT_CODE_RULE))
    for key in ("name", "short_name"):
        if hidden := hidden_characters(values[key]):
            problems.append(sheet.problem("IMP029", f"{UNIT_COLUMNS[key]}{hidden}", row=n, col=columns[key],
                                          value=values[key], expected=HIDDEN_CHARACTERS_EXPECTED))
    return problems


def parse_population(value: Any) -> int | None:
    """A service population 0..``POPULATION_MAX`` (the same limit as the actions and the admin form)."""
    return parse_count(value, maximum=POPULATION_MAX)


def read_units_workbook(source: Source, *, actor: Actor, file_label: str) -> list[UnitRow]:
    """The org units of a file, checked against the tree and the actor's rights; raises ImportFileError."""
    sheets = [s for s in load_sheets(source, file_label=file_label) if s.rows]
    if not sheets or not any(s.data_rows for s in sheets):
        raise ImportFileError([ImportProblem("IMP005", file_label, "没有数据行", expected="表头下至少一行单位")])
    names = UNIT_COLUMNS | {c.key: c.header for c in unit_columns()}
    known = {v: k for k, v in names.items()}
    problems: list[ImportProblem] = []
    rows: list[tuple[Sheet, UnitRow]] = []
    seen: dict[str, str] = {}
    for sheet in sheets:
        columns, header_problems = map_columns(sheet, known, required=list(UNIT_COLUMNS), names=names,
                                                   hint="以下列名之一：" + "、".join(names.values()))
        problems += header_problems
        if header_problems:
            continue
        for n, cells in sheet.data_rows:
            unit = _unit_row(sheet, n, cells, columns, problems)
            extra = _extra_values(sheet, n, cells, columns, problems)
            if unit is None or extra is None:
                continue
            unit = replace(unit, extra=extra)
            if unit.code in seen:
                problems.append(sheet.problem("IMP043", f"编码与{seen[unit.code]}重复", row=n,
                                              col=columns["code"], value=unit.code, expected="每个单位只出现一次"))
                continue
            seen[unit.code] = f"第 {n} 行"
            rows.append((sheet, unit))
    problems += _tree_problems(rows, actor)
    if problems:
        raise ImportFileError(sorted(problems, key=lambda p: (p.sheet, p.row or 0, len(p.column), p.column)))
    return [unit for _, unit in rows]


def _tree_problems(rows: list[tuple[Sheet, UnitRow]], actor: Actor) -> list[ImportProblem]:
    if not rows:
        return []
    admin_paths = None if getattr(actor, "is_superuser", False) else [
        m.org_unit.path for m in memberships_of(actor) if m.role == Role.ADMIN]
    if admin_paths == []:
        return [ImportProblem("IMP046", rows[0][0].file, "只有系统管理员可以导入组织机构",
                              expected="以系统管理员身份导入（--user）")]
    existing = {u.code: u for u in OrgUnit.objects.select_related("parent")}
    parent_of = {c: (u.parent.code if u.parent else None) for c, u in existing.items()}
    parent_of |= {unit.code: unit.parent_code for _, unit in rows}
    problems = []
    for sheet, unit in rows:
        col = list(UNIT_COLUMNS).index("parent")
        if unit.parent_code and unit.parent_code not in parent_of:
            problems.append(sheet.problem("IMP044", "上级编码不存在（既不在系统中，也不在本文件中）", row=unit.row,
                                          col=col, value=unit.parent_code, expected="已有单位或本文件中单位的编码"))
            continue
        chain, code = {unit.code}, unit.parent_code
        while code is not None and code not in chain:
            chain.add(code)
            code = parent_of.get(code)
        if code is not None:
            problems.append(sheet.problem("IMP044", "上级关系形成循环", row=unit.row, col=col,
                                          value=unit.parent_code, expected="不是本单位下级的单位编码"))
        if admin_paths is not None and not _within(unit, existing, admin_paths):
            problems.append(sheet.problem("IMP046", "单位不在您管理的范围内", row=unit.row, col=0,
                                          value=unit.code, expected="您所管理单位的下级单位"))
    return problems


def _within(unit: UnitRow, existing: dict[str, Any], paths: list[str]) -> bool:
    def inside(code: str | None) -> bool:
        return code in existing and any(existing[code].path.startswith(p) for p in paths)

    current = existing.get(unit.code)
    if current is not None and not inside(unit.code):
        return False
    if current is not None and (current.parent.code if current.parent else None) == unit.parent_code:
        return True
    return inside(unit.parent_code) or (unit.parent_code is not None and unit.parent_code not in existing)


def import_units(*, actor: Actor, rows: list[UnitRow]) -> UnitImportResult:
    """Create or update every unit of ``rows`` (parents first), all in one transaction."""

    file_parent = {r.code: r.parent_code for r in rows}

    def depth(code: str | None) -> int:
        return 0 if code not in file_parent else 1 + depth(file_parent[code])

    result = UnitImportResult()
    with transaction.atomic():
        for row in sorted(rows, key=lambda r: depth(r.code)):
            parent = OrgUnit.objects.get(code=row.parent_code) if row.parent_code else None
            fields: dict[str, Any] = {"name": row.name, "short_name": row.short_name, "kind": row.kind, "parent": parent,
                      "population": row.population, "opened_on": row.opened_on, "closed_on": row.closed_on}
            unit = OrgUnit.objects.filter(code=row.code).first()
            if unit is None:
                unit = create_org_unit(actor=actor, code=row.code, **fields)
                _apply_extra(actor, unit, row)
                result.created.append(row.code)
                continue
            changes = {k: v for k, v in fields.items() if getattr(unit, k) != v}
            if changes:
                update_org_unit(actor=actor, unit=unit, **changes)
            if _apply_extra(actor, unit, row) or changes:
                result.updated.append(row.code)
            else:
                result.unchanged.append(row.code)
    return result


def _apply_extra(actor: Actor, unit: OrgUnit, row: UnitRow) -> bool:
    changed = False
    for key, value in row.extra.items():
        column = unit_column(key)
        if column is not None and column.apply(actor, unit, value):
            changed = True
    return changed


def resolve_cli_actor(username: str | None) -> Any:
    """The user a command acts as: ``username``, else the first superuser, else the first 系统管理员."""
    users = get_user_model().objects.filter(is_active=True).order_by("pk")
    if username:
        user = users.filter(username=username).first()
        if user is None:
            raise LookupError(f"用户“{username}”不存在或已停用")
        return user
    user = users.filter(is_superuser=True).first() or users.filter(memberships__role=Role.ADMIN).first()
    if user is None:
        raise LookupError("没有找到超级用户或系统管理员，请用 --user 指定操作人")
    return user


def cli_console(stream: Any) -> Console:
    """A rich console over a command's ``self.stdout`` (wide when not a terminal, so tables don't wrap)."""
    out = cast(IO[str], getattr(stream, "_out", stream))
    return Console(file=out, width=None if out.isatty() else 160, highlight=False, soft_wrap=False)
