"""Problems found in imported files: stable ids, one located problem, and the error that carries them.

Every import (org units, reports, registers) collects :class:`ImportProblem` s and raises one
:class:`ImportFileError`. A bad file can hold hundreds of thousands of bad cells, so what people see
is capped the same way everywhere: the first :data:`SHOWN_PER_CODE` problems of each id, in reading
order, and one count line per id (``IMP020 数值不是数字：共 12,345 处，以下仅列出前 20 处``). Readers stop
collecting once :data:`STOP_AFTER` problems were found; the counts then say “至少”.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

# Stable ids of import problems (documented in docs/import-template.md and docs/registers-import.md).
PROBLEM_TITLES: dict[str, str] = {
    "IMP001": "文件是空的",
    "IMP002": "文件无法打开（不是有效的 Excel 文件）",
    "IMP003": "不支持的文件类型",
    "IMP004": "CSV 文件编码无法识别",
    "IMP005": "没有数据行",
    "IMP006": "文件过大",
    "IMP007": "文件解压后过大（疑似压缩炸弹）",
    "IMP010": "缺少必需的列",
    "IMP011": "无法识别的列",
    "IMP012": "列重复",
    "IMP013": "表头为空的列中有数据",
    "IMP020": "数值不是数字",
    "IMP021": "数值为负数",
    "IMP022": "数值为小数",
    "IMP023": "公式没有计算结果",
    "IMP024": "日期无法识别",
    "IMP025": "必填项为空",
    "IMP026": "文字过长",
    "IMP027": "取值不在允许范围内",
    "IMP028": "数值过大",
    "IMP029": "文字含有不可见的控制字符",
    "IMP030": "期间无法识别",
    "IMP031": "期间不可填报（类型不符或尚未开始）",
    # One id for “no such unit” and “not yours”: an import must not tell which codes exist elsewhere.
    "IMP040": "单位编码不存在或不在您可填报的范围内",
    "IMP042": "单位不需要报送该报表",
    "IMP043": "重复的行",
    "IMP044": "上级单位有误",
    "IMP045": "撤销日期早于启用日期",
    "IMP046": "无权导入",
    "IMP053": "单位该期报表已审核，不能修改",
    # 报送时间 of the report import (ducha.core.import_times).
    "IMP054": "报送时间只有时刻、没有日期",
    "IMP055": "报送时间晚于导入时间",
    "IMP056": "报送时间过早（早于报表期间开始或 2000-01-01）",
    # Register import (ducha.registers.import_*).
    "REG001": "无法识别的工作表",
    "REG002": "一个文件中同时有孕产妇和儿童的登记",
    "REG003": "表头合并单元格跨多列",
    "REG010": "日期晚于今天",
    "REG011": "日期先后不可能",
    "REG012": "身份证号格式不对",
    "REG013": "身份证号校验位不对",
    # 录入时间/修改时间 (entry metadata from another system; ducha.core.import_times).
    "REG014": "录入时间或修改时间只有时刻、没有日期",
    "REG015": "录入时间或修改时间晚于导入时间",
    "REG016": "录入时间或修改时间早于 2000-01-01",
    "REG017": "修改时间早于录入时间",
    "REG020": "手册编号重复",
    "REG021": "同一手册的身份信息前后不一致",
    "REG022": "检查/访视所属的手册不存在",
    "REG023": "母亲手册不存在",
    "REG024": "同一手册同一日期的检查/访视重复",
    "REG030": "数值为 0 或超出范围",
    "REG040": "保存时与其他录入冲突",
}
UNIT_NOT_AVAILABLE = PROBLEM_TITLES["IMP040"]
SHOWN_PER_CODE = 20
STOP_AFTER = 5_000  # problems collected before a reader stops reading (the totals then say “至少”)


@dataclass(frozen=True)
class ImportProblem:
    """One problem in an imported file, located down to the cell."""

    code: str
    file: str
    problem: str
    sheet: str = ""
    row: int | None = None
    column: str = ""
    header: str = ""
    value: str = ""
    expected: str = ""

    @property
    def location(self) -> str:
        parts = [f"文件“{self.file}”"]
        if self.sheet:
            parts.append(f"工作表“{self.sheet}”")
        if self.row:
            parts.append(f"第 {self.row} 行")
        if self.column:
            parts.append(f"{self.column} 列" + (f"（{self.header}）" if self.header else ""))
        return " ".join(parts)

    @property
    def message(self) -> str:
        text = f"{self.location}：{self.problem}"
        if self.value:
            text += f"，值为“{self.value}”"
        if self.expected:
            text += f"；应为{self.expected}"
        return text


@dataclass(frozen=True)
class ProblemCount:
    """How often one problem id occurred, and how many of them are listed."""

    code: str
    total: int
    shown: int
    at_least: bool = False

    @property
    def title(self) -> str:
        return PROBLEM_TITLES.get(self.code, "")

    @property
    def text(self) -> str:
        total = f"至少 {self.total:,} 处" if self.at_least else f"共 {self.total:,} 处"
        text = f"{self.code} {self.title}：{total}" if self.title else f"{self.code}：{total}"
        return text + (f"，以下仅列出前 {self.shown} 处" if self.shown < self.total else "")


def cap_problems(problems: Iterable[ImportProblem], per_code: int = SHOWN_PER_CODE) -> list[ImportProblem]:
    """The first ``per_code`` problems of each id, in the given order."""
    seen: Counter[str] = Counter()
    shown = []
    for p in problems:
        seen[p.code] += 1
        if seen[p.code] <= per_code:
            shown.append(p)
    return shown


def enough_problems(problems: list[ImportProblem]) -> bool:
    """Whether a reader has found so many problems that reading on would only cost time and memory."""
    return len(problems) >= STOP_AFTER


class ImportFileError(ValueError):
    """One or more files cannot be imported.

    ``problems`` holds every problem collected (at most about :data:`STOP_AFTER`; ``incomplete`` when a
    reader stopped early); ``shown`` the ones to list and ``counts`` one :class:`ProblemCount` per id.
    """

    def __init__(self, problems: list[ImportProblem], *, incomplete: bool = False):
        self.problems = problems
        self.incomplete = incomplete
        self.shown = cap_problems(problems)
        per_code = Counter(p.code for p in problems)
        shown = Counter(p.code for p in self.shown)
        self.counts = [ProblemCount(code, total, shown[code], incomplete) for code, total in per_code.items()]
        lines = [c.text for c in self.counts if c.shown < c.total] + [p.message for p in self.shown]
        super().__init__("\n".join(lines))

    @property
    def total(self) -> int:
        return len(self.problems)

    @property
    def total_text(self) -> str:
        """``12,345 个问题`` or, when reading stopped early, ``至少 5,000 个问题``."""
        return f"{'至少 ' if self.incomplete else ''}{self.total:,} 个问题"

    @property
    def capped(self) -> bool:
        return len(self.shown) < len(self.problems)

    @property
    def files(self) -> list[str]:
        return list(dict.fromkeys(p.file for p in self.problems))

    def summary_lines(self) -> list[str]:
        """One line per id that has more problems than are listed (nothing when all are listed)."""
        if not self.capped and not self.incomplete:
            return []
        lines = [c.text for c in self.counts]
        if self.incomplete:
            lines.append(f"问题太多，已停止读取（找到 {STOP_AFTER:,} 个问题后），以上是至少的数量")
        return lines
