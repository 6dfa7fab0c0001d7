"""§4 fabrication signals on tiny hand-made data: where each must fire and where it must not."""

from __future__ import annotations

from datetime import date, datetime

from ducha.quality.tests.checkdata import days, merge, minutes, result, run, scan


def entries(count: int, step_minutes: float, span_days: int) -> dict[str, list]:
    dates = days(date(2011, 10, 5), count, max(1, span_days // max(1, count - 1)))
    return {"unit_id": [1] * count, "record_type": ["pregnancy"] * count, "record_id": list(range(1, count + 1)),
            "created_at": minutes(datetime(2012, 3, 14, 9, 2), count, step_minutes), "created_by": [7] * count,
            "event_date": dates}


def test_burst_fires_on_25_cards_in_10_minutes_spanning_5_months() -> None:
    out = run("DQ-F01", scan(entries=entries(25, 0.4, 155)))
    r = result(out)
    assert r.status == "fired"
    assert "西簧乡 2012-03-14 09:02–09:11（张三）录入 25 张卡片" in r.text
    assert "2011-10-05 至" in r.text and "（5 个月）" in r.text
    # one visit per card, and the unit has no other entries (usual delay 0): the cards entered ≥ 60 days after
    # their visit are listed (2011-10-05 + 6 days each: the first 17), the recent ones are not
    assert {h.record_id for h in out.hits} == set(range(1, 18))
    assert all(h.check_id == "DQ-F01" and "集中录入" in h.text and "才录入（本单位一般 0 天）" in h.text
               for h in out.hits)


def test_burst_silent_when_entry_times_are_spread() -> None:
    r = result(run("DQ-F01", scan(entries=entries(40, 60 * 24, 155))))
    assert r.status == "passed"


def test_burst_silent_when_visit_dates_are_close() -> None:
    r = result(run("DQ-F01", scan(entries=entries(40, 0.4, 20))))
    assert r.status == "passed"


def test_burst_ignores_an_import_batch_stamped_with_the_import_time() -> None:
    rows = entries(40, 0, 155)
    rows["batch_id"] = [3] * 40
    out = run("DQ-F01", scan(entries=rows))
    assert result(out).status == "undecided" and not out.hits


def test_burst_cannot_judge_three_records() -> None:
    r = result(run("DQ-F01", scan(entries=entries(3, 1, 100))))
    assert r.status == "undecided"
    assert r.text == "无法判断：样本量 3 少于判断所需的 20"


def exams(zs: list[float | None], unit: int = 1, **extra: list) -> dict[str, list]:
    n = len(zs)
    cols = {"exam_id": list(range(1, n + 1)), "record_id": list(range(1, n + 1)), "unit_id": [unit] * n,
            "in_period": [True] * n, "waz": zs, "fwaz": [0.0] * n}
    return cols | extra


def normal(n: int, sd: float, seed: int = 1) -> list[float]:
    import random

    rng = random.Random(seed)
    return [rng.gauss(-0.3, sd) for _ in range(n)]


def test_waz_spread_fires_when_far_below_117() -> None:
    r = result(run("DQ-F02", scan(exams=exams(normal(60, 0.45)))))
    assert r.status == "fired"
    assert "60 次体检的年龄别体重 z 标准差为 0.4" in r.text
    assert "测量值过于一致" in r.text


def test_waz_spread_silent_on_normal_spread() -> None:
    out = run("DQ-F02", scan(exams=exams(normal(80, 1.2))))
    assert result(out).status == "passed" and "未见离散度过小" in result(out).text and not out.hits


def test_waz_spread_significant_but_not_far_below_is_not_flagged() -> None:
    r = result(run("DQ-F02", scan(exams=exams(normal(3000, 1.0)))))
    assert r.status == "passed"  # p is tiny at n = 3000, but 1.0 is not far below 1.17


def test_waz_spread_zero_variance_fires_and_three_records_cannot_judge() -> None:
    flat = run("DQ-F02", scan(exams=exams([0.5] * 40)))
    assert result(flat).status == "fired"
    assert len(flat.hits) == 40 and "都在本单位中位数 0.5 ±0.25 之内" in flat.hits[0].text
    r = result(run("DQ-F02", scan(exams=exams([0.1, 0.2, 0.3]))))
    assert r.status == "undecided" and "样本量 3 少于判断所需的 30" in r.text


def test_waz_spread_without_zscores_cannot_judge() -> None:
    r = result(run("DQ-F02", scan(exams=exams([float("nan")] * 50))))
    assert r.status == "undecided" and "没有可用的 z 评分" in r.text


def anc(sbp: list[int], dbp: list[int], unit: int = 1, records: list[int] | None = None) -> dict[str, list]:
    n = len(sbp)
    return {"visit_id": list(range(1, n + 1)), "record_id": records or [i // 4 + 1 for i in range(n)],
            "unit_id": [unit] * n, "visit_on": days(date(2012, 1, 4), n), "sbp": sbp, "dbp": dbp,
            "in_period": [True] * n}


def test_same_bp_fires_and_names_the_women() -> None:
    out = run("DQ-F05", scan(antenatal=anc([120] * 36 + [110, 130, 100, 118], [80] * 36 + [70, 85, 60, 76])))
    r = result(out)
    assert r.status == "fired"
    assert "40 次产前检查中 36 次血压都记为 120/80 mmHg（90.0%" in r.text
    assert {h.record_id for h in out.hits} == set(range(1, 10))
    assert "全部 4 次产前检查血压都是 120/80" in out.hits[0].text


def test_same_bp_silent_on_varied_readings() -> None:
    sbp = [100 + (i * 7) % 50 for i in range(40)]
    dbp = [60 + (i * 3) % 30 for i in range(40)]
    out = run("DQ-F05", scan(antenatal=anc(sbp, dbp)))
    assert result(out).status == "passed" and not out.hits


def weights(digits: list[int]) -> list[float]:
    return [8.0 + d / 10 for d in digits]


def test_weight_digit_preference_fires_on_heaped_digits() -> None:
    heaped = [0] * 80 + [5] * 40
    uniform = [i % 10 for i in range(120)]
    r = result(run("DQ-F06", scan(exams=exams([None] * 120, weight_kg=weights(heaped), length_cm=weights(uniform)))))
    assert r.status == "fired"
    assert "体重小数位 DPS = " in r.text and "（有问题，n = 120）" in r.text


def test_weight_digit_preference_silent_on_uniform_digits() -> None:
    uniform = [i % 10 for i in range(150)]
    r = result(run("DQ-F06", scan(exams=exams([None] * 150, weight_kg=weights(uniform), length_cm=weights(uniform)))))
    assert r.status == "passed" and "DPS = 0" in r.text


def test_digit_preference_per_examiner() -> None:
    heaped = [0] * 120
    uniform = [i % 10 for i in range(120)]
    cols = exams([None] * 240, weight_kg=weights(heaped + uniform), length_cm=weights(uniform + uniform),
                 examiner=["李医生"] * 120 + ["王医生"] * 120)
    out = run("DQ-F07", scan(exams=cols))
    assert result(out, subject="李医生").status == "fired"
    assert result(out, subject="王医生").status == "passed"


def bp_unit(unit: int, zero_every: int) -> dict[str, list]:
    sbp = [110 + (i % 10) if i % zero_every else 120 for i in range(40)]
    return anc(sbp, [70 + (i % 10) if i % zero_every else 80 for i in range(40)], unit=unit)


def test_bp_digits_judged_against_peers() -> None:
    units = [bp_unit(u, 3 + u % 2) for u in range(2, 7)] + [bp_unit(1, 1)]
    out = run("DQ-F09", scan(antenatal=merge(*units)), units=[1, 2, 3, 4, 5, 6])
    assert result(out, 1).status == "fired" and "末位为 0 的占 100%" in result(out, 1).text
    assert result(out, 2).status == "passed"


def test_bp_digits_with_too_few_peers_cannot_judge() -> None:
    out = run("DQ-F09", scan(antenatal=merge(bp_unit(1, 1), bp_unit(2, 3))), units=[1, 2])
    assert result(out, 1).status == "undecided" and "同级单位不足 5 个" in result(out, 1).text


def child_exams(birth: list[date], exam: list[date], unit: int = 1) -> dict[str, list]:
    n = len(birth)
    return {"exam_id": list(range(1, n + 1)), "record_id": [i // 3 + 1 for i in range(n)], "unit_id": [unit] * n,
            "birth_date": birth, "exam_on": exam, "in_period": [True] * n}


def test_exams_on_the_monthiversary_fire() -> None:
    births = [date(2011, 6, 1 + i % 20) for i in range(36)]
    exam = [date(2012, 1 + i % 3, b.day) for i, b in enumerate(births)]
    out = run("DQ-F10", scan(exams=child_exams(births, exam)))
    assert result(out).status == "fired" and "36 次（100.0%）恰好在满月龄当天" in result(out).text
    assert len(out.hits) == 12


def test_exams_spread_around_the_schedule_are_fine() -> None:
    births = [date(2011, 6, 1 + i % 20) for i in range(36)]
    exam = [date(2012, 1 + i % 3, 1 + (b.day + 3 + i) % 27) for i, b in enumerate(births)]
    assert result(run("DQ-F10", scan(exams=child_exams(births, exam)))).status == "passed"


def visits_on(unit: int, dates: list[date]) -> dict[str, list]:
    n = len(dates)
    return {"visit_id": list(range(1, n + 1)), "record_id": list(range(1, n + 1)), "unit_id": [unit] * n,
            "visit_on": dates, "in_period": [True] * n}


def test_sundays_and_holidays_against_peers() -> None:
    weekdays = [d for d in days(date(2012, 1, 4), 80) if d.weekday() < 5][:40]  # includes holiday 1-23
    sundays = [d for d in days(date(2012, 1, 1), 90) if d.weekday() == 6][:12]
    data = scan(antenatal=merge(visits_on(1, weekdays[:28] + sundays), visits_on(2, weekdays),
                                visits_on(3, weekdays)),
                holidays={"day": [date(2012, 1, 23)]})
    out = run("DQ-F11", data, units=[1, 2, 3])
    assert result(out, 1).status == "fired" and "13 次（32.5%）在星期日或法定节假日" in result(out, 1).text
    assert result(out, 2).status == "passed"


def reports(unit: int, values: list[float], code: str = "LIVE_BIRTHS") -> dict[str, list]:
    months = [f"2011{m:02d}" for m in range(4, 13)] + ["201201", "201202", "201203"]
    months = months[-len(values):]
    return {"unit_id": [unit] * len(values), "month": months, "code": [code] * len(values), "value": values,
            "aggregation": ["sum"] * len(values), "midx": [int(m[:4]) * 12 + int(m[4:]) - 1 for m in months]}


def test_too_even_monthly_counts_fire() -> None:
    out = run("DQ-F12", scan(reports=reports(1, [30, 30, 31, 30, 30, 30, 29, 30, 30, 30, 31, 30])))
    r = result(out)
    assert r.status == "fired" and "活产数" not in r.text  # labels has no element names here
    assert "LIVE_BIRTHS 12 个月均值 30" in r.text


def test_poisson_like_counts_pass_and_zero_counts_cannot_judge() -> None:
    real = [22, 35, 28, 41, 30, 19, 33, 27, 38, 25, 31, 29]
    assert result(run("DQ-F12", scan(reports=reports(1, real)))).status == "passed"
    zero = result(run("DQ-F12", scan(reports=reports(1, [0.0] * 12))))
    assert zero.status == "undecided" and "计数太小" in zero.text
