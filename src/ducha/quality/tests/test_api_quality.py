"""Issue 7 §4: the REST API reads quality runs, their unit scores, check results and suspect records.

Scoped as the quality pages are: a township officer sees the county's run, counted over the township
only; a run that does not cover the unit asked for is 404; suspect records are ranked as on the suspect
list, paged, filtered by unit and check.
"""

from __future__ import annotations

from typing import Any

import pytest

from ducha.conftest import client_of
from ducha.core.periods import parse_period
from ducha.quality.actions import run_quality_scan
from ducha.quality.models import CheckResult, QualityRun, SuspectRecord
from ducha.quality.selectors_suspects import suspects_in
from ducha.quality.tests.test_suspect_pages import scanned

__all__ = ["scanned"]  # the fixture: 甲镇's cards written in one sitting, an impossible weight in 乙乡


def test_runs_are_listed_for_the_unit_with_figures_over_the_callers_units(scanned: Any) -> None:
    county = client_of(scanned.inspector).get("/api/quality-runs").json()
    [run] = county["results"]
    assert (run["id"], run["root"], run["scope"], run["period"], run["period_label"]) == (
        scanned.run.pk, "T00", "T00", "2012Q1", "2012年第一季度")
    assert run["suspects"] == SuspectRecord.objects.filter(run=scanned.run).count() > 0
    officer = client_of(scanned.officer_b).get("/api/quality-runs").json()["results"][0]
    assert officer["scope"] == "T02"
    assert officer["suspects"] == SuspectRecord.objects.filter(run=scanned.run, unit=scanned.town_b).count()
    assert officer["runner"] == "县级检查"  # the county root is not the officer's to see
    assert client_of(scanned.inspector).get("/api/quality-runs", {"period": "2012Q2"}).json()["count"] == 0
    assert client_of(scanned.outsider).get("/api/quality-runs").json()["count"] == 0


def test_a_run_outside_the_callers_units_or_not_covering_the_unit_is_404(scanned: Any) -> None:
    town_run = run_quality_scan(actor=scanned.inspector, period=parse_period("2012Q1"), root=scanned.town_a)
    officer_b = client_of(scanned.officer_b)
    assert officer_b.get(f"/api/quality-runs/{town_run.pk}").status_code == 404
    assert officer_b.get(f"/api/quality-runs/{scanned.run.pk}", {"unit": "T01"}).status_code == 404
    for path in ("", "/results", "/suspects"):
        response = officer_b.get(f"/api/quality-runs/{town_run.pk}{path}")
        assert response.status_code == 404 and "质量检查不存在" in response.json()["detail"]
    assert client_of(scanned.outsider).get(f"/api/quality-runs/{scanned.run.pk}").status_code == 404


def test_a_run_with_its_unit_scores(scanned: Any) -> None:
    body = client_of(scanned.officer_a).get(f"/api/quality-runs/{scanned.run.pk}").json()
    assert [s["unit"] for s in body["scores"]] == ["T01"]
    county = client_of(scanned.inspector).get(f"/api/quality-runs/{scanned.run.pk}").json()
    assert {"T01", "T02"} <= {s["unit"] for s in county["scores"]}
    scores = [s["score"] for s in county["scores"] if s["score"] is not None]
    assert scores == sorted(scores)  # the lowest first, as on the page


def test_results_with_evidence_filtered_by_check_unit_and_status(scanned: Any) -> None:
    client = client_of(scanned.inspector)
    url = f"/api/quality-runs/{scanned.run.pk}/results"
    everything = client.get(url, {"page_size": 200}).json()
    assert everything["count"] == CheckResult.objects.filter(run=scanned.run).count()
    fired = client.get(url, {"check": "DQ-F01", "status": "fired", "unit": "T01"}).json()["results"]
    assert fired and {(r["check_id"], r["unit"], r["status_label"]) for r in fired} == {("DQ-F01", "T01", "可疑")}
    assert "录入 30 张卡片" in fired[0]["evidence_text"] and "方法说明" not in fired[0]["evidence_text"]
    assert fired[0]["check_title"] == "集中录入（一次写成）"
    officer = client_of(scanned.officer_b).get(url, {"page_size": 200}).json()["results"]
    assert {r["unit"] for r in officer} <= {"T02"}


def test_suspects_are_ranked_as_the_page_paged_and_filtered(scanned: Any) -> None:
    client = client_of(scanned.inspector)
    url = f"/api/quality-runs/{scanned.run.pk}/suspects"
    expected = [s.record_id for s in suspects_in(scanned.inspector, scanned.run, scanned.county)]
    first = client.get(url, {"page_size": 2}).json()
    second = client.get(url, {"page_size": 2, "page": 2}).json()
    assert first["count"] == len(expected) >= 3
    assert [r["record_id"] for r in first["results"] + second["results"]] == expected[:4]
    assert [r["rank"] for r in second["results"]] == [3, 4][:len(second["results"])]
    weights = [r["risk_weight"] for r in first["results"] + second["results"]]
    assert weights == sorted(weights, reverse=True)
    child = client.get(url, {"check": "DQ-C07"}).json()["results"]
    assert [(r["record_no"], r["unit"]) for r in child] == [("C001", "T02")]
    assert "DQ-C07" in [reason["check_id"] for reason in child[0]["reasons"]] and child[0]["reasons"][0]["text"]
    assert child[0]["page_url"] == f"/quality/suspects/child/{scanned.child.pk}/?run={scanned.run.pk}"
    town = client.get(url, {"unit": "T02", "page_size": 200}).json()["results"]
    assert town and {r["unit"] for r in town} == {"T02"}
    officer = client_of(scanned.officer_a).get(url, {"page_size": 200}).json()["results"]
    assert officer and {r["unit"] for r in officer} == {"T01"}


@pytest.mark.parametrize(("params", "message"), [
    ({"check": "DQ-Z99"}, "检查编号“DQ-Z99”无效"),
    ({"check": "DQ-R01"}, "检查编号“DQ-R01”无效"),  # a unit-level check cannot flag a single record
    ({"page": 0}, "应为不小于 1 的整数"),
    ({"page_size": 500}, "数值过大（不应超过 200）"),
])
def test_bad_suspect_filters_are_a_chinese_422(scanned: Any, params: dict[str, Any], message: str) -> None:
    response = client_of(scanned.inspector).get(f"/api/quality-runs/{scanned.run.pk}/suspects", params)
    assert response.status_code == 422 and message in response.json()["detail"]


def test_no_run_is_a_404(scanned: Any) -> None:
    missing = QualityRun.objects.order_by("-pk").first().pk + 100  # type: ignore[union-attr]
    response = client_of(scanned.inspector).get(f"/api/quality-runs/{missing}/suspects")
    assert response.status_code == 404
