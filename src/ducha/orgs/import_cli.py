"""How the ``import-*`` commands print the problems of a refused import (one table for all of them).

The table lists the first 20 problems of each id; above it, one count line per id says how many
there are in all (``IMP020 数值不是数字：共 12,345 处，以下仅列出前 20 处``), so a file of 300,000 bad
rows prints a few screens, not 100 MB.
"""

from __future__ import annotations

from rich.console import Console
from rich.table import Table
from rich.text import Text

from ducha.core.import_problems import ImportFileError


def problem_table(err: ImportFileError) -> Table:
    title = f"发现 {err.total_text}（未写入任何数据）"
    if err.capped:
        title += f"，以下列出其中 {len(err.shown):,} 个（每种问题最多 20 个）"
    table = Table(title=Text(title), show_lines=False, title_justify="left")
    for name in ("序号", "编号", "文件", "工作表", "行", "列", "值", "问题", "应为"):
        table.add_column(name, overflow="fold")
    for number, p in enumerate(err.shown, start=1):
        column = p.column + (f"（{p.header}）" if p.header else "")
        cells = (str(number), p.code, p.file, p.sheet, str(p.row or ""), column, p.value, p.problem, p.expected)
        table.add_row(*(Text(c) for c in cells))  # plain text: a cell like "[/x]" is not rich markup
    return table


def print_problems(console: Console, err: ImportFileError) -> str:
    """Print the count lines and the table; return the one-line failure message for ``CommandError``."""
    for line in err.summary_lines():
        console.print(line, markup=False)
    console.print(problem_table(err))
    return f"导入失败：{len(err.files)} 个文件中共发现 {err.total_text}，未写入任何数据"
