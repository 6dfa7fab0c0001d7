"""The monthly report form: prefilled values, Chinese errors per field with nothing written, rule violations."""

from __future__ import annotations

import pytest
from django.test import Client

from ducha.audit.models import AuditEntry
from ducha.conftest import MiniCounty
from ducha.core.periods import parse_period
from ducha.reporting.actions import save_report
from ducha.reporting.models import DataValue, Submission
from ducha.reporting.tests.entry_client import submit

URL = "/reports/entry/?unit=T01&period=201203"


@pytest.fixture
def officer(client: Client, mini_county: MiniCounty) -> Client:
    client.force_login(mini_county.officer_a)
    return client


def stored(unit: str = "T01", period: str = "201203") -> dict[str, int]:
    return dict(DataValue.objects.filter(org_unit__code=unit, period=period)
                .values_list("data_element__code", "value"))


def counts() -> tuple[int, int, int]:
    return DataValue.objects.count(), Submission.objects.count(), AuditEntry.objects.count()


def test_form_lists_every_element_by_section_prefilled(officer: Client, mini_county: MiniCounty) -> None:
    save_report(actor=mini_county.officer_a, data_set=mini_county.data_set, unit_code="T01",
                period=parse_period("201203"), values={"PREG_TOTAL": 31})
    response = officer.get(URL)
    assert response.status_code == 200
    sections = dict(response.context["sections"])
    assert [f.code for f in sections["孕产妇保健"]][:3] == ["PREG_TOTAL", "PARTURIENTS", "PREG_REGISTERED"]
    assert sum(len(fields) for fields in sections.values()) == mini_county.data_set.set_elements.count()
    cell = next(c for c in response.context["cells"] if c.code == "PREG_TOTAL")
    assert (cell.text, cell.shown) == ("31", 31)
    version = DataValue.objects.get(data_element__code="PREG_TOTAL").version
    html = response.content.decode()
    assert 'name="PREG_TOTAL" value="31"' in html and "孕产妇保健" in html and "保存并报送" in html
    assert f'name="version-PREG_TOTAL" value="{version}"' in html and 'name="clear-PREG_TOTAL"' in html
    assert 'name="clear-PARTURIENTS"' not in html  # nothing stored, nothing to clear


def test_save_writes_values_and_lists_changes(officer: Client, mini_county: MiniCounty) -> None:
    response = submit(officer, URL, PREG_TOTAL="30", PREG_REGISTERED="24", FOLIC_NEW="")
    assert response.status_code == 200
    assert stored() == {"PREG_TOTAL": 30, "PREG_REGISTERED": 24}
    html = response.content.decode()
    assert "已保存" in html and "本次修改 2 项" in html
    assert "孕妇总数：（空） → 30" in html and "孕期建卡人数：（空） → 24" in html
    assert Submission.objects.filter(org_unit__code="T01", period="201203").count() == 1
    again = submit(officer, URL, PREG_TOTAL="32", PREG_REGISTERED="24")
    assert "孕妇总数：30 → 32" in again.content.decode() and "本次修改 1 项" in again.content.decode()


def test_rule_violations_are_shown_after_saving(officer: Client, mini_county: MiniCounty) -> None:
    response = submit(officer, URL, PREG_TOTAL="10", PREG_REGISTERED="12", CAESAREAN="5", HOSP_DELIVERIES="3")
    assert response.status_code == 200
    assert stored()["PREG_REGISTERED"] == 12  # a violation warns, it does not block
    html = response.content.decode()
    assert "校验规则提示（2 条）" in html
    assert "孕期建卡人数 ≤ 孕妇总数：左边 12，右边 10，不满足“&lt;=”" in html
    assert "剖宫产活产数 ≤ 住院分娩活产数：左边 5，右边 3" in html
    assert [v.rule_code for v in response.context["violations"]] == ["VR01", "VR03"]


def test_violations_of_stored_values_show_on_opening(officer: Client, mini_county: MiniCounty) -> None:
    submit(officer, URL, PREG_TOTAL="10", PREG_REGISTERED="12")
    response = officer.get(URL)
    assert [v.rule_code for v in response.context["violations"]] == ["VR01"]


@pytest.mark.parametrize(("field", "value", "message"), [
    ("PREG_TOTAL", "-1", "“孕妇总数”不能小于 0"),
    ("PREG_TOTAL", "2.5", "“孕妇总数”应填写整数（人数），不能含小数或文字"),
    ("FOLIC_NEW", "十二", "“叶酸补服人数”应填写整数（人数），不能含小数或文字"),
    ("FOLIC_NEW", "1_000", "“叶酸补服人数”应填写整数（人数），不能含小数或文字"),
    ("LIVE_BIRTHS", "99999999999", "“活产数”数值过大（不应超过 10,000,000）"),
    ("LIVE_BIRTHS", "9" * 30, "“活产数”数值过大"),
])
def test_bad_value_is_refused_in_chinese_with_nothing_written(officer: Client, mini_county: MiniCounty, field: str,
                                                             value: str, message: str) -> None:
    before = counts()
    response = submit(officer, URL, PREG_REGISTERED="5", **{field: value})
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html
    assert "未保存任何数据" in html
    cell = next(c for c in response.context["cells"] if c.code == field)
    assert cell.errors[0].startswith(message) and cell.text == value  # the typed text stays in the field
    assert counts() == before


def test_every_bad_field_is_reported_at_once(officer: Client, mini_county: MiniCounty) -> None:
    response = submit(officer, URL, PREG_TOTAL="-3", PARTURIENTS="abc", LIVE_BIRTHS="7")
    assert response.status_code == 400
    assert {c.code for c in response.context["cells"] if c.errors} == {"PREG_TOTAL", "PARTURIENTS"}
    assert "有 2 项填写有误" in response.content.decode()
    assert DataValue.objects.count() == 0


@pytest.mark.parametrize(("period", "message"), [
    ("209901", "尚未开始，不能填报未来的数据"),
    ("2012Q1", "不是月报的期间"),
    ("2012-13", "无法识别的期间“2012-13”"),
])
def test_bad_period_is_refused(officer: Client, mini_county: MiniCounty, period: str, message: str) -> None:
    url = f"/reports/entry/?unit=T01&period={period}"
    assert message in officer.get(url).content.decode()
    before = counts()
    response = officer.post(url, {"PREG_TOTAL": "5"})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert counts() == before


def test_unit_that_does_not_report_is_refused(client: Client, mini_county: MiniCounty) -> None:
    client.force_login(mini_county.inspector)
    response = client.post("/reports/entry/?unit=T0101&period=201203", {"PREG_TOTAL": "5"})
    assert response.status_code == 400
    assert "单位“甲村卫生室”不需要报送“妇幼保健月报表”" in response.content.decode()
    assert DataValue.objects.count() == 0


def test_default_month_is_last_month_when_nothing_was_reported(officer: Client, mini_county: MiniCounty) -> None:
    from django.utils import timezone

    today = timezone.localdate()
    response = officer.get("/reports/entry/")
    period = response.context["period"]
    assert period.end < today.replace(day=1) and period.next().start == today.replace(day=1)


def test_default_month_is_the_latest_month_with_data(officer: Client, mini_county: MiniCounty) -> None:
    """A county whose data ends in 2012 opens on 2012, not on the calendar's month."""
    from ducha.core.periods import parse_period
    from ducha.reporting.actions import save_report

    for code, unit in (("201202", "T01"), ("201203", "T02")):
        save_report(actor=mini_county.inspector, data_set=mini_county.data_set, unit_code=unit,
                    period=parse_period(code), values={"PREG_TOTAL": 9})
    assert officer.get("/reports/entry/").context["period"].code == "201202"  # T02's March is not in her scope
    inspector = Client()
    inspector.force_login(mini_county.inspector)
    assert inspector.get("/reports/entry/").context["period"].code == "201203"


def test_status_page_names_timely_late_and_missing_months(client: Client, mini_county: MiniCounty) -> None:
    from datetime import datetime

    from django.utils import timezone

    def report(unit: str, period: str, day: str) -> None:
        save_report(actor=mini_county.inspector, data_set=mini_county.data_set, unit_code=unit,
                    period=parse_period(period), values={"PREG_TOTAL": 1},
                    submitted_at=timezone.make_aware(datetime.fromisoformat(day)))

    report("T01", "201201", "2012-02-03T09:00")
    report("T01", "201202", "2012-03-20T09:00")
    client.force_login(mini_county.leader)
    response = client.get("/reports/status/?period=2012Q1")
    assert response.status_code == 200
    grid = {g["row"].unit.code: [c["text"] for c in g["cells"]] for g in response.context["grid"]}
    assert grid == {"T01": ["及时", "迟报", "未报"], "T02": ["未报"] * 3, "T03": ["未报"] * 3, "T10": ["未报"] * 3}
    assert "应报 12 份，已报 2 份，按期报送 1 份" in response.content.decode()
    bad = client.get("/reports/status/?period=2012Q5")
    assert bad.status_code == 400 and "无法识别的期间“2012Q5”" in bad.content.decode()
