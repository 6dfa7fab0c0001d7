"""§3 record-level checks: each on a record where it must fire and one where it must not."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pytest

from ducha.quality.tests.checkdata import result, run, scan

D = date
ENTERED = datetime(2012, 3, 20, 10, 0)


def preg(**cols: Any) -> dict[str, list]:
    base = {"record_id": [1], "unit_id": [1], "record_no": ["P001"], "name": ["李梅"], "birth_date": [D(1988, 5, 1)],
            "village": ["东村"], "registered_on": [D(2012, 1, 5)], "lmp": [D(2011, 11, 1)], "edd": [D(2012, 8, 7)],
            "created_at": [ENTERED], "created_date": [ENTERED.date()], "updated_date": [ENTERED.date()]}
    return rows(base, cols)


def visit(**cols: Any) -> dict[str, list]:
    base = {"visit_id": [1], "record_id": [1], "unit_id": [1], "visit_on": [D(2012, 1, 5)], "weeks": [9.3],
            "weight_kg": [55.0], "sbp": [110], "dbp": [70], "hb": [118], "created_at": [ENTERED],
            "created_date": [ENTERED.date()], "in_period": [True]}
    return rows(base, cols)


def child(**cols: Any) -> dict[str, list]:
    base = {"record_id": [1], "unit_id": [1], "record_no": ["C001"], "name": ["王小明"], "sex": [1],
            "birth_date": [D(2011, 6, 1)], "village": ["东村"], "created_at": [ENTERED], "created_date": [ENTERED.date()]}
    return rows(base, cols)


def exam(**cols: Any) -> dict[str, list]:
    base = {"exam_id": [1], "record_id": [1], "unit_id": [1], "exam_on": [D(2012, 3, 3)], "birth_date": [D(2011, 6, 1)],
            "sex": [1], "weight_kg": [8.6], "length_cm": [71.2], "hb": [115], "created_at": [ENTERED],
            "created_date": [ENTERED.date()], "in_period": [True], "age_days": [276.0]}
    return rows(base, cols)


def rows(base: dict[str, list], cols: dict[str, Any]) -> dict[str, list]:
    given = {k: v if isinstance(v, list) else [v] for k, v in cols.items()}
    n = max(len(v) for v in given.values()) if given else 1
    return {k: v * n for k, v in base.items()} | given


CASES: list[tuple[str, dict[str, Any], dict[str, Any], str]] = [
    ("DQ-P01", {"pregnancies": preg(name="", birth_date=None)}, {"pregnancies": preg()}, "缺少姓名、出生日期"),
    ("DQ-P02", {"pregnancies": preg(), "antenatal": visit(visit_on=None)}, {"pregnancies": preg(), "antenatal": visit()},
     "一次产前检查（录入于 2012-03-20 10:00）没有检查日期"),
    ("DQ-P03", {"pregnancies": preg(), "antenatal": visit(sbp=None)}, {"pregnancies": preg(), "antenatal": visit()},
     "产前检查 2012-01-05 缺少血压"),
    ("DQ-P04", {"pregnancies": preg(), "antenatal": visit(visit_on=D(2012, 4, 2))},
     {"pregnancies": preg(), "antenatal": visit()}, "产前检查日期 2012-04-02 晚于录入日期 2012-03-20，属超前编写"),
    ("DQ-P05", {"pregnancies": preg(), "antenatal": visit(visit_on=D(2011, 12, 20))},
     {"pregnancies": preg(), "antenatal": visit()}, "产前检查 2011-12-20 早于建册日期 2012-01-05"),
    ("DQ-P06", {"pregnancies": preg(delivered_on=D(2012, 3, 1), check_42d_on=D(2012, 2, 20))},
     {"pregnancies": preg(delivered_on=D(2012, 3, 1), check_42d_on=D(2012, 4, 12))},
     "产后42天检查 2012-02-20 早于分娩日期 2012-03-01"),
    ("DQ-P07", {"pregnancies": preg(), "antenatal": visit(weeks=47.0)}, {"pregnancies": preg(), "antenatal": visit()},
     "产前检查孕周 47 周（2012-01-05）不在 4–44 周之内"),
    ("DQ-P08", {"pregnancies": preg(), "antenatal": visit(weeks=20.0)}, {"pregnancies": preg(), "antenatal": visit()},
     "产前检查孕周记为 20 周（2012-01-05），按末次月经推算为 9.3 周（允许 ±2 周）"),
    ("DQ-P09", {"pregnancies": preg(delivered_on=D(2012, 3, 1))},
     {"pregnancies": preg(delivered_on=D(2012, 3, 1)), "antenatal": visit()},
     "有分娩记录（2012-03-01），没有任何产前检查记录"),
    ("DQ-P10", {"pregnancies": preg(), "antenatal": visit(visit_id=[1, 2], record_id=[1, 1], unit_id=[1, 1],
                                                          visit_on=[D(2012, 2, 1)] * 2)},
     {"pregnancies": preg(), "antenatal": visit(visit_id=[1, 2], record_id=[1, 1], unit_id=[1, 1],
                                                visit_on=[D(2012, 2, 1), D(2012, 3, 1)])},
     "同一天（2012-02-01）有 2 次产前检查"),
    ("DQ-P11", {"pregnancies": preg(), "antenatal": visit(sbp=80, dbp=90)}, {"pregnancies": preg(), "antenatal": visit()},
     "产前检查 2012-01-05 血压 80/90 mmHg，不合理"),
    ("DQ-P12", {"pregnancies": preg(), "antenatal": visit(hb=12)}, {"pregnancies": preg(), "antenatal": visit(hb=95)},
     "产前检查 2012-01-05 血红蛋白 12 g/L，不在 40–180 g/L 之内"),
    ("DQ-P13", {"pregnancies": preg(record_id=[1, 2], unit_id=[1, 1], record_no=["P001", "P002"], name=["李梅"] * 2,
                                    birth_date=[D(1988, 5, 1)] * 2, village=["东村"] * 2,
                                    created_at=[ENTERED] * 2, created_date=[ENTERED.date()] * 2)},
     {"pregnancies": preg(record_id=[1, 2], unit_id=[1, 1], record_no=["P001", "P002"], name=["李梅", "李梅"],
                          birth_date=[D(1988, 5, 1), D(1990, 1, 1)], village=["东村"] * 2,
                          created_at=[ENTERED] * 2, created_date=[ENTERED.date()] * 2)},
     "姓名、出生日期（1988-05-01）、村（东村）都相同"),
    ("DQ-C01", {"children": child(sex=None)}, {"children": child()}, "缺少性别"),
    ("DQ-C02", {"children": child(), "exams": exam(exam_on=None)}, {"children": child(), "exams": exam()},
     "没有体检日期"),
    ("DQ-C03", {"children": child(), "exams": exam(length_cm=None)}, {"children": child(), "exams": exam()},
     "体检 2012-03-03 缺少身长/身高"),
    ("DQ-C04", {"children": child(), "exams": exam(exam_on=D(2012, 5, 1))}, {"children": child(), "exams": exam()},
     "体检日期 2012-05-01 晚于录入日期 2012-03-20，属超前编写"),
    ("DQ-C05", {"children": child(), "exams": exam(exam_on=D(2011, 5, 1))}, {"children": child(), "exams": exam()},
     "体检日期 2011-05-01 早于出生日期 2011-06-01"),
    ("DQ-C06", {"children": child(), "exams": exam(hb=250)}, {"children": child(), "exams": exam()},
     "血红蛋白 250 g/L"),
    ("DQ-C07", {"children": child(), "exams": exam(waz=-6.4, fwaz=1.0)}, {"children": child(), "exams": exam(waz=-1.0)},
     "年龄别体重 z = -6.4（< −6 或 > 5）"),
    ("DQ-C09", {"children": child(), "exams": exam(exam_id=[1, 2], record_id=[1, 1], unit_id=[1, 1],
                                                   exam_on=[D(2012, 3, 3)] * 2)},
     {"children": child(), "exams": exam()}, "同一天（2012-03-03）有 2 次体检"),
]


@pytest.mark.parametrize(("check_id", "bad", "good", "evidence"), CASES, ids=[c[0] for c in CASES])
def test_record_check_fires_on_bad_record_only(check_id: str, bad: dict, good: dict, evidence: str) -> None:
    fired = run(check_id, scan(**bad))
    assert fired.hits, f"{check_id} did not fire"
    assert evidence in fired.hits[0].text
    assert result(fired).status == "fired"
    assert "份手册有此问题" in result(fired).text
    clean = run(check_id, scan(**good))
    assert not clean.hits, [h.text for h in clean.hits]
    assert result(clean).status == "passed"


def test_record_check_on_unit_without_records_cannot_judge() -> None:
    assert result(run("DQ-P11", scan())).text == "无法判断：没有记录"


def test_edd_inconsistent_with_lmp() -> None:
    out = run("DQ-P08", scan(pregnancies=preg(edd=D(2012, 10, 1))))
    assert "预产期 2012-10-01 距末次月经 335 天，应约 280 天（允许 ±14 天）" in out.hits[0].text


def test_near_identical_records_flag_both() -> None:
    same = {"birth_date": D(1988, 5, 1), "phone": "13800000000", "village": "东村", "registered_on": D(2012, 1, 5),
            "lmp": D(2011, 11, 1), "edd": D(2012, 8, 7), "gravidity": 2, "parity": 1, "weeks_at_registration": 9.0,
            "blood_group": "A"}
    cols = {k: [v, v, v] for k, v in same.items()}
    cols["phone"] = ["13800000000", "13800000000", "13911111111"]
    cols["lmp"] = [D(2011, 11, 1), D(2011, 11, 1), D(2011, 9, 1)]
    cols["edd"] = [D(2012, 8, 7), D(2012, 8, 7), D(2012, 6, 8)]
    cols["registered_on"] = [D(2012, 1, 5), D(2012, 1, 5), D(2012, 2, 5)]
    cols["weeks_at_registration"] = [9.0, 9.0, 22.0]
    data = scan(pregnancies=preg(record_id=[1, 2, 3], unit_id=[1, 1, 1], record_no=["P1", "P2", "P3"],
                                 name=["甲", "乙", "丙"], created_at=[ENTERED] * 3, created_date=[ENTERED.date()] * 3,
                                 updated_date=[ENTERED.date()] * 3, **cols))
    out = run("DQ-P14", data)
    assert sorted(h.record_id for h in out.hits) == [1, 2]
    assert "8 个可比字段中 8 个完全相同（100%，判定 ≥ 85%）" in out.hits[0].text


def test_duplicate_child_names_the_other_record() -> None:
    kids = child(record_id=[1, 2], unit_id=[1, 1], record_no=["C001", "C002"], name=["王小明"] * 2,
                 sex=[1, 1], birth_date=[D(2011, 6, 1)] * 2, village=["东村"] * 2, created_at=[ENTERED] * 2,
                 created_date=[ENTERED.date()] * 2)
    out = run("DQ-C08", scan(children=kids))
    assert {h.record_id for h in out.hits} == {1, 2}
    assert out.hits[0].text.startswith("与手册 ")
