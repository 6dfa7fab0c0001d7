"""The scan end to end on the mini county: results stored, scored, suspects ranked, audited, scoped."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied

from ducha.audit.models import AuditEntry
from ducha.core.periods import parse_period
from ducha.quality.actions import run_quality_scan
from ducha.quality.checks.base import catalogue
from ducha.quality.models import CheckResult, QualityRun, SuspectRecord, UnitQualityScore
from ducha.quality.tests.registerdata import BURST_CARDS

Q1 = parse_period("2012Q1")


def test_scan_stores_results_scores_and_suspects(county: Any) -> None:
    run = run_quality_scan(actor=county.inspector, period=Q1, root=county.county)
    units = {county.town_a.pk, county.town_b.pk, county.town_c.pk, county.hospital.pk}
    results = CheckResult.objects.filter(run=run)
    assert {r.unit_id for r in results} == units
    assert {r.check_id for r in results} == {c.id for c in catalogue()}
    assert not [r.evidence_text for r in results if "检查出错" in r.evidence_text]
    assert run.settings["DQ-F01"]["min_cards"] == 20 and run.summary["units"] == 4

    burst = results.get(check_id="DQ-F01", unit=county.town_a)
    assert burst.status == "fired"
    assert f"甲镇 2012-03-14 09:02–09:11（officer_a）录入 {BURST_CARDS} 张卡片" in burst.evidence_text
    assert "其检查日期跨越 2011-10-05 至 2012-04-20（7 个月）" in burst.evidence_text
    assert results.get(check_id="DQ-F01", unit=county.town_b).status == "passed"
    assert results.get(check_id="DQ-P09", unit=county.town_a).status == "fired"
    assert results.get(check_id="DQ-P04", unit=county.town_a).status == "fired"
    assert results.get(check_id="DQ-F02", unit=county.town_a).status == "undecided"

    suspects = list(SuspectRecord.objects.filter(run=run))
    assert suspects and all(s.unit_id == county.town_a.pk for s in suspects)
    top = suspects[0]
    # the burst card: entered in one sitting with the others (F01), its visits typed in one go (P15), ahead (P04)
    assert top.record_no == "A000" and set(top.check_ids) == {"DQ-F01", "DQ-P04", "DQ-P08", "DQ-P15"}
    assert top.risk_weight >= 3 + 3 + 3 + 1 and top.risk_weight > suspects[-1].risk_weight

    scores = {s.unit_id: s for s in UnitQualityScore.objects.filter(run=run)}
    assert scores[county.town_a.pk].score < scores[county.town_b.pk].score
    # the burst lists the cards written ≥ 60 days after their visit (the unit usually enters on the day), not the
    # recent ones typed in the same sitting; plus A900 (delivery without antenatal visits)
    late = sum(1 for i in range(BURST_CARDS) if (date(2012, 3, 14) - date(2011, 10, 5) - timedelta(days=5 * i)).days >= 60)
    assert 0 < late < BURST_CARDS
    assert scores[county.town_a.pk].grade == "差" and scores[county.town_a.pk].suspect_records == late + 1
    audit = AuditEntry.objects.get(action="quality.scan")
    assert audit.object_id == str(run.pk) and audit.actor == county.inspector


def test_scan_of_one_township_by_its_subtree(county: Any) -> None:
    run = run_quality_scan(actor=county.admin, period=Q1, root=county.town_b)
    assert set(CheckResult.objects.filter(run=run).values_list("unit_id", flat=True)) == {county.town_b.pk}
    assert not SuspectRecord.objects.filter(run=run).exists()


@pytest.mark.parametrize("who", ["leader", "officer_a"])
def test_only_inspectors_and_admins_may_scan(county: Any, who: str) -> None:
    with pytest.raises(PermissionDenied, match="只有督查员和系统管理员可以运行质量检查"):
        run_quality_scan(actor=county.users[who], period=Q1, root=county.town_a)
    assert not QualityRun.objects.exists() and not AuditEntry.objects.filter(action="quality.scan").exists()


def test_empty_county_scan_never_crashes(mini_county: Any) -> None:
    run = run_quality_scan(actor=mini_county.inspector, period=Q1, root=mini_county.county)
    statuses = set(CheckResult.objects.filter(run=run).values_list("status", flat=True))
    assert statuses <= {"undecided", "fired", "passed"}
    assert not CheckResult.objects.filter(run=run, evidence_text__contains="检查出错").exists()
    assert not SuspectRecord.objects.filter(run=run).exists()
