"""DUCHA_QUALITY is checked against the check registry at start-up: a typo is an error, never ignored."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.test import override_settings

from ducha.quality.checks.base import catalogue

DOCUMENTED_EXAMPLE = {  # docs/quality-checks.md “阈值设置”
    "DQ-R01": {"min_rate": 0.85},
    "DQ-R09": {"birth_rate_per_1000": 11.2},
    "DQ-R08": {"pairs": [["PREG_REGISTERED", "ANC1"]]},
    "DQ-F06": {"max_dps": 15, "min_n": 200},
    "core_elements": ["PREG_REGISTERED", "LIVE_BIRTHS"],
}


def check_output(conf: Any) -> str:
    with override_settings(DUCHA_QUALITY=conf), pytest.raises(SystemCheckError) as raised:
        call_command("check")
    return str(raised.value)


def test_the_documented_example_and_every_default_pass(capsys: pytest.CaptureFixture[str]) -> None:
    defaults = {c.id: {**c.defaults, "min_n": c.min_n, "severity": int(c.severity)} for c in catalogue()}
    for conf in (DOCUMENTED_EXAMPLE, defaults, {}):
        with override_settings(DUCHA_QUALITY=conf):
            call_command("check")
        assert "no issues" in capsys.readouterr().out


@pytest.mark.parametrize(("check_id", "conf", "words"), [
    ("ducha.E020", ["DQ-R01"], ["DUCHA_QUALITY", "应为字典"]),
    ("ducha.E021", {"DQ-R1": {"min_rate": 0.8}}, ["DUCHA_QUALITY", "“DQ-R1”", "不是数据质量检查的编号"]),
    ("ducha.E022", {"DQ-R01": 0.8}, ['DUCHA_QUALITY["DQ-R01"]', "应为参数字典", "0.8"]),
    ("ducha.E023", {"DQ-R01": {"min_ratio": 0.8}}, ['DUCHA_QUALITY["DQ-R01"]["min_ratio"]', "不是检查 DQ-R01",
                                                    "阈值名称"]),
    ("ducha.E024", {"DQ-F06": {"severity": 5}}, ['DUCHA_QUALITY["DQ-F06"]["severity"]', "5", "严重程度"]),
    ("ducha.E025", {"DQ-F06": {"min_n": 0}}, ['DUCHA_QUALITY["DQ-F06"]["min_n"]', "0", "最少样本量"]),
    ("ducha.E026", {"DQ-R01": {"min_rate": "85%"}}, ['DUCHA_QUALITY["DQ-R01"]["min_rate"]', "'85%'", "类型不对"]),
    ("ducha.E026", {"DQ-F06": {"peer_z": "2.5σ"}}, ['DUCHA_QUALITY["DQ-F06"]["peer_z"]', "'2.5σ'", "类型不对"]),
    ("ducha.E026", {"DQ-F10": {"child_days": [30, "42天"]}}, ['DUCHA_QUALITY["DQ-F10"]["child_days"]', "'42天'",
                                                           "正整数（天数）的列表"]),
    ("ducha.E027", {"DQ-R01": {"min_rate": 85}}, ['DUCHA_QUALITY["DQ-R01"]["min_rate"]', "85", "超出范围"]),
    ("ducha.E027", {"DQ-V01": {"low": 1.2}}, ['DUCHA_QUALITY["DQ-V01"]', "low（1.2）应小于 high（1.1）"]),
    ("ducha.E028", {"core_elements": ["PREG_REGISTERED", "live births"]}, ['DUCHA_QUALITY["core_elements"]',
                                                                          "“live births”", "不是数据元编码"]),
    ("ducha.E028", {"DQ-R08": {"pairs": [["PREG_REGISTERED", "anc1"]]}}, ['DUCHA_QUALITY["DQ-R08"]["pairs"]',
                                                                         "“anc1”"]),
])
def test_a_wrong_quality_setting_is_a_chinese_error(check_id: str, conf: Any, words: list[str]) -> None:
    output = check_output(conf)
    line = next(li for li in output.splitlines() if f"({check_id})" in li)
    for word in words:
        assert word in line, (word, line)
    assert "docs/quality-checks.md" in output


def test_an_unknown_threshold_name_lists_the_names_the_check_has() -> None:
    output = check_output({"DQ-F06": {"max_dsp": 15}})
    assert "DQ-F06 可设置的是：max_dps、peer_z、min_peers、habit_share、min_n、severity" in output


def test_a_misspelt_check_id_suggests_the_right_one() -> None:
    assert "是否应为“DQ-R01”" in check_output({"DQ-R1": {}})


def test_every_problem_is_listed_at_once() -> None:
    output = check_output({"DQ-X99": {}, "DQ-R02": {"min_rate": 2, "severity": 0}, "DQ-R04": {"months": 12.5}})
    for found in ("(ducha.E021)", "(ducha.E027)", "(ducha.E024)", "(ducha.E026)"):
        assert found in output
