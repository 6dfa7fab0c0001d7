"""The quality page's kept results (register indicators, SMART reports) follow register writes at once.

Records and exams are added through the register forms, as an officer would; the inspector's next load of
the quality page and of the API shows them. A kept SMART report equals a freshly computed one.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from ducha.conftest import MiniCounty
from ducha.core.periods import parse_period
from ducha.quality import selectors
from ducha.registers.models import ChildExam, ChildRecord, PregnancyRecord

pytestmark = [pytest.mark.django_db, pytest.mark.urls("ducha.registers.tests.urls")]
Q1 = parse_period("2012Q1")
PAGE = "/quality/?unit=T00&period=2012Q1"


@pytest.fixture
def registers(mini_county: MiniCounty) -> MiniCounty:
    for n in range(3):
        PregnancyRecord.objects.create(org_unit=mini_county.town_a, record_no=f"A{n}", registered_on=date(2012, 1, 10),
                                       weeks_at_registration=10)
    kid = ChildRecord.objects.create(org_unit=mini_county.town_a, record_no="C1", sex=1, birth_date=date(2011, 1, 1))
    for n in range(5):
        ChildExam.objects.create(child=kid, exam_on=date(2012, 1, 5) + timedelta(days=n), weight_kg=9 + n / 10,
                                 length_cm=75)
    return mini_county


def login(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def register_count(client: Client, unit: str = "T01") -> int:
    """建册人数（个案登记）of ``unit`` on the quality page (its register-vs-report rows)."""
    response = client.get(PAGE)
    assert response.status_code == 200
    return next(r.register_numerator for r in response.context["vf_rows"]
                if r.unit_code == unit and r.indicator_code == "REGISTER_PREG_COUNT")


def api_count(client: Client) -> float:
    response = client.get("/api/indicator-values?period=2012Q1&codes=REGISTER_PREG_COUNT")
    assert response.status_code == 200
    return next(r["numerator"] for r in json.loads(response.content)["rows"] if r["unit_code"] == "T01")


def smart_exams(client: Client, unit_label: str) -> int:
    response = client.get(PAGE)
    return next(row.report.n for row in response.context["smart"].units if row.name == unit_label)


def test_record_added_through_the_form_shows_on_the_next_load(registers: MiniCounty) -> None:
    inspector = login(registers.inspector)
    assert register_count(inspector) == 3 and api_count(inspector) == 3
    officer = login(registers.officer_a)
    response = officer.post(reverse("registers:pregnancy_new"), {
        "unit": "T01", "record_no": "N1", "registered_on": "2012-02-20", "weeks_at_registration": "9"})
    assert response.status_code == 302, response.content.decode()[:500]
    assert register_count(inspector) == 4 and api_count(inspector) == 4


def test_exam_added_through_the_form_shows_in_the_smart_report(registers: MiniCounty) -> None:
    inspector = login(registers.inspector)
    label = registers.town_a.label
    assert smart_exams(inspector, label) == 5
    kid = ChildRecord.objects.get(record_no="C1")
    response = login(registers.officer_a).post(reverse("registers:exam_new", args=[kid.pk]), {
        "exam_on": "2012-03-01", "weight_kg": "9.9", "length_cm": "76", "measured_lying": "1"})
    assert response.status_code == 302, response.content.decode()[:500]
    assert smart_exams(inspector, label) == 6


def test_kept_smart_report_equals_a_fresh_one(registers: MiniCounty, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []
    compute = selectors._smart_reports
    monkeypatch.setattr(selectors, "_smart_reports", lambda *a: calls.append(1) or compute(*a))
    first = selectors.smart_reports(registers.inspector, period=Q1, root=registers.county)
    again = selectors.smart_reports(registers.inspector, period=Q1, root=registers.county)
    units = list(selectors._units(registers.inspector, registers.county))
    fresh = compute(units, Q1, 30)
    assert calls == [1]
    assert [(r.name, r.report) for r in again.units] == [(r.name, r.report) for r in fresh.units] \
        == [(r.name, r.report) for r in first.units]
    assert (again.operators, again.batches, again.small_groups) == (fresh.operators, fresh.batches,
                                                                    fresh.small_groups)
    officer = selectors.smart_reports(registers.officer_b, period=Q1, root=registers.town_b)
    assert officer.units == []  # town_b has no exams: its own key, not the county's report
