"""``ducha indicators``: the same table as the page, as CSV, Excel or a terminal table."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.management import CommandError, call_command
from openpyxl import load_workbook

from ducha.core.periods import parse_period
from ducha.reporting.actions import save_report


@pytest.fixture
def reported(mini_county):
    mc = mini_county
    mc.admin.is_superuser = True
    mc.admin.save()
    for unit, preg, reg in ((mc.town_a, 40, 30), (mc.town_b, 60, 30)):
        save_report(actor=mc.admin, data_set=mc.data_set, unit_code=unit.code, period=parse_period("201202"),
                    values={"PREG_TOTAL": preg, "PREG_REGISTERED": reg})
    return mc


def test_csv_prints_total_then_ranked_units(reported, capsys):
    call_command("indicators", "--period", "2012Q1", "--format", "csv", "--unit", "T00",
                 "--indicator", "REG_RATE")
    rows = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    assert rows[0][:6] == ["指标", "单位编码", "单位", "分子", "分母", "值"]
    assert rows[1][:6] == ["建卡率", "T00", "测试县", "60", "100", "60"]
    assert rows[2][1:3] == ["T01", "甲镇"] and rows[2][5] == "75" and rows[2][10] == "1/2"
    assert rows[3][1] == "T02" and rows[3][10] == "2/2"


def test_xlsx_file_opens_with_the_same_numbers(reported, tmp_path):
    out = tmp_path / "指标.xlsx"
    call_command("indicators", "--period", "2012Q1", "--format", "xlsx", "--out", str(out),
                 "--indicator", "REG_RATE", "--unit", "T00")
    sheet = load_workbook(out).active
    assert sheet["A1"].value == "测试县 2012年第一季度 指标完成情况"
    assert [c.value for c in sheet[3]][:6] == ["建卡率", "T00", "测试县", 60, 100, 60]
    assert [c.value for c in sheet[2]][-2:] == ["位次", "参与排名单位数"]
    ranks = [(row[1].value, row[10].value, row[11].value) for row in sheet.iter_rows(min_row=4)]
    assert ranks[:2] == [("T01", 1, 2), ("T02", 2, 2)]  # numbers, not the text "1/2"
    assert all(rank is None for _, rank, _ in ranks[2:])  # units without a value are not ranked
    assert sheet.auto_filter.ref == f"A2:L{sheet.max_row}"


@pytest.mark.parametrize(("args", "message"), [
    (["--period", "2012Q7"], "无法识别的期间“2012Q7”"),
    (["--period", "2012Q1", "--unit", "NOPE"], "单位编码“NOPE”不存在"),
    (["--period", "2012Q1", "--indicator", "NOPE"], "没有指标 NOPE"),
    (["--period", "2012Q1", "--format", "xlsx"], "需要 --out"),
])
def test_bad_arguments_get_chinese_errors(reported, args, message):
    with pytest.raises(CommandError) as exc:
        call_command("indicators", *args)
    assert message in str(exc.value)


def test_a_period_without_any_report_says_so_instead_of_ranking_zeros(reported, tmp_path, capsys):
    out = tmp_path / "空.xlsx"
    with pytest.raises(CommandError, match="测试县2013年第一季度没有任何月报数据，不输出指标表"):
        call_command("indicators", "--period", "2013Q1", "--format", "xlsx", "--out", str(out), "--unit", "T00")
    assert not out.exists()
    assert "1/" not in capsys.readouterr().out
