"""REST API over stored quality scans: runs, each run's unit scores, check results and suspect records.

Reads only, thin over ``quality.selectors`` and ``quality.selectors_suspects``: what the quality pages
show, for the unit the caller names (``unit``, default the caller's top unit). A run is listed for a unit
when it covers it (its root is the unit or above it); its figures, scores, results and suspect records are
counted over the caller's units under that unit only. Starting a scan is a background job (``/api/jobs``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from django.http import HttpRequest
from django.urls import reverse
from ninja import Query, Router, Schema
from pydantic import Field

from ducha.api_auth import actor_of
from ducha.api_contract import contract, period_query, unit_query
from ducha.core.actor import Actor
from ducha.core.api_helpers import id_path
from ducha.core.paging import api_page, page_query, page_schema, page_size_query
from ducha.core.periods import PeriodError, parse_period
from ducha.orgs.api import scoped_root
from ducha.orgs.models import OrgUnit
from ducha.quality.checks.base import METHOD_MARK, STATUS_LABELS, catalogue
from ducha.quality.models import CheckResult, QualityRun, SuspectRecord
from ducha.quality.selectors import access_run, quality_runs, run_figures, run_results, unit_scores
from ducha.quality.selectors_suspects import record_checks, suspects_in

router = Router(tags=["数据质量"])


def _id_pattern(ids: list[str]) -> str:
    return "^(" + "|".join(ids) + ")$"


CHECK_PATTERN = _id_pattern([c.id for c in catalogue()])
RECORD_CHECK_PATTERN = _id_pattern([c.id for c in record_checks()])


class RunOut(Schema):
    id: int = Field(description="质量检查编号（网页 /quality/ 上的一次检查）")
    period: str = Field(description="检查的期间编码，如 2012Q1")
    period_label: str = Field(description="期间的中文，如 2012年第一季度")
    root: str = Field(description="这次检查的范围（单位编码）")
    root_name: str = Field(description="检查范围的单位名称")
    scope: str = Field(description="下列数字统计的单位（请求中的 unit，或调用者的最上级单位）")
    status: str = Field(description="状态：done 已完成、failed 失败")
    status_label: str = Field(description="状态的中文")
    started_at: datetime = Field(description="开始时间")
    finished_at: datetime | None = Field(description="完成时间")
    runner: str = Field(description="运行人（姓名）；检查范围在调用者权限以外时只写“县级检查”等")
    units: int = Field(description="scope 下有得分的单位数")
    fired: int = Field(description="scope 下判为可疑的检查结果数")
    passed: int = Field(description="scope 下通过的检查结果数")
    undecided: int = Field(description="scope 下无法判断的检查结果数")
    suspects: int = Field(description="scope 下的可疑手册数")


class UnitScoreOut(Schema):
    unit: str = Field(description="单位编码")
    unit_name: str = Field(description="单位名称")
    score: float | None = Field(description="数据质量得分 0–100（无法判断时为空）")
    grade: str = Field(description="等级：优、良、中、差；无法判断时为空")
    fired: int = Field(description="可疑项")
    passed: int = Field(description="通过项")
    undecided: int = Field(description="无法判断项")
    records: int = Field(description="手册数")
    suspect_records: int = Field(description="可疑手册数")
    penalties: dict[str, Any] = Field(description="扣分明细：检查编号 → 扣分")
    verdict: str = Field(description="编造判定：suspect 疑似编造、verify 需核实、clear 未见编造迹象、unknown 无法判断"
                                     "（只依据编造迹象，见 docs/quality-checks.md 判定方法）")
    verdict_label: str = Field(description="编造判定的中文")
    confidence: str = Field(description="判定的把握：高、中、低；无法判断时为空")
    verdict_text: str = Field(description="判定依据（哪些相互独立的编造迹象、涉及多少手册）")
    fabrication_signals: int = Field(description="相互独立的编造迹象组数")
    fabrication_records: int = Field(description="编造迹象检查涉及的手册数")
    inconsistent_records: int = Field(description="记录不一致（日期顺序、数值不合逻辑、重复）的手册数")
    incomplete_records: int = Field(description="记录不全（缺身份信息、日期、必测项目）的手册数")
    kinds: dict[str, Any] = Field(description="分类得分：report 报表质量、incomplete 记录不全、inconsistent 记录不一致、"
                                              "fabrication 编造迹象 → {score 得分, fired 可疑项, penalty 扣分, records 手册数}")


class RunDetailOut(RunOut):
    scores: list[UnitScoreOut] = Field(description="scope 下各单位的得分，最低的在前（与数据质量页相同）")


class CheckResultOut(Schema):
    id: int = Field(description="检查结果编号")
    check_id: str = Field(description="检查编号，如 DQ-R01（检查目录 /quality/checks/）")
    check_title: str = Field(description="检查名称")
    unit: str = Field(description="单位编码")
    unit_name: str = Field(description="单位名称")
    subject: str = Field(description="对象：录入人/检查者或导入批次；单位级的结果为空")
    status: str = Field(description="结果：fired 可疑、passed 通过、undecided 无法判断、habit 全县习惯（检查范围一条）")
    status_label: str = Field(description="结果的中文")
    measured: float | None = Field(description="测得值")
    threshold: float | None = Field(description="阈值")
    n: int | None = Field(description="样本量")
    evidence_text: str = Field(description="为什么可疑（给督查员看的文字）")
    method: str = Field(description="方法说明（公式、检验统计量），没有时为空")


class ReasonOut(Schema):
    check_id: str = Field(description="把该手册判为可疑的检查编号")
    title: str = Field(description="检查名称")
    text: str = Field(description="该手册为什么可疑")


class SuspectOut(Schema):
    rank: int = Field(description="在本次检查（按筛选条件）中的风险排名，1 为风险最高（与可疑手册页相同的排序）")
    record_type: str = Field(description="手册类型：pregnancy 孕产妇保健手册、child 儿童保健手册")
    record_type_label: str = Field(description="手册类型的中文")
    record_id: int = Field(description="手册编号（id，可用于 /api/pregnancy-records/{id} 或 /api/child-records/{id}）")
    record_no: str = Field(description="手册编号")
    name: str = Field(description="姓名")
    unit: str = Field(description="单位编码")
    unit_name: str = Field(description="单位名称")
    risk_weight: int = Field(description="风险权重：命中各项检查的权重之和（严重程度低 1、中 2、高 3，按手册自身证据的多少最多加倍）")
    reasons: list[ReasonOut] = Field(description="可疑原因，每项检查一条")
    page_url: str = Field(description="该手册“为什么可疑”网页的地址")


RunPageOut = page_schema("QualityRunPage", RunOut, "质量检查")
ResultPageOut = page_schema("CheckResultPage", CheckResultOut, "检查结果")
SuspectPageOut = page_schema("SuspectRecordPage", SuspectOut, "可疑手册")


def _unit_query() -> Any:
    return unit_query("统计的单位（单位编码）：只计该单位及其下级；缺省为调用者的最上级单位")


def _run_path() -> Any:
    return id_path("质量检查编号")


def _scoped_run(request: HttpRequest, run_id: int, unit: str | None) -> tuple[Actor, OrgUnit, QualityRun]:
    """The caller, the unit counted over (``unit`` or the caller's top unit) and the run, 404 unless it covers it."""
    actor = actor_of(request)
    root = scoped_root(actor, unit)
    return actor, root, access_run(actor, run_id, root=root)


def _period_label(code: str) -> str:
    try:
        return parse_period(code).label
    except PeriodError:
        return code


def run_out(figures: Any) -> dict[str, Any]:
    run: QualityRun = figures.run
    return {"id": run.pk, "period": run.period, "period_label": _period_label(run.period), "root": run.root.code,
            "root_name": run.root.name, "status": run.status, "status_label": run.get_status_display(),
            "started_at": run.started_at, "finished_at": run.finished_at, "runner": figures.runner,
            **figures.as_dict()}


@router.get("/quality-runs", **contract(RunPageOut), summary="质量检查列表")
def list_quality_runs(
    request: HttpRequest, unit: str | None = _unit_query(),
    period: str | None = period_query("只列该期间的检查：201201、2012Q1、2012、2012MCH"),
    page: int = page_query(), page_size: int = page_size_query(),
) -> dict[str, Any]:
    """覆盖 ``unit`` 的质量检查（检查范围是该单位或其上级），最新的在前；各项数字只计调用者在 ``unit`` 下可见的单位。"""
    actor = actor_of(request)
    root = scoped_root(actor, unit)
    rows = api_page(quality_runs(actor, root=root, period=parse_period(period) if period else None), page, page_size)
    return rows.answer([run_out(f) for f in run_figures(actor, rows.items, root)])


@router.get("/quality-runs/{run_id}", **contract(RunDetailOut), summary="一次质量检查及各单位得分")
def get_quality_run(request: HttpRequest, run_id: int = _run_path(), unit: str | None = _unit_query()) -> dict[str, Any]:
    """一次检查的概况和 ``unit`` 下各单位的数据质量得分；检查不存在或不覆盖 ``unit`` 时 404。"""
    actor, root, run = _scoped_run(request, run_id, unit)
    scores = [{"unit": s.unit.code, "unit_name": s.unit.name, "score": s.score, "grade": s.grade, "fired": s.fired,
               "passed": s.passed, "undecided": s.undecided, "records": s.records,
               "suspect_records": s.suspect_records, "penalties": s.penalties if isinstance(s.penalties, dict) else {},
               "verdict": s.verdict, "verdict_label": s.get_verdict_display(), "confidence": s.confidence,
               "verdict_text": s.verdict_text, "fabrication_signals": s.fabrication_signals,
               "fabrication_records": s.fabrication_records, "inconsistent_records": s.inconsistent_records,
               "incomplete_records": s.incomplete_records, "kinds": s.kinds if isinstance(s.kinds, dict) else {}}
              for s in unit_scores(actor, run, root)]
    return run_out(run_figures(actor, [run], root)[0]) | {"scores": scores}


def result_out(row: CheckResult, titles: dict[str, str]) -> dict[str, Any]:
    plain, _, method = row.evidence_text.partition(METHOD_MARK)
    return {"id": row.pk, "check_id": row.check_id, "check_title": titles.get(row.check_id, row.check_id),
            "unit": row.unit.code, "unit_name": row.unit.name, "subject": row.subject, "status": row.status,
            "status_label": STATUS_LABELS.get(row.status, row.status), "measured": row.measured,
            "threshold": row.threshold, "n": row.n, "evidence_text": plain, "method": method}


@router.get("/quality-runs/{run_id}/results", **contract(ResultPageOut), summary="一次质量检查的检查结果")
def list_check_results(
    request: HttpRequest, run_id: int = _run_path(), unit: str | None = _unit_query(),
    check: str | None = Query(None, pattern=CHECK_PATTERN, max_length=12,
                              description="只列该检查的结果（检查编号，如 DQ-R01）", example="DQ-R01"),
    status: Literal["fired", "passed", "undecided", "habit"] | None = Query(
        None, description="只列该结果：fired 可疑、passed 通过、undecided 无法判断、habit 全县习惯"),
    page: int = page_query(), page_size: int = page_size_query(),
) -> dict[str, Any]:
    """每项检查在每个单位（及录入人、导入批次）的结果和证据文字，按单位、检查编号排列，分页。"""
    actor, root, run = _scoped_run(request, run_id, unit)
    titles = {c.id: c.title for c in catalogue()}
    rows = api_page(run_results(actor, run, root, status=status, check_id=check or ""), page, page_size)
    return rows.answer([result_out(r, titles) for r in rows.items])


def suspect_out(row: SuspectRecord, rank: int) -> dict[str, Any]:
    url = reverse("quality:suspect", args=[row.record_type, row.record_id]) + f"?run={row.run_id}"
    return {"rank": rank, "record_type": row.record_type, "record_type_label": row.get_record_type_display(),
            "record_id": row.record_id, "record_no": row.record_no, "name": row.name, "unit": row.unit.code,
            "unit_name": row.unit.name, "risk_weight": row.risk_weight, "page_url": url,
            "reasons": [{"check_id": r.get("check_id", ""), "title": r.get("title", r.get("check_id", "")),
                         "text": r.get("text", "")} for r in row.reasons if isinstance(r, dict)]}


@router.get("/quality-runs/{run_id}/suspects", **contract(SuspectPageOut), summary="一次质量检查的可疑手册")
def list_suspect_records(
    request: HttpRequest, run_id: int = _run_path(), unit: str | None = _unit_query(),
    check: str | None = Query(None, pattern=RECORD_CHECK_PATTERN, max_length=12,
                              description="只列被该检查判为可疑的手册（针对单本手册的检查编号，如 DQ-C07）",
                              example="DQ-C07"),
    page: int = page_query(), page_size: int = page_size_query(),
) -> dict[str, Any]:
    """可疑手册按风险权重从高到低（同权重按单位、手册）排列，与可疑手册页相同；分页，可按单位和检查筛选。"""
    actor, root, run = _scoped_run(request, run_id, unit)
    rows = api_page(suspects_in(actor, run, root, check_id=check or ""), page, page_size)
    return rows.answer([suspect_out(r, rows.offset + i + 1) for i, r in enumerate(rows.items)])
