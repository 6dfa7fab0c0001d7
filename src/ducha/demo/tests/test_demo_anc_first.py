"""The demo's monthly reports carry 首次产前检查人数 (ANC_FIRST), so the quality check DQ-R08 runs on them."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.db.models import Sum

from ducha.core.periods import quarter
from ducha.demo import county as C
from ducha.demo.build import build_demo
from ducha.orgs.models import OrgUnit
from ducha.reporting.models import DataValue, Submission

Q1 = quarter(2012, 1)


@pytest.fixture
def demo(db: Any) -> Any:
    build_demo()
    return get_user_model().objects.get(username="duchayuan")


def _quarter_sums(code: str) -> dict[str, int]:
    rows = DataValue.objects.filter(data_element__code=code, period__in=Q1.month_codes())
    return dict(rows.values("org_unit__code").annotate(total=Sum("value")).values_list("org_unit__code", "total"))


def test_every_township_report_has_a_first_antenatal_count_within_its_registrations(demo: Any) -> None:
    reported = Submission.objects.filter(data_set__code="MCH_MONTHLY").count()
    assert DataValue.objects.filter(data_element__code="ANC_FIRST").count() == reported
    first, registered = _quarter_sums("ANC_FIRST"), _quarter_sums("PREG_REGISTERED")
    assert set(first) == {t.code for t in C.TOWNSHIPS}
    for code, total in first.items():
        assert 0.93 * registered[code] - 1 <= total <= registered[code], code
    monthly = {code: {(u, p): v for u, p, v in DataValue.objects.filter(data_element__code=code)
                      .values_list("org_unit__code", "period", "value")} for code in ("ANC_FIRST", "PREG_REGISTERED")}
    unplanted = {key for key in monthly["ANC_FIRST"] if key[0] != f"{C.COUNTY_CODE}004"}  # VR02 moves its cards
    assert all(monthly["ANC_FIRST"][key] <= monthly["PREG_REGISTERED"][key] for key in unplanted)


def test_dq_r08_runs_on_the_demo(demo: Any) -> None:
    from ducha.quality.actions import run_quality_scan
    from ducha.quality.models import CheckResult

    run = run_quality_scan(actor=demo, period=Q1, root=OrgUnit.objects.get(code=C.COUNTY_CODE))
    results = {r.unit.short_name: r for r in CheckResult.objects.filter(run=run, check_id="DQ-R08")
               .select_related("unit")}
    small = {t.short for t in C.TOWNSHIPS if t.registered < 30}  # below the check's smallest sample
    judged = {t.short for t in C.TOWNSHIPS} - small
    assert small and len(judged) >= 12
    assert {short for short, r in results.items() if r.status == "passed"} == judged
    assert {results[short].status for short in small} == {"undecided"}
    assert results["西簧"].evidence_text == "相关数据项相差均在 ±10% 之内"
