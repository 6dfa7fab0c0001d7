"""Bad-input sweep of the REST API's writes: registers, a unit's data sets, approvals, quality runs and jobs.

Every case sends something malformed or not allowed — a wrong type, an unknown code, a unit outside the
caller's scope, a stale ``based_on``/``version``, an oversized body — through a bearer token, as a script
would, and checks three things: the status code, a Chinese ``detail`` that names the field (or the unit,
record or job) at fault, and that nothing was written (rows of every table a write could touch, the
versions of the records, and the audit log are the same before and after).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from ducha.audit.models import AuditEntry
from ducha.conftest import MiniCounty
from ducha.core.models import Job
from ducha.core.periods import month
from ducha.orgs.actions import issue_api_token
from ducha.quality.models import QualityRun
from ducha.registers.actions import update_record
from ducha.registers.models import AntenatalVisit, ChildExam, ChildRecord, PostpartumVisit, PregnancyRecord
from ducha.reporting.actions import save_report
from ducha.reporting.approval import approve_period
from ducha.reporting.models import DataApproval, DataSet, DataValue, Submission

CJK = re.compile(r"[\u4e00-\u9fff]")
VERSIONED = (PregnancyRecord, ChildRecord, AntenatalVisit, PostpartumVisit, ChildExam, DataApproval)


@dataclass
class World:
    mc: MiniCounty
    ids: dict[str, int]
    tokens: dict[str, str]

    def client(self, who: str) -> Client:
        return Client(headers={"Authorization": f"Bearer {self.tokens[who]}"})


@pytest.fixture
def world(mini_county: MiniCounty) -> World:
    """甲镇 (T01) reported Jan and Feb 2012, Jan approved; records in 甲镇 and 乙乡; a job in 乙乡."""
    mc = mini_county
    for m in (1, 2):
        save_report(actor=mc.officer_a, data_set=mc.data_set, unit_code="T01", period=month(2012, m),
                    values={"PREG_TOTAL": 10})
    approve_period(actor=mc.inspector, data_set=mc.data_set, unit_code="T01", period=month(2012, 1))
    p = PregnancyRecord.objects.create(org_unit=mc.town_a, record_no="A001", name="甲一",
                                       registered_on=date(2012, 1, 5), phone="13800000001")
    update_record(actor=mc.inspector, record=p, values={"phone": "13900000000"})  # now version 1
    p_b = PregnancyRecord.objects.create(org_unit=mc.town_b, record_no="B001", name="乙一",
                                         registered_on=date(2012, 2, 1))
    visit = AntenatalVisit.objects.create(record=p, visit_on=date(2012, 1, 20), sbp=110)
    child = ChildRecord.objects.create(org_unit=mc.town_a, record_no="E001", name="甲童", sex=1,
                                       birth_date=date(2011, 12, 1))
    exam = ChildExam.objects.create(child=child, exam_on=date(2012, 1, 2))
    stale = timezone.now() - timedelta(hours=2)
    job = Job.objects.create(kind="quality.scan", dedupe_key="quality.scan:T02:2012Q1",
                             args={"unit": "T02", "period": "2012Q1"}, title="数据质量检查：乙乡卫生院 2012年第一季度",
                             scope_path=mc.town_b.path, started_by=mc.officer_b, state="running",
                             started_at=stale, heartbeat_at=stale, worker_host="elsewhere", worker_pid=1)
    tokens = {who: issue_api_token(actor=None, user=user, name="扫描") for who, user in mc.users.items()}
    ids = {"p": p.pk, "p_b": p_b.pk, "visit": visit.pk, "child": child.pk, "exam": exam.pk, "job": job.pk}
    return World(mc, ids, tokens)


def snapshot() -> dict[str, Any]:
    """Everything a write could change: row counts, record versions, job states, the unit ↔ data set links."""
    counts = {m.__name__: m.objects.count() for m in (DataValue, Submission, QualityRun, Job, AuditEntry, *VERSIONED)}
    versions = {m.__name__: sorted(m.objects.values_list("pk", "version")) for m in VERSIONED}
    links = sorted(DataSet.org_units.through.objects.values_list("dataset_id", "orgunit_id"))
    values = sorted(DataValue.objects.values_list("org_unit_id", "period", "data_element_id", "value"))
    jobs = sorted(Job.objects.values_list("pk", "state", "error"))
    return {"counts": counts, "versions": versions, "links": links, "values": values, "jobs": jobs}


def send(client: Client, method: str, path: str, body: Any) -> Any:
    if method == "get":
        return client.get(path)
    data = body if isinstance(body, (str, bytes)) else json.dumps(body)
    return getattr(client, method)(path, data, content_type="application/json")


def expect_refusal(response: Any, status: int, *fragments: str) -> dict[str, Any]:
    text = response.content.decode()
    assert response.status_code == status, text
    assert response["Content-Type"].startswith("application/json"), text
    answer = response.json()
    assert CJK.search(answer["detail"]), answer
    for fragment in fragments:
        assert fragment in answer["detail"], (fragment, answer["detail"])
    if status == 422:
        assert answer["problems"] and all(CJK.search(p) for p in answer["problems"]), answer
    return answer


@dataclass(frozen=True)
class Case:
    name: str
    who: str
    method: str
    path: str  # {p}, {p_b}, {visit}, {child}, {exam}, {job}: ids from the world
    body: Any
    status: int
    fragments: tuple[str, ...]


def cases(who: str, method: str, path: str, *rows: tuple[Any, ...]) -> list[Case]:
    """The cases one caller sends with one method to one path: a row is ``(name, body, status, *fragments)``."""
    return [Case(name, who, method, path, body, status, tuple(fragments)) for name, body, status, *fragments in rows]


DS = "/api/org-units/T01/data-sets"
OK_DS = {"data_sets": ["MCH_MONTHLY"], "based_on": 0}
FEB = {"data_set": "MCH_MONTHLY", "unit": "T01", "period": "201202"}
JAN = {**FEB, "period": "201201"}
UNAPPROVE = {**JAN, "reason": "孕妇总数有误", "version": 0}  # version: the real one is set per case
P = "/api/pregnancy-records"
NEW_P = {"unit": "T01", "record_no": "A100", "name": "甲百", "registered_on": "2012-02-01"}

DATA_SET_CASES = [
    *cases("inspector", "put", DS,
           ("list as a string", {**OK_DS, "data_sets": "MCH_MONTHLY"}, 422, "data_sets：应为列表（JSON 数组）"),
           ("a code that is a number", {**OK_DS, "data_sets": [1]}, 422, "data_sets.0：应为字符串"),
           ("an unknown code", {**OK_DS, "data_sets": ["NOPE"]}, 422, "data_sets：没有这个报表：NOPE"),
           ("a code with a space", {**OK_DS, "data_sets": ["MCH MONTHLY"]}, 422, "报表编码“MCH MONTHLY”无效"),
           ("a code of 100,000 characters", {**OK_DS, "data_sets": ["A" * 100_000]}, 422,
            "报表编码“AAAAAAAAAA", "…”无效"),
           ("51 codes", {**OK_DS, "data_sets": ["MCH_MONTHLY"] * 51}, 422, "data_sets：最多 50 项（收到 51 项）"),
           ("based_on as text", {**OK_DS, "based_on": "0"}, 422, "based_on：应为整数"),
           ("based_on negative", {**OK_DS, "based_on": -1}, 422, "based_on：“-1”应为不小于 0 的整数"),
           ("based_on missing", {"data_sets": []}, 422, "based_on：缺少必填项"),
           ("a stale based_on", {**OK_DS, "based_on": 7}, 409, "单位“甲镇卫生院”报送的报表已被他人修改（现为 MCH_MONTHLY）"),
           ("an unknown field", {**OK_DS, "units": ["T02"]}, 422, "units：不认识的字段"),
           ("a JSON array body", [OK_DS], 422, "应为 JSON 对象"),
           ("not JSON", "data_sets=MCH_MONTHLY", 400, "请求体不是有效的 JSON")),
    Case("an unknown unit", "inspector", "put", "/api/org-units/ZZ9/data-sets", OK_DS, 404, ("单位 ZZ9 不存在或无权查看",)),
    Case("a bad unit code", "inspector", "put", "/api/org-units/T0%201/data-sets", OK_DS, 422, ("单位编码“T0 1”无效",)),
    Case("another county's unit", "inspector", "put", "/api/org-units/X00/data-sets", OK_DS, 404,
         ("单位 X00 不存在或无权查看",)),
    Case("out of the caller's scope", "outsider", "put", DS, OK_DS, 404, ("单位 T01 不存在或无权查看",)),
    Case("a township officer sets data sets", "officer_a", "put", DS, OK_DS, 403, ("只有县级督查员和系统管理员可以设置",)),
    Case("a leader sets data sets", "leader", "put", DS, OK_DS, 403, ("无权修改单位“甲镇卫生院”的数据",)),
]

APPROVAL_CASES = [
    *cases("inspector", "post", "/api/data-approvals",
           ("period as a number", {**FEB, "period": 201202}, 422, "period：应为字符串"),
           ("month 13", {**FEB, "period": "201213"}, 422, "无法识别的期间“201213”"),
           ("a quarter", {**FEB, "period": "2012Q1"}, 422, "期间“2012Q1”不是月报的期间"),
           ("a future month", {**FEB, "period": "219901"}, 422, "尚未开始"),
           ("a month not submitted", {**FEB, "period": "201203"}, 422, "甲镇卫生院 2012年3月 的“妇幼保健月报表”尚未报送，不能审核"),
           ("unit missing", {"period": "201202"}, 422, "unit：缺少必填项"),
           ("a bad unit code", {**FEB, "unit": "T01;drop"}, 422, "单位编码“T01;drop”无效"),
           ("an unknown data set", {**FEB, "data_set": "NOPE"}, 404, "报表 NOPE 不存在"),
           ("a unit that does not report", {**FEB, "unit": "T0101"}, 422, "单位“甲村卫生室”不需要报送“妇幼保健月报表”"),
           ("already approved", JAN, 409, "无需再次审核"),
           ("an unknown field", {**FEB, "approved": True}, 422, "approved：不认识的字段")),
    Case("another county's inspector", "outsider", "post", "/api/data-approvals", FEB, 404,
         ("单位 T01 不存在或无权查看",)),
    Case("a township officer approves", "officer_a", "post", "/api/data-approvals", FEB, 403,
         ("只有督查员或系统管理员可以审核数据",)),
    *cases("inspector", "post", "/api/data-approvals/unapprove",
           ("unapprove: a stale version", UNAPPROVE, 409, "与您依据的版本 0 不符"),
           ("unapprove: no reason", {**UNAPPROVE, "reason": "  ", "version": "current"}, 422, "请填写取消审核的原因"),
           ("unapprove: reason missing", {k: v for k, v in UNAPPROVE.items() if k != "reason"}, 422,
            "reason：缺少必填项"),
           ("unapprove: a reason of 301 characters",
            {**UNAPPROVE, "reason": "原" * 301, "version": "current"}, 422,
            "reason：过长（最多 300 个字符）"),
           ("unapprove: version as text", {**UNAPPROVE, "version": "1"}, 422, "version：应为整数"),
           ("unapprove: not approved", {**UNAPPROVE, "period": "201202"}, 409, "未审核（或已被他人取消审核）")),
    Case("unapprove: a leader", "leader", "post", "/api/data-approvals/unapprove",
         {**UNAPPROVE, "version": "current"}, 403, ("只有督查员或系统管理员可以审核数据",)),
]

REGISTER_CASES = [
    *cases("officer_a", "post", P,
           ("record_no empty", {**NEW_P, "record_no": ""}, 422, "record_no：不能为空"),
           ("record_no missing", {k: v for k, v in NEW_P.items() if k != "record_no"}, 422,
            "record_no：缺少必填项"),
           ("a date with slashes", {**NEW_P, "registered_on": "2012/02/01"}, 422,
            "registered_on：应为日期，如 2012-01-31"),
           ("a date as a timestamp", {**NEW_P, "registered_on": 1328054400}, 422, "registered_on：应为日期"),
           ("30 February", {**NEW_P, "registered_on": "2012-02-30"}, 422, "registered_on：应为日期"),
           ("a future date", {**NEW_P, "registered_on": "2999-01-01"}, 422, "建册日期 [registered_on]：建册日期晚于今天"),
           ("a name of 51 characters", {**NEW_P, "name": "名" * 51}, 422, "name：过长（最多 50 个字符）"),
           ("a taken record number", {**NEW_P, "record_no": "A001"}, 422,
            "手册编号 [record_no]：甲镇卫生院已有编号为“A001”的手册"),
           ("an unknown field", {**NEW_P, "id_hash": "x"}, 422, "id_hash：不认识的字段"),
           ("an unknown unit", {**NEW_P, "unit": "ZZ9"}, 404, "单位 ZZ9 不存在或无权查看"),
           ("another township", {**NEW_P, "unit": "T02"}, 404, "单位 T02 不存在或无权查看")),
    Case("a leader enters a record", "leader", "post", P, NEW_P, 403, ("您的角色只能查看登记数据，不能录入",)),
    *cases("officer_a", "post", "/api/child-records",
           ("child: sex 3", {"unit": "T01", "record_no": "E100", "sex": 3, "birth_date": "2012-01-01"}, 422,
            "sex：取值应为"),
           ("child: an unknown mother",
            {"unit": "T01", "record_no": "E100", "sex": 1, "birth_date": "2012-01-01", "mother_no": "NOPE"}, 422,
            "母亲手册编号 [mother_no]：本单位没有编号为“NOPE”的孕产妇保健手册")),
    *cases("officer_a", "patch", P + "/{p}",
           ("patch: based_on missing", {"name": "改"}, 422, "based_on：缺少必填项"),
           ("patch: based_on as text", {"based_on": "1", "name": "改"}, 422, "based_on：应为整数"),
           ("patch: a stale based_on", {"based_on": 0, "phone": "13700000000"}, 409,
            "数据已被他人修改，什么都没有写入", "现为 13900000000", "您要保存的是 13700000000")),
    Case("patch: record id 0", "officer_a", "patch", P + "/0", {"based_on": 1, "name": "改"}, 422,
         ("record_id：“0”应为不小于 1 的整数",)),
    Case("patch: record id not a number", "officer_a", "patch", P + "/abc", {"based_on": 1, "name": "改"}, 422,
         ("record_id：应为整数",)),
    Case("patch: an unknown record", "officer_a", "patch", P + "/987654", {"based_on": 1, "name": "改"}, 404,
         ("孕产妇保健手册不存在或无权查看",)),
    Case("patch: another township's record", "officer_a", "patch", P + "/{p_b}", {"based_on": 0, "name": "改"}, 404,
         ("孕产妇保健手册不存在或无权查看",)),
    Case("patch: a leader", "leader", "patch", P + "/{p}", {"based_on": 1, "name": "改"}, 403,
         ("无权修改“甲镇卫生院”的登记数据",)),
    *cases("officer_a", "post", P + "/{p}/antenatal-visits",
           ("visit: sbp negative", {"visit_on": "2012-02-01", "sbp": -5}, 422, "sbp：“-5”应为不小于 0 的整数"),
           ("visit: sbp as text", {"visit_on": "2012-02-01", "sbp": "110"}, 422, "sbp：应为整数"),
           ("visit: weeks with two decimals", {"visit_on": "2012-02-01", "weeks": 12.25}, 422, "[weeks]")),
    Case("visit: another township's record", "officer_a", "post", P + "/{p_b}/antenatal-visits",
         {"visit_on": "2012-02-01"}, 404, ("孕产妇保健手册不存在或无权查看",)),
    Case("visit: a stale based_on", "officer_a", "patch", P + "/{p}/antenatal-visits/{visit}",
         {"based_on": 5, "sbp": 120}, 409, ("收缩压：现为 110", "您要保存的是 120")),
    Case("postpartum: a future date", "officer_a", "post", P + "/{p}/postpartum-visits", {"visit_on": "2999-01-01"},
         422, ("访视日期 [visit_on]：访视日期晚于今天",)),
    *cases("officer_a", "post", "/api/child-records/{child}/exams",
           ("exam: weight as text", {"exam_on": "2012-02-01", "weight_kg": "7"}, 422, "weight_kg：应为数字"),
           ("exam: weight infinite", '{"exam_on": "2012-02-01", "weight_kg": Infinity}', 422,
            "weight_kg：应为有限的数字"),
           ("exam: weight 0 and before birth", {"exam_on": "2011-11-01", "weight_kg": 0}, 422,
            "体重（kg） [weight_kg]：体重必须大于 0", "体检日期 [exam_on]：体检日期早于出生日期")),
    Case("exam: an exam of another record", "officer_a", "patch", "/api/child-records/{child}/exams/987654",
         {"based_on": 0, "hb": 100}, 404, ("儿童体检不存在或无权查看",)),
]

# Quality runs and jobs have no write in the API (a scan starts from the quality page, as a job): the
# refusals of their reads, and that asking for a write there is a Chinese 405, not a job started.
READ_CASES = [
    Case("start a scan through the API", "inspector", "post", "/api/quality-runs",
         {"unit": "T00", "period": "2012Q1"}, 405, ("接口 /api/quality-runs 不接受 POST 请求",)),
    Case("start a job through the API", "inspector", "post", "/api/jobs", {"kind": "quality.scan"}, 405,
         ("接口 /api/jobs 不接受 POST 请求",)),
    Case("cancel a job through the API", "inspector", "delete", "/api/jobs/{job}", None, 405,
         ("不接受 DELETE 请求",)),
    Case("runs: another county", "inspector", "get", "/api/quality-runs?unit=X00", None, 404,
         ("单位 X00 不存在或无权查看",)),
    Case("runs: quarter 5", "inspector", "get", "/api/quality-runs?period=2012Q5", None, 422,
         ("无法识别的期间“2012Q5”",)),
    Case("runs: an unknown run", "inspector", "get", "/api/quality-runs/987654", None, 404,
         ("这次质量检查不存在",)),
    Case("runs: an unknown check", "inspector", "get", "/api/quality-runs/1/results?check=DQ-ZZZ", None, 422,
         ("检查编号“DQ-ZZZ”无效",)),
    Case("runs: page 0", "inspector", "get", "/api/quality-runs?page=0", None, 422, ("page：",)),
    Case("jobs: an unknown state", "inspector", "get", "/api/jobs?state=stuck", None, 422, ("state：取值应为",)),
    Case("jobs: id 0", "inspector", "get", "/api/jobs/0", None, 422, ("job_id：“0”应为不小于 1 的整数",)),
    Case("jobs: another township's job", "officer_a", "get", "/api/jobs/{job}", None, 404, ("不存在或无权查看",)),
    Case("jobs: another county's inspector", "outsider", "get", "/api/jobs/{job}", None, 404, ("不存在或无权查看",)),
]

ALL = DATA_SET_CASES + APPROVAL_CASES + REGISTER_CASES + READ_CASES


def _body(world: World, case: Case) -> Any:
    """The case's body, with "current" standing for the live approval's version."""
    if isinstance(case.body, dict) and case.body.get("version") == "current":
        live = DataApproval.objects.get(period="201201", unapproved_at__isnull=True)
        return {**case.body, "version": live.version}
    return case.body


@pytest.mark.django_db
@pytest.mark.parametrize("case", ALL, ids=[f"{c.path.split('/')[2].split('?')[0]}: {c.name}" for c in ALL])
def test_a_bad_request_is_refused_in_chinese_and_writes_nothing(world: World, case: Case) -> None:
    before = snapshot()
    response = send(world.client(case.who), case.method, case.path.format(**world.ids), _body(world, case))
    expect_refusal(response, case.status, *case.fragments)
    assert snapshot() == before


WRITES = [
    ("put", DS, OK_DS),
    ("post", "/api/data-approvals", FEB),
    ("post", "/api/data-approvals/unapprove", UNAPPROVE),
    ("post", P, NEW_P),
    ("patch", P + "/{p}", {"based_on": 1, "name": "改"}),
    ("post", P + "/{p}/antenatal-visits", {"visit_on": "2012-02-01"}),
    ("patch", P + "/{p}/antenatal-visits/{visit}", {"based_on": 0, "sbp": 120}),
    ("post", "/api/child-records/{child}/exams", {"exam_on": "2012-02-01"}),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("method", "path", "body"), WRITES, ids=[f"{m} {p}" for m, p, _ in WRITES])
def test_an_oversized_body_is_a_chinese_413_and_writes_nothing(world: World, method: str, path: str,
                                                               body: dict[str, Any]) -> None:
    """A body over DATA_UPLOAD_MAX_MEMORY_SIZE (Django's 2.5 MB): JSON 413 in Chinese, not Django's HTML 400."""
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    padded = json.dumps({**body, "padding": "x" * limit})
    before = snapshot()
    response = send(world.client("inspector"), method, path.format(**world.ids), padded)
    expect_refusal(response, 413, "请求体过大", f"{limit:,} 字节", "什么都没有写入")
    assert snapshot() == before


@pytest.mark.django_db
def test_the_same_writes_with_good_input_do_write(world: World) -> None:
    """The sweep's requests fail for the reason given, not for something else: corrected, each one writes."""
    inspector, officer = world.client("inspector"), world.client("officer_a")
    audit = AuditEntry.objects.count()
    version = DataApproval.objects.get(period="201201").version
    answers = [
        send(inspector, "put", DS, {"data_sets": ["MCH_MONTHLY"], "based_on": 0}),  # unchanged list: no audit row
        send(inspector, "post", "/api/data-approvals", FEB),
        send(inspector, "post", "/api/data-approvals/unapprove", {**UNAPPROVE, "version": version}),
        send(officer, "post", P, NEW_P),
        send(officer, "patch", P + "/{p}".format(**world.ids), {"based_on": 1, "phone": "13700000000"}),
        send(officer, "post", P + "/{p}/antenatal-visits".format(**world.ids), {"visit_on": "2012-02-01", "sbp": 115}),
        send(officer, "post", "/api/child-records/{child}/exams".format(**world.ids),
             {"exam_on": "2012-02-01", "weight_kg": 5.5}),
    ]
    assert [a.status_code for a in answers] == [200] * len(answers), [a.content.decode() for a in answers]
    assert AuditEntry.objects.count() == audit + 6
    assert PregnancyRecord.objects.get(pk=world.ids["p"]).phone == "13700000000"


@pytest.mark.django_db
def test_reading_a_job_out_of_scope_does_not_mark_it_failed(world: World) -> None:
    """The township's scan job has a dead heartbeat: the caller who may not see it gets 404 and leaves it
    running; its owner's read marks it failed (the documented crash clean-up)."""
    expect_refusal(send(world.client("officer_a"), "get", f"/api/jobs/{world.ids['job']}", None), 404)
    assert Job.objects.get(pk=world.ids["job"]).state == "running"
    owner = send(world.client("officer_b"), "get", f"/api/jobs/{world.ids['job']}", None)
    assert owner.status_code == 200 and owner.json()["state"] == "failed"
    assert "任务中断" in owner.json()["error"]



@pytest.mark.django_db
def test_a_period_that_is_not_a_month_is_the_only_reason_given(world: World) -> None:
    """A quarter is refused for what it is, without also claiming the "report" of that quarter was not submitted."""
    answer = expect_refusal(send(world.client("inspector"), "post", "/api/data-approvals",
                                 {**FEB, "period": "2012Q1"}), 422)
    assert answer["problems"] == ["期间“2012Q1”不是月报的期间"]
