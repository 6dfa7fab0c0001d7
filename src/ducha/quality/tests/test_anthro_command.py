"""``ducha anthro IN.csv --out OUT.csv``: WHO z-scores for a table of children, or every problem listed."""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd
import pytest
from django.core.management import CommandError, call_command
from openpyxl import Workbook

from ducha.quality.tests.test_zscores import REFERENCE

HEADER = "sex,age_days,weight_kg,length_cm,measure\n"


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("anthro", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def fail(*args: str) -> tuple[str, str]:
    out = io.StringIO()
    with pytest.raises(CommandError) as caught:
        call_command("anthro", *args, stdout=out, stderr=io.StringIO())
    return str(caught.value), out.getvalue()


def test_who_reference_children_through_the_command(tmp_path: Path) -> None:
    ref = pd.read_csv(REFERENCE)
    source = tmp_path / "children.csv"
    pd.DataFrame({"编号": ref["id"], "sex": ref["GENDER"], "age_days": ref["age.days"], "weight_kg": ref["WEIGHT"],
                  "length_cm": ref["HEIGHT"], "measure": ref["measure"], "oedema": ref["oedema"]}).to_csv(
        source, index=False)
    target = tmp_path / "scored.csv"
    printed = run(str(source), "--out", str(target))
    assert f"完成：498 行 → {target}；标记为异常值 WAZ 0，LAZ 0，WLZ 0，BAZ 0" in printed
    assert "z 评分汇总" in printed and "485" in printed  # WAZ computed for 485 children
    out = pd.read_csv(target, encoding="utf-8-sig")
    assert list(out.columns) == ["编号", "sex", "age_days", "weight_kg", "length_cm", "measure", "oedema",
                                 "waz", "laz", "wlz", "baz", "fwaz", "flaz", "fwlz", "fbaz"]
    assert out["编号"].tolist() == ref["id"].tolist()
    young = ref["age.days"] <= 1826
    for ours, who in (("waz", "zwei"), ("laz", "zlen"), ("wlz", "zwfl"), ("baz", "zbmi")):
        both = young & ref[who].notna()
        assert both.sum() > 450
        assert (out.loc[both, ours] == ref.loc[both, who]).all()
        assert out.loc[ref[who].isna(), ours].isna().all()
    text = target.read_text(encoding="utf-8-sig").splitlines()
    assert text[1].endswith(",-0.57,-0.07,-0.81,-0.79,0,0,0,0")  # 2 decimals, flags as 0/1


def test_chinese_headers_gbk_and_xlsx(tmp_path: Path) -> None:
    source = tmp_path / "体检.csv"
    source.write_bytes("姓名,性别,日龄,体重,身长/身高,测量方式\n张三,男,1522,17,,\n李四,2,1522,17,104.5,立位\n".encode("gbk"))
    target = tmp_path / "结果.csv"
    run(str(source), "--out", str(target))
    out = pd.read_csv(target, encoding="utf-8-sig")
    assert out["姓名"].tolist() == ["张三", "李四"]
    assert out["waz"].tolist()[1] == 0.24  # WHO's single case: girl, 1522 days, 17 kg
    assert pd.isna(out["laz"][0]) and pd.isna(out["flaz"][0])
    book = Workbook()
    sheet = book.active
    for row in (["sex", "age_days", "weight_kg", "length_cm", "measure"], [2, 1522, 17, 104.5, "H"]):
        sheet.append(row)
    book.save(tmp_path / "体检.xlsx")
    run(str(tmp_path / "体检.xlsx"), "--out", str(tmp_path / "x.csv"))
    assert pd.read_csv(tmp_path / "x.csv", encoding="utf-8-sig")["waz"].tolist() == [0.24]


def test_missing_columns_are_named_and_nothing_is_written(tmp_path: Path) -> None:
    source = tmp_path / "in.csv"
    source.write_text("sex,weight_kg\n1,9\n", encoding="utf-8")
    target = tmp_path / "out.csv"
    message, table = fail(str(source), "--out", str(target))
    assert "发现 1 个问题，未写入输出文件" in message
    assert "文件“in.csv” 第 1 行：缺少列：age_days、length_cm" in message
    assert "IMP010" in table and "未写入输出文件" in table
    assert not target.exists()


def test_text_in_number_cells_names_row_and_column(tmp_path: Path) -> None:
    source = tmp_path / "in.csv"
    source.write_text(HEADER + "1,300,九点一,70,l\n\n3,300,9,70,x\n1,-2,0,70,h\n2,300,9,七十,卧\n", encoding="utf-8")
    target = tmp_path / "out.csv"
    message, table = fail(str(source), "--out", str(target))
    assert "发现 6 个问题" in message
    assert "文件“in.csv” 第 2 行 C 列（weight_kg）：不是数字，值为“九点一”" in message
    for fragment in ("IMP020", "IMP021", "IMP027", "九点一", "七十", "不能为负数", "必须大于 0",
                     "取值不在允许范围内", "1（男）或 2（女）", "l（卧位测身长）或 h（立位测身高）"):
        assert fragment in table, fragment
    lines = [line for line in table.splitlines() if "in.csv" in line]
    # row numbers as Excel shows them: the blank line 3 is skipped but counted
    assert [line.split("│")[4].strip() for line in lines] == ["2", "4", "4", "5", "5", "6"]
    assert not target.exists()


def test_duplicate_column_empty_file_and_no_rows(tmp_path: Path) -> None:
    source = tmp_path / "dup.csv"
    source.write_text("sex,age_days,weight_kg,length_cm,体重\n1,300,9,70,9\n", encoding="utf-8")
    message, _ = fail(str(source), "--out", str(tmp_path / "o.csv"))
    assert "E 列（体重）：与 C 列重复" in message
    empty = tmp_path / "empty.csv"
    empty.write_text("", encoding="utf-8")
    assert "文件是空的" in fail(str(empty), "--out", str(tmp_path / "o.csv"))[0]
    header_only = tmp_path / "header.csv"
    header_only.write_text(HEADER, encoding="utf-8")
    assert "没有数据行" in fail(str(header_only), "--out", str(tmp_path / "o.csv"))[0]
    assert not (tmp_path / "o.csv").exists()


def test_bad_paths(tmp_path: Path) -> None:
    source = tmp_path / "in.csv"
    source.write_text(HEADER + "1,300,9,70,l\n", encoding="utf-8")
    assert "找不到输入文件" in fail(str(tmp_path / "nope.csv"), "--out", str(tmp_path / "o.csv"))[0]
    assert "输出文件不能与输入文件相同" in fail(str(source), "--out", str(source))[0]
    assert "应为 .csv 文件" in fail(str(source), "--out", str(tmp_path / "o.xlsx"))[0]
    assert "不存在" in fail(str(source), "--out", str(tmp_path / "no" / "o.csv"))[0]
    assert source.read_text(encoding="utf-8") == HEADER + "1,300,9,70,l\n"


def test_flags_and_blank_cells(tmp_path: Path) -> None:
    source = tmp_path / "in.csv"
    # a 300-day boy of 20 kg is far beyond WAZ 5; blank sex gives no z-scores at all
    source.write_text(HEADER + "1,300,20,70,l\n,300,9,70,l\n1,300,,,\n", encoding="utf-8")
    target = tmp_path / "out.csv"
    printed = run(str(source), "--out", str(target))
    out = pd.read_csv(target, encoding="utf-8-sig")
    assert out["fwaz"].tolist()[0] == 1 and out["waz"][0] > 5
    assert out.iloc[1][["waz", "laz", "wlz", "baz", "fwaz"]].isna().all()
    assert out.iloc[2][["waz", "laz"]].isna().all()
    assert "完成：3 行" in printed and "WAZ 1" in printed
