"""The check catalogue: small declarative checks with a stable id, registered once (pandera style).

A check builds one Ibis expression over the scan's tables (``ScanData``) and never loops over rows.
Two shapes of result:

* **group checks** (level unit / operator / batch) return one row per judged group with the columns
  ``unit_id, subject, n, measured, threshold, status, reason`` plus whatever evidence columns the
  check's ``explain`` reads; ``status`` is ``fired`` / ``passed`` / ``undecided`` (无法判断) and
  ``reason`` a short code (``few``, ``mad0``, ``nan`` …) turned into Chinese by ``undecided_text``;
* **record checks** (level record) return one row per problem found, with ``unit_id, record_id``
  and evidence columns; the engine turns them into suspect records and a per-unit result.

**Peers and county habits** (``checks.peers``): a distribution check judges each unit against the reference
and against the other units of the scan (``peers.judge``: robust median/MAD z, settings ``peer_z``,
``min_peers``, ``habit_share``). When at least ``habit_share`` of the judged units fire on the reference, the
signal is a county habit: the units fire only where they also deviate from their peers, and the check says
so once. Such a check declares ``habit=True`` and ``explain_habit``; its rows carry ``county_habit`` (the
same on every row), ``habit_units`` and ``peer_units``. The engine then adds ONE result with status
``habit`` for the scan's root unit, its text "全县 12/16 个单位" + ``explain_habit(row)`` + "：是全县的习惯，
不作为各单位的问题", where ``row`` is the first habit-spared unit's row (peer median etc. are the same on all).

Thresholds are settings: ``DUCHA_QUALITY = {"DQ-R01": {"min_rate": 0.85, "min_n": 1}}`` overrides a
check's defaults (``min_n`` is the minimum sample size, ``severity`` 1–3 its weight).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import IntEnum, StrEnum
from typing import Any

import ibis
import ibis.expr.types as ir
from django.conf import settings

from ducha.core.periods import Period

FIRED, PASSED, UNDECIDED, HABIT = "fired", "passed", "undecided", "habit"
# An evidence text may end with the method (formula, test statistic) after this mark: pages show the words
# before it and fold the method away under 方法说明 (``quality.templatetags.quality_text``).
METHOD_MARK = "\n方法说明："
STATUS_LABELS = {FIRED: "可疑", PASSED: "通过", UNDECIDED: "无法判断", HABIT: "全县习惯"}
Row = Mapping[str, Any]
Params = Mapping[str, Any]


class Severity(IntEnum):
    LOW = 1
    MEDIUM = 2
    HIGH = 3

    @property
    def label(self) -> str:
        return {1: "低", 2: "中", 3: "高"}[int(self)]


class Level(StrEnum):
    UNIT = "unit"
    RECORD = "record"
    OPERATOR = "operator"
    BATCH = "batch"

    @property
    def label(self) -> str:
        return {"unit": "单位", "record": "单条记录", "operator": "录入人/检查者", "batch": "导入批次"}[self.value]


class Family(StrEnum):
    REPORTS = "reports"
    VERIFICATION = "verification"
    RECORDS = "records"
    FABRICATION = "fabrication"

    @property
    def label(self) -> str:
        return {"reports": "一、常规报表", "verification": "二、登记与报表核实", "records": "三、单条记录",
                "fabrication": "四、编造迹象"}[self.value]


UNDECIDED_TEXT = {
    "few": "样本量 {n} 少于判断所需的 {min_n}",
    "few_women": "只涉及不到 {min_women} 名孕产妇，人太少时数值自然集中",
    "mad0": "各月数值几乎相同，无从判断是否离群，跳过" + METHOD_MARK + "MAD = 0，稳健 z 无法计算",
    "nan": "数值缺失，无法计算",
    "nodata": "没有可判断的数据",
    "zero": "均值为 0，无法计算",
    "small": "计数太小（少于 {min_n}），不作判断",
    "peers": "可比较的同级单位不足 {min_peers} 个",
    "peer_small": "其他单位合计样本少于 {min_n}，无从比较",
    "noprev": "没有前几年同期的数据",
    "noreport": "报表数为 0 或未上报，无法计算核实系数",
    "noz": "没有可用的 z 评分（缺少性别、月龄、体重或身长）",
    "error": "检查出错：{error}",
}


def undecided_text(row: Row, params: Params, min_n: int) -> str:
    code = str(row.get("reason") or "nodata")
    template = UNDECIDED_TEXT.get(code, code)
    values = {"n": row.get("n", 0), "min_n": min_n, **params, "error": row.get("error", "")}
    return "无法判断：" + template.format(**values)


@dataclass
class Labels:
    """Names a person reads in evidence: units, report elements, operators, batches, record numbers."""

    units: dict[int, str] = field(default_factory=dict)
    elements: dict[str, str] = field(default_factory=dict)
    users: dict[int, str] = field(default_factory=dict)
    batches: dict[int, str] = field(default_factory=dict)
    records: dict[tuple[str, int], tuple[str, str]] = field(default_factory=dict)

    def unit(self, unit_id: Any) -> str:
        return self.units.get(int(unit_id), str(unit_id)) if unit_id is not None else "—"

    def element(self, code: str) -> str:
        return self.elements.get(code, code)

    def record(self, record_type: str, record_id: int) -> str:
        no, name = self.records.get((record_type, int(record_id)), (str(record_id), ""))
        return f"{no} {name}".strip()


@dataclass
class ScanData:
    """Everything one scan reads, as Ibis tables over Arrow (see ``quality.store``)."""

    tables: dict[str, ir.Table]
    period: Period
    labels: Labels = field(default_factory=Labels)
    today: date = field(default_factory=date.today)
    shared_tables: dict[Hashable, ir.Table] = field(default_factory=dict, repr=False, compare=False)
    shared_con: Any = field(default=None, repr=False, compare=False)

    def __getitem__(self, name: str) -> ir.Table:
        return self.tables[name]

    def shared(self, key: Hashable, build: Callable[[], ir.Table]) -> ir.Table:
        """``build()`` executed once per scan and kept as an Arrow table under ``key`` (which must name everything
        the result depends on, e.g. the parameters used).

        An intermediate that several checks read — or a check and its ``implicate`` step — is otherwise built,
        compiled and executed once per reader, and building and compiling a wide Ibis expression costs more than
        DuckDB's execution of it (DQ-F13/F14's long table of every measured value: 0.7 s per reader on the demo)."""
        if key not in self.shared_tables:
            if self.shared_con is None:  # the scan's own in-process DuckDB, dropped with the scan's data
                self.shared_con = ibis.duckdb.connect()
            self.shared_tables[key] = ibis.memtable(self.shared_con.to_pyarrow(build()))
        return self.shared_tables[key]


def timed_entries(d: ScanData) -> ir.Table:
    """The ``entries`` whose entry time says when the row was keyed in: without the rows of an import batch whose
    every row carries one time stamp (the import's), and without rows whose 录入时间 was imported as a date alone
    (``time_known`` false: stored as 0:00, which would make every such row of a day one sitting)."""
    e = d["entries"]
    batches = e.filter(e.batch_id.notnull()).group_by("batch_id").agg(stamps=e.created_at.nunique())
    stamped = batches.filter(batches.stamps <= 1)
    e = e.anti_join(stamped, e.batch_id == stamped.batch_id)
    return e.filter(e.created_at.notnull() & e.time_known.fill_null(True))


def shared_key(name: str, p: Params, *extra: Any) -> tuple[Any, ...]:
    """A ``ScanData.shared`` key: the intermediate's name, the check's parameters and the other arguments."""
    return (name, repr(sorted(p.items())), *extra)


Builder = Callable[[ScanData, Params, int], ir.Table]
Explainer = Callable[[Row, Params, Labels], str]


@dataclass(frozen=True)
class Check:
    id: str
    title: str
    family: Family
    level: Level
    severity: Severity
    build: Builder
    explain: Explainer
    defaults: Mapping[str, Any] = field(default_factory=dict)
    min_n: int = 30
    threshold: str = ""
    rationale: str = ""
    record_type: str = ""
    implicate: Builder | None = None
    explain_record: Explainer | None = None
    habit: bool = False
    explain_habit: Explainer | None = None

    def params(self) -> dict[str, Any]:
        conf = getattr(settings, "DUCHA_QUALITY", {})
        override = dict(conf.get(self.id, {}))
        override.pop("min_n", None)
        override.pop("severity", None)
        if "elements" in self.defaults and "elements" not in override and "core_elements" in conf:
            override["elements"] = list(conf["core_elements"])
        return {**self.defaults, **override}

    def minimum(self) -> int:
        return int(getattr(settings, "DUCHA_QUALITY", {}).get(self.id, {}).get("min_n", self.min_n))

    def weight(self) -> int:
        return int(getattr(settings, "DUCHA_QUALITY", {}).get(self.id, {}).get("severity", int(self.severity)))

    def threshold_text(self) -> str:
        return self.threshold.format(**self.params(), min_n=self.minimum())

    @property
    def is_record_check(self) -> bool:
        return self.level is Level.RECORD


REGISTRY: dict[str, Check] = {}
FAMILY_ORDER = {"R": 0, "V": 1, "P": 2, "C": 3, "F": 4}


def register(check: Check) -> Check:
    if check.id in REGISTRY:
        raise ValueError(f"检查编号 {check.id} 重复")
    REGISTRY[check.id] = check
    return check


def catalogue() -> list[Check]:
    from ducha.quality.checks import (  # noqa: F401  (importing registers the checks)
        child_records,
        clones,
        concentration,
        digits,
        fabrication,
        growth,
        heaping,
        postpartum,
        records,
        repeats,
        reports,
        schedule,
        sittings,
        verification,
    )

    return sorted(REGISTRY.values(), key=lambda c: (FAMILY_ORDER.get(c.id[3], 9), c.id))


def settings_snapshot() -> dict[str, Any]:
    return {c.id: {**c.params(), "min_n": c.minimum(), "severity": c.weight()} for c in catalogue()}


# ---- helpers shared by the check modules -------------------------------------------------------------

def verdict(t: ir.Table, *, n: ir.Value, measured: ir.Value, threshold: float, fired: ir.Value,
            min_n: int, subject: ir.Value | str = "",
            undecided: Iterable[tuple[ir.Value, str]] = ()) -> ir.Table:
    """Add the standard columns: status fired/passed/undecided and a reason code when undecided.

    ``undecided`` conditions are tried first, then the minimum sample size, then a missing measure.
    """
    extra = list(undecided)
    n_value = n.cast("int64")
    unknown = measured.isnull() | measured.isnan()
    status = ibis.cases(*[(c, UNDECIDED) for c, _ in extra], (n_value < min_n, UNDECIDED), (unknown, UNDECIDED),
                        (fired, FIRED), else_=PASSED)
    reason = ibis.cases(*[(c, r) for c, r in extra], (n_value < min_n, "few"), (unknown, "nan"), else_="")
    return t.mutate(subject=ibis.literal(subject) if isinstance(subject, str) else subject.cast("string"),
                    n=n_value, measured=measured.cast("float64"),
                    threshold=ibis.literal(float(threshold)), status=status, reason=reason)


def flag(value: ir.BooleanValue) -> ir.IntegerValue:
    """A boolean as 0/1 (null counts as 0) for sums."""
    return value.fill_null(False).cast("int64")


def wilson_hilferty_quantile(df: ir.NumericValue, z_alpha: float) -> ir.NumericValue:
    """χ²(df) quantile at the normal quantile ``z_alpha`` (Wilson–Hilferty), as an Ibis expression."""
    k = df.cast("float64")
    return k * (1 - 2 / (9 * k) + z_alpha * (2 / (9 * k)).sqrt()) ** 3


def chi2_lower_p(statistic: float, df: float) -> float:
    """P(χ²(df) ≤ statistic) by Wilson–Hilferty: for the evidence text only."""
    from statistics import NormalDist

    if df <= 0:
        return float("nan")
    if statistic <= 0:
        return 0.0
    z = ((statistic / df) ** (1 / 3) - (1 - 2 / (9 * df))) / (2 / (9 * df)) ** 0.5
    return NormalDist().cdf(z)


def normal_quantile(alpha: float) -> float:
    from statistics import NormalDist

    return NormalDist().inv_cdf(alpha)


def fmt(value: Any, digits: int = 1) -> str:
    """A value as a person reads it: dates ISO, floats rounded, None as “空”."""
    if value is None or (isinstance(value, float) and value != value):
        return "空"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return f"{value:.{digits}f}".rstrip("0").rstrip(".") if digits else f"{value:.0f}"
    return str(value)


def pct(value: Any, digits: int = 1) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return "空"
    return f"{float(value) * 100:.{digits}f}%"


def months_between(start: Any, end: Any) -> int:
    if start is None or end is None:
        return 0
    return max(1, round((end - start).days / 30.44))
