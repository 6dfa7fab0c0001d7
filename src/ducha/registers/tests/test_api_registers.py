"""Issue 7 §4: the REST API reads the registers (scoped, paged, filtered) and writes them like the forms.

Reads: a record outside the caller's units is 404 as on the pages; lists page and filter by unit, period
or dates and record number; the ID number is shown only as its last four digits. Writes go through the
page's forms and actions: the same Chinese errors naming the field (422, nothing written), ``based_on``
with a 409 naming both values when someone else changed the field, 403 for a role that only reads.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from ducha.audit.models import AuditEntry
from ducha.conftest import client_of
from ducha.registers.actions import update_record
from ducha.registers.models import AntenatalVisit, ChildExam, ChildRecord, PostpartumVisit, PregnancyRecord

pytestmark = pytest.mark.django_db
ID = "110101199003071234"  # check character not verified here: the form's own rule decides


@pytest.fixture
def records(mini_county: Any) -> Any:
    """Three pregnancy records in 甲镇 (two in 2012Q1), one in 乙乡; a child in 甲镇 with two exams."""
    mc = mini_county
    make = PregnancyRecord.objects.create
    mc.p1 = make(org_unit=mc.town_a, record_no="A001", name="甲一", registered_on=date(2012, 1, 5),
                 id_hash="x" * 64, id_last4="1234", phone="13800000001", created_by=mc.officer_a)
    mc.p2 = make(org_unit=mc.town_a, record_no="A002", name="甲二", registered_on=date(2012, 3, 20))
    mc.p3 = make(org_unit=mc.town_a, record_no="A003", name="甲三", registered_on=date(2012, 5, 1))
    mc.p4 = make(org_unit=mc.town_b, record_no="B001", name="乙一", registered_on=date(2012, 2, 1))
    AntenatalVisit.objects.create(record=mc.p1, visit_on=date(2012, 1, 20), weeks=Decimal("12.5"), sbp=110)
    PostpartumVisit.objects.create(record=mc.p1, visit_on=date(2012, 9, 1), findings="正常")
    mc.c1 = ChildRecord.objects.create(org_unit=mc.town_a, record_no="E001", name="甲童", sex=1,
                                       birth_date=date(2011, 12, 1), mother=mc.p1)
    ChildExam.objects.create(child=mc.c1, exam_on=date(2012, 1, 2), weight_kg=Decimal("4.5"))
    mc.exam = ChildExam.objects.create(child=mc.c1, exam_on=date(2012, 3, 1), weight_kg=Decimal("6.0"),
                                       measured_lying=True)
    return mc


def written() -> tuple[int, ...]:
    return (PregnancyRecord.objects.count(), ChildRecord.objects.count(), AntenatalVisit.objects.count(),
            PostpartumVisit.objects.count(), ChildExam.objects.count(), AuditEntry.objects.count())


# ---- reads ------------------------------------------------------------------------------------------

def test_list_is_scoped_to_the_callers_units(records: Any) -> None:
    officer = client_of(records.officer_a).get("/api/pregnancy-records").json()
    assert {r["record_no"] for r in officer["results"]} == {"A001", "A002", "A003"} and officer["count"] == 3
    county = client_of(records.inspector).get("/api/pregnancy-records").json()
    assert county["count"] == 4
    assert client_of(records.outsider).get("/api/pregnancy-records").json()["count"] == 0


def test_a_unit_outside_the_scope_is_404(records: Any) -> None:
    response = client_of(records.officer_a).get("/api/pregnancy-records", {"unit": "T02"})
    assert response.status_code == 404 and "T02" in response.json()["detail"]


@pytest.mark.parametrize(("path", "kind"), [("/api/pregnancy-records/{}", "p4"),
                                            ("/api/pregnancy-records/{}/antenatal-visits", "p4")])
def test_another_towns_record_is_404(records: Any, path: str, kind: str) -> None:
    response = client_of(records.officer_a).get(path.format(getattr(records, kind).pk))
    assert response.status_code == 404 and response.json()["detail"] == "孕产妇保健手册不存在或无权查看"


def test_pages_and_filters(records: Any) -> None:
    client = client_of(records.inspector)
    first = client.get("/api/pregnancy-records", {"page_size": 3}).json()
    second = client.get("/api/pregnancy-records", {"page_size": 3, "page": 2}).json()
    assert (first["count"], first["pages"], len(first["results"]), len(second["results"])) == (4, 2, 3, 1)
    assert not {r["id"] for r in first["results"]} & {r["id"] for r in second["results"]}
    assert client.get("/api/pregnancy-records", {"page": 9}).json()["results"] == []
    quarter = client.get("/api/pregnancy-records", {"unit": "T01", "period": "2012Q1"}).json()
    assert [r["record_no"] for r in quarter["results"]] == ["A002", "A001"]  # newest registration first
    dates = client.get("/api/pregnancy-records", {"date_from": "2012-02-01", "date_to": "2012-05-01"}).json()
    assert {r["record_no"] for r in dates["results"]} == {"A002", "A003", "B001"}
    one = client.get("/api/pregnancy-records", {"record_no": "A003"}).json()
    assert [r["record_no"] for r in one["results"]] == ["A003"]
    born = client.get("/api/child-records", {"period": "2011"}).json()
    assert [r["record_no"] for r in born["results"]] == ["E001"] and born["results"][0]["exam_count"] == 2
    assert client.get("/api/child-records", {"period": "2012"}).json()["count"] == 0


def test_a_record_shows_what_its_page_shows_and_never_the_id_hash(records: Any) -> None:
    response = client_of(records.leader).get(f"/api/pregnancy-records/{records.p1.pk}")
    assert response.status_code == 200
    body = response.json()
    assert body["id_last4"] == "1234" and body["phone"] == "13800000001" and "id_hash" not in body
    assert "x" * 64 not in response.content.decode() and "national_id" not in body
    assert body["unit"] == "T01" and body["created_by"] == records.officer_a.username and body["batch"] == ""
    assert [v["weeks"] for v in body["antenatal_visits"]] == [12.5] and body["antenatal_visit_count"] == 1
    assert [v["findings"] for v in body["postpartum_visits"]] == ["正常"]
    assert body["children"] == [records.c1.pk] and body["version"] == 0


def test_a_child_record_with_its_exams(records: Any) -> None:
    body = client_of(records.officer_a).get(f"/api/child-records/{records.c1.pk}").json()
    assert (body["mother_no"], body["mother_id"], body["sex"]) == ("A001", records.p1.pk, 1)
    assert [(e["exam_on"], e["weight_kg"], e["measured_lying"]) for e in body["exams"]] == [
        ("2012-01-02", 4.5, None), ("2012-03-01", 6.0, True)]
    exams = client_of(records.officer_a).get(f"/api/child-records/{records.c1.pk}/exams").json()
    assert [e["id"] for e in exams] == [e["id"] for e in body["exams"]]


# ---- writes -----------------------------------------------------------------------------------------

def test_create_a_record_like_the_form(records: Any) -> None:
    response = client_of(records.officer_a).post("/api/pregnancy-records", {
        "unit": "T01", "record_no": "A009", "name": "新人", "registered_on": "2012-02-01", "lmp": "2011-12-01",
        "weeks_at_registration": 9.1, "risk_grade": "yellow", "referred": True}, content_type="application/json")
    assert response.status_code == 200, response.content.decode()
    body = response.json()
    record = PregnancyRecord.objects.get(record_no="A009")
    assert (record.org_unit, record.weeks_at_registration, record.risk_grade, record.referred) == (
        records.town_a, Decimal("9.1"), "yellow", True)
    assert body["id"] == record.pk and body["created_by"] == records.officer_a.username and body["version"] == 0
    audit = AuditEntry.objects.get(action="registers.create_record")
    assert audit.actor == records.officer_a


def test_create_a_child_with_its_mother_and_an_exam(records: Any) -> None:
    client = client_of(records.officer_a)
    response = client.post("/api/child-records", {"unit": "T01", "record_no": "E009", "sex": 2,
                                                  "birth_date": "2012-02-02", "mother_no": "A001"},
                           content_type="application/json")
    assert response.status_code == 200, response.content.decode()
    child = ChildRecord.objects.get(record_no="E009")
    assert child.mother == records.p1 and response.json()["mother_no"] == "A001"
    exam = client.post(f"/api/child-records/{child.pk}/exams", {"exam_on": "2012-03-02", "weight_kg": 4.2,
                                                                "measured_lying": False},
                       content_type="application/json")
    assert exam.status_code == 200, exam.content.decode()
    assert child.exams.get().measured_lying is False and exam.json()["measured_lying"] is False


BAD_ENTRIES = [
    ("a future date", {"registered_on": "2999-01-01"}, "建册日期 [registered_on]：建册日期晚于今天"),
    ("a taken record number", {"record_no": "A001"}, "手册编号 [record_no]：甲镇卫生院已有编号为“A001”的手册"),
    ("a bad ID number", {"national_id": "12345"}, "身份证号 [national_id]："),
    ("two decimal places", {"weeks_at_registration": 9.25}, "建册孕周 [weeks_at_registration]："),
]


@pytest.mark.parametrize(("case", "fields", "message"), BAD_ENTRIES, ids=[c[0] for c in BAD_ENTRIES])
def test_a_bad_entry_is_the_forms_chinese_error_and_writes_nothing(records: Any, case: str,
                                                                    fields: dict[str, Any], message: str) -> None:
    before = written()
    response = client_of(records.officer_a).post("/api/pregnancy-records", {
        "unit": "T01", "record_no": "A010", **fields}, content_type="application/json")
    assert response.status_code == 422, response.content.decode()
    body = response.json()
    assert message in body["detail"] and any(message in p for p in body["problems"])
    assert set(body["fields"]) == {message.split("[")[1].split("]")[0]}
    assert written() == before


def test_a_bad_exam_names_the_field_and_writes_nothing(records: Any) -> None:
    before = written()
    response = client_of(records.officer_a).post(f"/api/child-records/{records.c1.pk}/exams",
                                                 {"exam_on": "2011-11-01", "weight_kg": 0},
                                                 content_type="application/json")
    assert response.status_code == 422, response.content.decode()
    detail = response.json()["detail"]
    assert "体重（kg） [weight_kg]：体重必须大于 0" in detail and "体检日期 [exam_on]：体检日期早于出生日期" in detail
    assert written() == before


def test_an_unknown_field_or_a_wrong_type_is_a_chinese_422(records: Any) -> None:
    client, before = client_of(records.officer_a), written()
    unknown = client.post("/api/pregnancy-records", {"unit": "T01", "record_no": "A1", "id_hash": "x"},
                          content_type="application/json")
    assert unknown.status_code == 422 and "id_hash：不认识的字段" in unknown.json()["detail"]
    wrong = client.post("/api/child-records", {"unit": "T01", "record_no": "E1", "sex": 3},
                        content_type="application/json")
    assert wrong.status_code == 422 and "sex：取值应为" in wrong.json()["detail"]
    assert written() == before


def test_writes_out_of_scope_or_by_a_reader_are_refused(records: Any) -> None:
    before = written()
    other = client_of(records.officer_a).post("/api/pregnancy-records", {"unit": "T02", "record_no": "X"},
                                              content_type="application/json")
    assert other.status_code == 404
    patch = client_of(records.officer_a).patch(f"/api/pregnancy-records/{records.p4.pk}",
                                               {"based_on": 0, "name": "改"}, content_type="application/json")
    assert patch.status_code == 404
    leader = client_of(records.leader).post("/api/pregnancy-records", {"unit": "T01", "record_no": "X"},
                                            content_type="application/json")
    assert leader.status_code == 403 and leader.json()["detail"] == "您的角色只能查看登记数据，不能录入"
    leader_patch = client_of(records.leader).patch(f"/api/pregnancy-records/{records.p1.pk}",
                                                   {"based_on": 0, "name": "改"}, content_type="application/json")
    assert leader_patch.status_code == 403
    village = client_of(records.officer_a).post("/api/pregnancy-records", {"unit": "T0101", "record_no": "X"},
                                                content_type="application/json")
    assert village.status_code == 422 and "村卫生室" in village.json()["detail"]
    assert written() == before


def test_correct_with_based_on_writes_only_the_sent_fields(records: Any) -> None:
    response = client_of(records.officer_a).patch(f"/api/pregnancy-records/{records.p1.pk}",
                                                  {"based_on": 0, "village": "甲村", "name": "甲一"},
                                                  content_type="application/json")
    assert response.status_code == 200, response.content.decode()
    records.p1.refresh_from_db()
    assert (records.p1.village, records.p1.version, response.json()["version"]) == ("甲村", 1, 1)
    assert records.p1.id_last4 == "1234"  # not sent: kept
    audit = AuditEntry.objects.get(action="registers.update_record")
    assert audit.before == {"village": ""} and audit.after == {"village": "甲村"}


def test_a_stale_based_on_is_409_with_both_values_and_writes_nothing(records: Any) -> None:
    update_record(actor=records.inspector, record=records.p1, values={"phone": "13900000000"})
    before = written()
    response = client_of(records.officer_a).patch(f"/api/pregnancy-records/{records.p1.pk}",
                                                  {"based_on": 0, "phone": "13700000000"},
                                                  content_type="application/json")
    assert response.status_code == 409, response.content.decode()
    body = response.json()
    assert (body["based_on"], body["current_version"]) == (0, 1)
    [conflict] = body["conflicts"]
    assert (conflict["field"], conflict["current"], conflict["wanted"]) == ("phone", "13900000000", "13700000000")
    assert "现为 13900000000" in body["detail"] and "您要保存的是 13700000000" in body["detail"]
    records.p1.refresh_from_db()
    assert records.p1.phone == "13900000000" and written() == before


def test_correct_an_exam_with_based_on_and_conflict(records: Any) -> None:
    client, url = client_of(records.officer_a), f"/api/child-records/{records.c1.pk}/exams/{records.exam.pk}"
    saved = client.patch(url, {"based_on": 0, "head_cm": 40.5, "measured_lying": None},
                         content_type="application/json")
    assert saved.status_code == 200, saved.content.decode()
    records.exam.refresh_from_db()
    assert (records.exam.head_cm, records.exam.measured_lying, records.exam.version) == (Decimal("40.5"), None, 1)
    stale = client.patch(url, {"based_on": 0, "head_cm": 41}, content_type="application/json")
    assert stale.status_code == 409 and stale.json()["conflicts"][0]["current"] == 40.5
    records.exam.refresh_from_db()
    assert records.exam.head_cm == Decimal("40.5")


def test_an_exam_of_another_record_is_404(records: Any) -> None:
    other = ChildRecord.objects.create(org_unit=records.town_a, record_no="E002", sex=2, birth_date=date(2012, 1, 1))
    response = client_of(records.officer_a).patch(f"/api/child-records/{other.pk}/exams/{records.exam.pk}",
                                                  {"based_on": 0, "hb": 100}, content_type="application/json")
    assert response.status_code == 404 and response.json()["detail"] == "儿童体检不存在或无权查看"
