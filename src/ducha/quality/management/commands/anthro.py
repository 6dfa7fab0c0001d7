"""``ducha anthro IN.csv --out OUT.csv``: WHO z-scores for a table of child measurements.

The input (.csv in UTF-8 or GBK, or .xlsx: its first worksheet) has the columns ``sex`` (1 boy / 2 girl),
``age_days``, ``weight_kg``, ``length_cm`` and optionally ``measure`` (l lying / h standing; blank: by
age) and ``oedema`` (y/n); the Chinese names 性别, 日龄, 体重, 身长/身高, 测量方式, 水肿 are accepted
too, and any other column is passed through. The output is the same rows with ``waz, laz, wlz, baz``
and their flags ``fwaz, flaz, fwlz, fbaz`` added (computed by :func:`ducha.quality.zscores.compute_zscores`).

Every cell is checked first; if any is wrong, all problems are listed (file, row, column, value, what
was expected) and no output file is written.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from django.core.management.base import BaseCommand, CommandError, CommandParser
from openpyxl.utils import get_column_letter
from rich.console import Console
from rich.table import Table

from ducha.core.excel_io import ImportFileError, ImportProblem, Sheet, header_key, load_sheets
from ducha.core.exports import csv_cell
from ducha.orgs.excel import cli_console
from ducha.quality.zscores import FLAGS, INDICATORS, compute_zscores

COLUMNS = ("sex", "age_days", "weight_kg", "length_cm", "measure", "oedema")
REQUIRED = ("sex", "age_days", "weight_kg", "length_cm")
HEADERS = {
    "sex": ("sex", "性别"),
    "age_days": ("age_days", "日龄", "年龄(天)", "月龄(天)"),
    "weight_kg": ("weight_kg", "体重", "体重(kg)", "体重(公斤)"),
    "length_cm": ("length_cm", "身长", "身高", "身长/身高", "身长(cm)", "身高(cm)", "身长/身高(cm)"),
    "measure": ("measure", "测量方式", "测量体位", "体位"),
    "oedema": ("oedema", "水肿", "浮肿"),
}
KNOWN = {header_key(text).lower(): key for key, texts in HEADERS.items() for text in texts}
CODES = {
    "sex": {"1": "1", "2": "2", "男": "1", "女": "2", "m": "1", "f": "2"},
    "measure": {"l": "l", "h": "h", "卧": "l", "卧位": "l", "卧式": "l", "立": "h", "立位": "h", "立式": "h"},
    "oedema": {"y": "y", "n": "n", "1": "y", "2": "n", "是": "y", "否": "n", "有": "y", "无": "n"},
}
EXPECTED = {
    "sex": "1（男）或 2（女）", "measure": "l（卧位测身长）或 h（立位测身高），不知道可留空",
    "oedema": "y（有水肿）或 n（无），可留空", "age_days": "不小于 0 的天数", "weight_kg": "以千克计的正数",
    "length_cm": "以厘米计的正数",
}
SHOWN_PROBLEMS = 50


def _text(frame: pd.DataFrame, key: str) -> pd.Series:
    return frame[key].astype("string").str.normalize("NFKC").str.strip().replace("", pd.NA)


def _numbers(sheet: Sheet, frame: pd.DataFrame, key: str, col: int, rows: pd.Series,
             problems: list[ImportProblem]) -> pd.Series:
    text = _text(frame, key).str.replace(",", "", regex=False)
    numbers = pd.to_numeric(text, errors="coerce")
    not_number = text.notna() & numbers.isna()
    negative = numbers < 0 if key == "age_days" else numbers <= 0
    for index in text.index[not_number.to_numpy(dtype=bool)]:
        problems.append(sheet.problem("IMP020", "不是数字", row=int(rows[index]), col=col, value=frame.at[index, key],
                                      expected=EXPECTED[key]))
    for index in text.index[negative.fillna(False).to_numpy(dtype=bool)]:
        problems.append(sheet.problem("IMP021", "不能为负数" if key == "age_days" else "必须大于 0",
                                      row=int(rows[index]), col=col, value=frame.at[index, key],
                                      expected=EXPECTED[key]))
    return numbers.astype("Float64")


def _codes(sheet: Sheet, frame: pd.DataFrame, key: str, col: int, rows: pd.Series,
           problems: list[ImportProblem]) -> pd.Series:
    text = _text(frame, key).str.lower()
    mapped = text.map(CODES[key])
    for index in text.index[(text.notna() & mapped.isna()).to_numpy(dtype=bool)]:
        problems.append(sheet.problem("IMP027", "取值不在允许范围内", row=int(rows[index]), col=col,
                                      value=frame.at[index, key], expected=EXPECTED[key]))
    return mapped


def read_measurements(path: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The file's rows as text (header as in the file) and the parsed input of ``compute_zscores``.

    Raises :class:`ImportFileError` listing every problem.
    """
    sheet = load_sheets(path, file_label=path.name)[0]
    header = [str(c).strip() if c is not None else "" for c in sheet.header]
    columns: dict[str, int] = {}
    problems: list[ImportProblem] = []
    for col, raw in enumerate(header):
        key = KNOWN.get(header_key(raw).lower())
        if key is None:
            continue
        if key in columns:
            problems.append(sheet.problem("IMP012", f"与 {get_column_letter(columns[key] + 1)} 列重复", row=1,
                                          col=col, value=raw, expected="每一列只出现一次"))
        columns[key] = col
    missing = [k for k in REQUIRED if k not in columns]
    if missing:
        problems.append(ImportProblem("IMP010", sheet.file, "缺少列：" + "、".join(missing), sheet=sheet.name,
                                      row=1, expected="sex、age_days、weight_kg、length_cm（measure、oedema 可选）"))
    data = sheet.data_rows
    if not data and not problems:
        problems.append(ImportProblem("IMP005", sheet.file, "没有数据行", sheet=sheet.name,
                                      expected="第 1 行为表头，第 2 行起每行一名儿童"))
    if problems:
        raise ImportFileError(problems)
    width = max(len(header), *(len(cells) for _, cells in data))
    names = [h or get_column_letter(i + 1) for i, h in enumerate(header + [""] * (width - len(header)))]
    text = pd.DataFrame([[_cell(c) for c in cells] + [None] * (width - len(cells)) for _, cells in data],
                        columns=names, dtype="string")
    rows = pd.Series([number for number, _ in data])
    keyed = pd.DataFrame({key: text.iloc[:, col] for key, col in columns.items()})
    parsed = pd.DataFrame(index=text.index)
    for key in COLUMNS:
        if key not in columns:
            continue
        if key in ("sex", "measure", "oedema"):
            parsed[key] = _codes(sheet, keyed, key, columns[key], rows, problems)
        else:
            parsed[key] = _numbers(sheet, keyed, key, columns[key], rows, problems)
    if problems:
        problems.sort(key=lambda p: (p.row or 0, len(p.column), p.column))
        raise ImportFileError(problems)
    parsed["sex"] = pd.to_numeric(parsed["sex"]).astype("Float64")
    return text, parsed


def _cell(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def problem_table(problems: list[ImportProblem]) -> Table:
    table = Table(title=f"发现 {len(problems)} 个问题（未写入输出文件）", title_justify="left")
    for name in ("序号", "编号", "文件", "行", "列", "值", "问题", "应为"):
        table.add_column(name, overflow="fold")
    for number, p in enumerate(problems[:SHOWN_PROBLEMS], start=1):
        table.add_row(str(number), p.code, p.file, str(p.row or ""), p.column + (f"（{p.header}）" if p.header else ""),
                      p.value, p.problem, p.expected)
    return table


def write_output(text: pd.DataFrame, scored: pd.DataFrame, out: Path) -> None:
    """The input rows as read plus the z-scores (2 decimals) and flags, written atomically (UTF-8 with BOM)."""
    result = text.drop(columns=[c for c in (*INDICATORS, *FLAGS) if c in text.columns])
    result = result.map(lambda v: csv_cell(v) if isinstance(v, str) else v)  # no live formulas in the output
    for name in INDICATORS:
        values = scored[name].to_numpy(dtype=np.float64) + 0.0  # no "-0.00"
        result[name] = pd.Series(np.where(np.isnan(values), "", np.char.mod("%.2f", values)), index=text.index)
    for name in FLAGS:
        result[name] = scored[name].astype("Int8")
    handle, temporary = tempfile.mkstemp(prefix=".anthro-", suffix=".csv", dir=out.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8-sig", newline="") as stream:
            result.to_csv(stream, index=False)
        os.replace(temporary, out)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def summary_table(scored: pd.DataFrame) -> Table:
    table = Table(title="z 评分汇总", title_justify="left")
    for name in ("指标", "已计算", "无法计算", "标记为异常值"):
        table.add_column(name, justify="right")
    labels = {"waz": "WAZ 年龄别体重", "laz": "LAZ/HAZ 年龄别身长/身高", "wlz": "WLZ/WHZ 身长/身高别体重",
              "baz": "BAZ 年龄别 BMI"}
    for name, flag in zip(INDICATORS, FLAGS, strict=True):
        done = int(scored[name].notna().sum())
        table.add_row(labels[name], str(done), str(len(scored) - done), str(int(scored[flag].fillna(0).sum())))
    return table


class Command(BaseCommand):
    help = "为儿童体检数据计算 WHO 生长标准 z 评分（WAZ、LAZ、WLZ、BAZ）及异常值标记，写入新的 CSV 文件"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", metavar="IN.csv", help="输入文件（.csv 或 .xlsx）")
        parser.add_argument("--out", required=True, metavar="OUT.csv", help="输出 CSV 文件")

    def handle(self, *args: Any, **options: Any) -> None:
        console = cli_console(self.stdout)
        source, out = Path(options["path"]), Path(options["out"])
        if not source.is_file():
            raise CommandError(f"找不到输入文件“{source}”")
        if out.suffix.lower() != ".csv":
            raise CommandError(f"输出文件“{out}”应为 .csv 文件")
        if not out.parent.is_dir():
            raise CommandError(f"输出文件夹“{out.parent}”不存在")
        if out.exists() and out.resolve() == source.resolve():
            raise CommandError("输出文件不能与输入文件相同")
        with console.status(f"读取 {source.name} …"):
            try:
                text, parsed = read_measurements(source)
            except ImportFileError as err:
                self._fail(console, err.problems)
        with console.status(f"计算 {len(parsed)} 行的 z 评分 …"):
            scored = compute_zscores(parsed)
        with console.status(f"写入 {out.name} …"):
            write_output(text, scored, out)
        console.print(summary_table(scored))
        flagged = {name: int(scored[flag].fillna(0).sum()) for name, flag in zip(INDICATORS, FLAGS, strict=True)}
        console.print(f"完成：{len(scored)} 行 → {out}；标记为异常值 " + "，".join(
            f"{name.upper()} {count}" for name, count in flagged.items()))

    def _fail(self, console: Console, problems: list[ImportProblem]) -> None:
        console.print(problem_table(problems))
        if len(problems) > SHOWN_PROBLEMS:
            console.print(f"另有 {len(problems) - SHOWN_PROBLEMS} 个问题未列出")
        raise CommandError(f"无法计算：发现 {len(problems)} 个问题，未写入输出文件。第一个问题：{problems[0].message}")
