"""``ducha quality scan``: the tables printed, --out xlsx and json, Chinese errors, nothing written on error."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from openpyxl import load_workbook

from ducha.quality.models import QualityRun
from ducha.quality.tests.registerdata import build_registers


@pytest.fixture
def county(mini_county: Any) -> Any:
    build_registers(mini_county)
    mini_county.admin.is_superuser = True
    mini_county.admin.save()
    return mini_county


def scan(*args: str) -> str:
    out = io.StringIO()
    call_command("quality", "scan", *args, stdout=out)
    return out.getvalue()


def test_scan_prints_scores_and_top_suspects(county: Any) -> None:
    text = scan("--period", "2012Q1")
    assert "测试县 2012Q1 数据质量得分" in text and "甲镇" in text and "乙乡" in text
    assert "风险最高的可疑手册" in text and "A000 甲0" in text and "DQ-F01 集中录入" in text
    assert QualityRun.objects.count() == 1


def test_scan_writes_xlsx(county: Any, tmp_path: Path) -> None:
    target = tmp_path / "quality.xlsx"
    text = scan("--period", "2012Q1", "--unit", "T00", "--out", str(target))
    assert f"已写入 {target}" in text
    book = load_workbook(target)
    assert book.sheetnames == ["单位得分", "检查结果", "可疑记录"]
    scores = list(book["单位得分"].iter_rows(values_only=True))
    assert scores[0][:4] == ("单位编码", "单位", "得分", "等级") and {r[0] for r in scores[1:]} == {"T01", "T02", "T03", "T10"}
    verdict = {r[0]: r[scores[0].index("编造判定")] for r in scores[1:]}  # the verdict and its grounds go out too
    assert verdict["T01"] in ("疑似编造", "需核实") and "DQ-F01" in scores[[r[0] for r in scores].index("T01")][-1]
    assert set(verdict.values()) <= {"疑似编造", "需核实", "未见编造迹象", "无法判断"}
    suspects = list(book["可疑记录"].iter_rows(values_only=True))
    assert suspects[1][1] == "甲镇" and suspects[1][3] == "A000" and "DQ-F01" in suspects[1][6]
    results = list(book["检查结果"].iter_rows(values_only=True))
    assert any(r[2] == "DQ-F01" and r[6] == "可疑" and "录入 30 张卡片" in r[10] for r in results[1:])


def test_scan_writes_json(county: Any, tmp_path: Path) -> None:
    target = tmp_path / "quality.json"
    scan("--period", "2012Q1", "--unit", "T01", "--out", str(target))
    data = json.loads(target.read_text(encoding="utf-8"))
    assert data["period"] == "2012Q1" and data["root"] == "T01"
    assert [s["单位编码"] for s in data["单位得分"]] == ["T01"]
    assert data["可疑记录"][0]["手册编号"] == "A000"


@pytest.mark.parametrize(("args", "message"), [
    (["--period", "2012Q5"], "无法识别的期间“2012Q5”"),
    (["--period", "2012Q1", "--unit", "NOPE"], "单位编码“NOPE”不存在"),
    (["--period", "2012Q1", "--out", "result.csv"], "输出文件“result.csv”的扩展名应为 .xlsx 或 .json"),
    (["--period", "2012Q1", "--out", "/no/such/dir/x.xlsx"], "所在的文件夹不存在"),
    (["--period", "2012Q1", "--user", "leader1"], "只有督查员和系统管理员可以运行质量检查"),
])
def test_bad_input_is_refused_in_chinese(county: Any, args: list[str], message: str) -> None:
    with pytest.raises(CommandError, match=message):
        scan(*args)
    assert not QualityRun.objects.exists()
