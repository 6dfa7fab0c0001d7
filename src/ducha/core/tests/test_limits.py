"""The one set of limits: what counts as a whole number, clean text and a unit code."""

from __future__ import annotations

import pytest

from ducha.core.excel_io import code_text
from ducha.core.exports import neutralise
from ducha.core.limits import DEFAULT_COUNT_MAX, LimitError, check_count, check_text, check_unit_code


@pytest.mark.parametrize(("raw", "expected"), [("12", 12), ("１２", 12), ("1,234", 1234), (" 7 ", 7), (0, 0)])
def test_whole_numbers_are_read(raw: object, expected: int) -> None:
    assert check_count(raw, label="孕妇总数") == expected


@pytest.mark.parametrize("raw", ["1_000", "٣", "²", "1e3", "inf", "-1", "1.5", "", True, 1.0, -1])
def test_what_is_not_a_whole_number_is_refused_in_chinese(raw: object) -> None:
    with pytest.raises(LimitError, match="“孕妇总数”"):
        check_count(raw, label="孕妇总数")


def test_the_maximum_is_the_elements_own() -> None:
    assert check_count(DEFAULT_COUNT_MAX, label="x") == DEFAULT_COUNT_MAX
    with pytest.raises(LimitError, match="数值过大"):
        check_count(DEFAULT_COUNT_MAX + 1, label="x")
    with pytest.raises(LimitError, match="不应超过 50"):
        check_count("51", label="x", maximum=50)
    with pytest.raises(LimitError, match="数值过大"):
        check_count("9" * 400, label="x")


@pytest.mark.parametrize("hidden", ["\u202e", "\u200b", "\x1b[31m", "\x00", "\u2028"])
def test_text_with_hidden_characters_is_refused(hidden: str) -> None:
    with pytest.raises(LimitError, match="不可见的控制字符"):
        check_text(f"甲{hidden}镇", label="名称", max_length=100)


def test_multi_line_text_may_hold_line_breaks_but_not_escapes() -> None:
    assert check_text("第一行\n第二行", label="说明", max_length=100, single_line=False) == "第一行\n第二行"
    with pytest.raises(LimitError):
        check_text("第一行\n第二行", label="名称", max_length=100)
    with pytest.raises(LimitError):
        check_text("a\x1b[2Jb", label="说明", max_length=100, single_line=False)
    with pytest.raises(LimitError, match="过长"):
        check_text("甲" * 101, label="名称", max_length=100)


@pytest.mark.parametrize("code", ["411326008/x", "T01 x", "T01.x", "", "-T01", "_T01", "T" * 33, "西簧", "T01\u200b"])
def test_unit_codes_that_could_forge_a_path_or_a_formula_are_refused(code: str) -> None:
    with pytest.raises(LimitError, match="单位编码"):
        check_unit_code(code)


def test_a_code_exported_by_ducha_reads_back_unchanged() -> None:
    assert code_text(neutralise("=T01")) == "=T01"
    assert code_text("T01") == "T01"
    assert code_text(101.0) == "101"
