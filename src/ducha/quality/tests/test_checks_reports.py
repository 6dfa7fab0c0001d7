"""§1 routine-report checks and §2 verification on tiny hand-made tables."""

from __future__ import annotations

from datetime import date, datetime

from django.test import override_settings

from ducha.quality.tests.checkdata import merge, result, run, scan

MONTHS = ["201201", "201202", "201203"]


def expected(unit: int = 1) -> dict[str, list]:
    return {"unit_id": [unit] * 3, "data_set_id": [1] * 3, "month": MONTHS,
            "deadline": [date(2012, 2, 5), date(2012, 3, 5), date(2012, 4, 5)]}


def submitted(days_late: list[int | None], unit: int = 1) -> dict[str, list]:
    rows = [(m, date(2012, i + 2, 3 + (late or 0))) for i, (m, late) in enumerate(zip(MONTHS, days_late, strict=True))
            if late is not None]
    return {"unit_id": [unit] * len(rows), "data_set_id": [1] * len(rows), "month": [m for m, _ in rows],
            "submitted_on": [d for _, d in rows],
            "submitted_at": [datetime(d.year, d.month, d.day, 9) for _, d in rows]}


def test_completeness_names_the_missing_month() -> None:
    r = result(run("DQ-R01", scan(expected_reports=expected(), submissions=submitted([0, 0, None]))))
    assert r.status == "fired"
    assert r.text == "应报 3 份月报，实报 2 份，报告完整率 66.7%（要求 ≥ 90%）；缺报：2012年3月"
    assert result(run("DQ-R01", scan(expected_reports=expected(), submissions=submitted([0, 0, 0])))).status == "passed"


def test_timeliness_names_the_late_month() -> None:
    r = result(run("DQ-R02", scan(expected_reports=expected(), submissions=submitted([0, 9, 9]))))
    assert r.status == "fired" and "按期报送 1 份，报告及时率 33.3%" in r.text and "迟报：2012年2月、2012年3月" in r.text
    assert result(run("DQ-R02", scan(expected_reports=expected(), submissions=submitted([0, 0, 9])))).status == \
        "fired"  # 2 of 3 = 66.7 % < 75 %
    assert result(run("DQ-R02", scan(expected_reports=expected(), submissions=submitted([0, 0, 0])))).status == \
        "passed"


def values(unit: int, code: str, series: list[float], months: list[str] | None = None) -> dict[str, list]:
    months = months or [f"2011{m:02d}" for m in range(4, 13)] + MONTHS
    months = months[-len(series):]
    return {"unit_id": [unit] * len(series), "month": months, "code": [code] * len(series), "value": series,
            "aggregation": ["sum"] * len(series), "midx": [int(m[:4]) * 12 + int(m[4:]) - 1 for m in months]}


def test_missing_or_zero_core_values() -> None:
    core = {"unit_id": [1, 1], "data_set_id": [1, 1], "code": ["LIVE_BIRTHS", "ANC_ANY"]}
    reports = merge(values(1, "LIVE_BIRTHS", [10, 0, 12]), values(1, "ANC_ANY", [9, 8]))
    r = result(run("DQ-R03", scan(core_elements=core, submissions=submitted([0, 0, 0]), reports=reports)))
    assert r.status == "fired"
    assert "6 个核心数据项中，非空且非零的占 66.7%" in r.text
    assert "2012年2月LIVE_BIRTHS为 0" in r.text and "2012年1月ANC_ANY未填" in r.text


def test_extreme_outlier_fires_skips_mad_zero_and_short_series() -> None:
    series = [20, 22, 19, 21, 23, 20, 18, 22, 21, 20, 19, 85]
    r = result(run("DQ-R04", scan(reports=values(1, "LIVE_BIRTHS", series))))
    assert r.status == "fired" and "LIVE_BIRTHS 2012年3月 为 85，近 12 个月中位数 20.5、MAD 1" in r.text
    flat = result(run("DQ-R04", scan(reports=values(1, "LIVE_BIRTHS", [20] * 11 + [85]))))
    assert flat.status == "undecided" and "MAD = 0" in flat.text
    short = result(run("DQ-R04", scan(reports=values(1, "LIVE_BIRTHS", [20, 21, 85]))))
    assert short.status == "undecided" and "样本量 3 少于判断所需的 6" in short.text
    calm = [20, 22, 19, 21, 23, 20, 18, 22, 21, 20, 19, 22]
    assert result(run("DQ-R04", scan(reports=values(1, "LIVE_BIRTHS", calm)))).status == "passed"


def test_moderate_outliers_need_two_in_the_series() -> None:
    series = [20, 22, 19, 21, 23, 20, 18, 22, 21, 26, 19, 26]
    r = result(run("DQ-R05", scan(reports=values(1, "LIVE_BIRTHS", series))))
    assert r.status == "fired" and "LIVE_BIRTHS（2012年1月、2012年3月）" in r.text
    one = [20, 22, 19, 21, 23, 20, 18, 22, 21, 20, 19, 26]
    assert result(run("DQ-R05", scan(reports=values(1, "LIVE_BIRTHS", one)))).status == "passed"


def same_quarter(year: int, total: float) -> list[str]:
    return [f"{year}{m:02d}" for m in (1, 2, 3)]


def test_consistency_over_time() -> None:
    history = merge(*[values(1, "LIVE_BIRTHS", [20, 20, 20], same_quarter(y, 60)) for y in (2009, 2010, 2011)])
    now = values(1, "LIVE_BIRTHS", [40, 40, 40])
    r = result(run("DQ-R06", scan(reports=merge(history, now))))
    assert r.status == "fired" and "LIVE_BIRTHS 本期 120，前 3 年同期平均 60，为其 200%" in r.text
    steady = values(1, "LIVE_BIRTHS", [22, 20, 21])
    assert result(run("DQ-R06", scan(reports=merge(history, steady)))).status == "passed"
    alone = result(run("DQ-R06", scan(reports=now)))
    assert alone.status == "undecided" and "没有前几年同期的数据" in alone.text


def test_related_indicators_deliveries_vs_live_births() -> None:
    data = merge(values(1, "LIVE_BIRTHS", [20, 20, 20]), values(1, "PARTURIENTS", [25, 25, 25]))
    r = result(run("DQ-R07", scan(reports=data)))
    assert r.status == "fired" and "LIVE_BIRTHS 60 与 PARTURIENTS 75 之比为 80%" in r.text
    ok = merge(values(1, "LIVE_BIRTHS", [20, 21, 20]), values(1, "PARTURIENTS", [20, 20, 20]))
    assert result(run("DQ-R07", scan(reports=ok))).status == "passed"
    small = merge(values(1, "LIVE_BIRTHS", [2, 2, 2]), values(1, "PARTURIENTS", [4, 4, 4]))
    assert result(run("DQ-R07", scan(reports=small))).status == "undecided"


def test_denominator_against_population() -> None:
    units = {"unit_id": [1, 2, 3], "code": ["X", "Y", "Z"], "label": ["西簧乡", "毛堂乡", "大石桥乡"],
             "population": [40000, 40000, 40000]}
    reports = merge(values(1, "LIVE_BIRTHS", [60, 60, 60]), values(2, "LIVE_BIRTHS", [33, 34, 33]),
                    values(3, "LIVE_BIRTHS", [33, 33, 34]))
    out = run("DQ-R09", scan(units=units, reports=reports), units=[1, 2, 3])
    r = result(out, 1)
    assert r.status == "fired" and "各单位合计出生水平 12.7‰" in r.text and "为估计数的 142%" in r.text
    assert result(out, 2).status == "fired"  # 100 of 127 expected
    with override_settings(DUCHA_QUALITY={"DQ-R09": {"birth_rate_per_1000": 10.0}}):
        fixed = run("DQ-R09", scan(units=units, reports=reports), units=[1, 2, 3])
    assert "设定出生率 10‰ 估计本期应有LIVE_BIRTHS约 100 例" in result(fixed, 1).text
    assert result(fixed, 2).status == "passed"


def test_verification_factor_names_the_indicator() -> None:
    vf = {"unit_id": [1, 1, 2], "indicator_code": ["LIVE_BIRTHS", "CAESAREAN_RATE", "LIVE_BIRTHS"],
          "indicator_name": ["活产数", "剖宫产率", "活产数"], "register_numerator": [60, 3, 40],
          "reported_numerator": [62, 20, 41], "vf": [60 / 62, 3 / 20, 40 / 41]}
    out = run("DQ-V01", scan(register_vf=vf), units=[1, 2])
    assert result(out, 1).status == "fired"
    assert "剖宫产率 登记簿 3、月报 20，核实系数 0.15，多报（报表多于登记）" in result(out, 1).text
    assert result(out, 2).status == "passed"


def test_verification_factor_without_report_cannot_judge() -> None:
    vf = {"unit_id": [1], "indicator_code": ["LIVE_BIRTHS"], "indicator_name": ["活产数"],
          "register_numerator": [60], "reported_numerator": [None], "vf": [None]}
    r = result(run("DQ-V01", scan(register_vf=vf)))
    assert r.status == "undecided" and "无法计算核实系数" in r.text


def deliveries(unit: int, n: int, caesareans: int) -> dict[str, list]:
    return {"record_id": [unit * 1000 + i for i in range(n)], "unit_id": [unit] * n,
            "delivered_on": [date(2012, 2, 1)] * n,
            "delivery_mode": ["caesarean"] * caesareans + ["vaginal"] * (n - caesareans)}


def test_caesarean_share_far_below_peers() -> None:
    data = scan(pregnancies=merge(deliveries(1, 60, 2), deliveries(2, 60, 25), deliveries(3, 60, 22)))
    out = run("DQ-V02", data, units=[1, 2, 3])
    assert result(out, 1).status == "fired" and "可能把剖宫产登记为平产" in result(out, 1).text
    assert result(out, 2).status == "passed"


def test_thresholds_are_settings() -> None:
    reports = values(1, "LIVE_BIRTHS", [20, 22, 19, 21, 23, 20, 18, 22, 21, 20, 19, 30])
    assert result(run("DQ-R04", scan(reports=reports))).status == "fired"
    with override_settings(DUCHA_QUALITY={"DQ-R04": {"mz": 9.0}}):
        assert result(run("DQ-R04", scan(reports=reports))).status == "passed"
    with override_settings(DUCHA_QUALITY={"core_elements": ["PARTURIENTS"]}):
        assert result(run("DQ-R04", scan(reports=reports))).text == "无法判断：没有可判断的数据"
    with override_settings(DUCHA_QUALITY={"DQ-R04": {"min_n": 13}}):
        assert "少于判断所需的 13" in result(run("DQ-R04", scan(reports=reports))).text
