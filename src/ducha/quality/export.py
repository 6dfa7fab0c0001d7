"""A stored quality run as an Excel workbook (单位得分, 检查结果, 可疑记录) or as JSON."""

from __future__ import annotations

import io
import json
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from ducha.core.actor import Actor
from ducha.core.exports import append_row
from ducha.orgs.models import OrgUnit
from ducha.quality.checks.base import STATUS_LABELS, catalogue
from ducha.quality.models import QualityRun
from ducha.quality.selectors import check_results, run_figures, suspect_records, unit_scores

SCORE_HEADERS = ["单位编码", "单位", "得分", "等级", "可疑项", "通过项", "无法判断项", "手册数", "可疑手册数", "编造判定",
                 "判定把握", "判定依据"]
RESULT_HEADERS = ["单位编码", "单位", "检查编号", "检查", "严重程度", "对象", "结果", "测得值", "阈值", "样本量", "为什么可疑"]
SUSPECT_HEADERS = ["位次", "单位", "类型", "手册编号", "姓名", "风险权重", "命中检查", "为什么可疑"]
TYPE_LABELS = {"pregnancy": "孕产妇", "child": "儿童"}


def _tables(actor: Actor, run: QualityRun, root: OrgUnit) -> dict[str, list[list[Any]]]:
    checks = {c.id: c for c in catalogue()}
    scores = [[s.unit.code, s.unit.label, s.score, s.grade or "无法判断", s.fired, s.passed, s.undecided, s.records,
               s.suspect_records, s.get_verdict_display(), s.get_confidence_display(), s.verdict_text]
              for s in unit_scores(actor, run, root)]
    results = [[r.unit.code, r.unit.label, r.check_id, checks[r.check_id].title if r.check_id in checks else "",
                checks[r.check_id].severity.label if r.check_id in checks else "", r.subject,
                STATUS_LABELS.get(r.status, r.status), r.measured, r.threshold, r.n, r.evidence_text]
               for r in check_results(actor, run, root)]
    suspects = [[i, s.unit.label, TYPE_LABELS.get(s.record_type, s.record_type), s.record_no, s.name, s.risk_weight,
                 "、".join(s.check_ids), "；".join(f"{r['check_id']} {r['title']}：{r['text']}" for r in s.reasons)]
                for i, s in enumerate(suspect_records(actor, run, root, limit=None), start=1)]
    return {"单位得分": [SCORE_HEADERS, *scores], "检查结果": [RESULT_HEADERS, *results],
            "可疑记录": [SUSPECT_HEADERS, *suspects]}


def run_to_xlsx(actor: Actor, run: QualityRun, root: OrgUnit) -> bytes:
    book = Workbook()
    book.remove(book.active)
    for title, rows in _tables(actor, run, root).items():
        sheet = book.create_sheet(title)
        for row in rows:
            append_row(sheet, row)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        sheet.freeze_panes = "A2"
        for column, width in zip("ABCDEFGHIJK", [10, 14, 10, 22, 8, 14, 10, 10, 10, 8, 80], strict=False):
            sheet.column_dimensions[column].width = width
        for row in sheet.iter_rows(min_row=2):
            row[-1].alignment = Alignment(wrap_text=True, vertical="top")
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def run_to_json(actor: Actor, run: QualityRun, root: OrgUnit) -> str:
    tables = _tables(actor, run, root)
    payload = {
        "period": run.period, "root": root.code, "started_at": run.started_at.isoformat(),
        "summary": run_figures(actor, [run], root)[0].as_dict(),  # counted over the actor's units only
        **{name: [dict(zip(rows[0], row, strict=True)) for row in rows[1:]] for name, rows in tables.items()},
    }
    return json.dumps(payload, ensure_ascii=False, indent=1)
