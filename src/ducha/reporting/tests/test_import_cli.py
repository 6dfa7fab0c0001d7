"""``ducha import-reports`` (management command ``import_reports``): all files or nothing."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from ducha.audit.models import AuditEntry
from ducha.reporting.models import DataValue, Submission
from ducha.reporting.tests.test_excel_template import counts, header_row, report_row, write_xlsx


def _run(*args: str, **options: Any) -> str:
    out = io.StringIO()
    call_command("import_reports", *args, stdout=out, stderr=io.StringIO(), **options)
    return out.getvalue()


def _folder(tmp_path: Path, ds: Any, *, bad: bool) -> Path:
    folder = tmp_path / "月报"
    folder.mkdir()
    write_xlsx(folder / "甲镇.xlsx", [header_row(ds), report_row(ds, "T01", "201201", PREG_TOTAL=30,
                                                                PREG_REGISTERED=25),
                                    report_row(ds, "T01", "201202", PREG_TOTAL=31, PREG_REGISTERED=40)])
    rows = [header_row(ds), report_row(ds, "T02", "201201", PREG_TOTAL=20)]
    if bad:
        rows.append(report_row(ds, "T03", "201201", PREG_TOTAL="二十"))
    write_xlsx(folder / "乙乡.xlsx", rows)
    (folder / "说明.txt").write_text("不是报表，不读取")
    return folder


def test_folder_with_one_bad_file_writes_nothing_and_lists_the_problem(mini_county: Any, tmp_path: Path) -> None:
    folder = _folder(tmp_path, mini_county.data_set, bad=True)
    before = counts()
    out = io.StringIO()
    with pytest.raises(CommandError) as caught:
        call_command("import_reports", str(folder), user="admin1", stdout=out)
    assert "1 个文件中共发现 1 个问题，未写入任何数据" in str(caught.value)
    table = out.getvalue()
    for fragment in ("发现 1 个问题", "乙乡.xlsx", "数据", "D（孕妇总数）", "二十", "不是数字", "IMP020"):
        assert fragment in table, table
    assert counts() == before


def test_good_folder_is_saved_in_one_go_with_a_summary(mini_county: Any, tmp_path: Path) -> None:
    folder = _folder(tmp_path, mini_county.data_set, bad=False)
    audit_before = AuditEntry.objects.count()
    out = _run(str(folder), user="inspector1")
    assert "导入完成（操作人 inspector1）：2 个文件，3 份报表，5 个数据值（新增或修改 5 个），校验规则不符 1 条" in out
    assert "VR01" in out and "201202" in out  # 孕期建卡人数 40 > 孕妇总数 31
    assert DataValue.objects.count() == 5
    assert Submission.objects.count() == 3
    assert AuditEntry.objects.filter(action="reporting.save_report").count() == 3
    assert AuditEntry.objects.count() == audit_before + 3
    value = DataValue.objects.get(org_unit__code="T01", period="201202", data_element__code="PREG_TOTAL")
    assert (value.value, value.created_by, value.source) == (31, mini_county.inspector, "甲镇.xlsx/数据/第3行")


def test_default_actor_is_the_first_system_admin(mini_county: Any, tmp_path: Path) -> None:
    ds = mini_county.data_set
    path = write_xlsx(tmp_path / "one.xlsx", [header_row(ds), report_row(ds, "T10", "201203", PREG_TOTAL=3)])
    out = _run(str(path))
    assert "操作人 admin1" in out
    assert DataValue.objects.get().created_by == mini_county.admin


def test_dry_run_checks_without_writing(mini_county: Any, tmp_path: Path) -> None:
    folder = _folder(tmp_path, mini_county.data_set, bad=False)
    before = counts()
    out = _run(str(folder), user="admin1", dry_run=True)
    assert "检查通过：2 个文件，3 份报表" in out
    assert counts() == before


def test_officer_cannot_import_another_township(mini_county: Any, tmp_path: Path) -> None:
    folder = _folder(tmp_path, mini_county.data_set, bad=False)
    before = counts()
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_reports", str(folder), user="officer_a", stdout=out)
    assert "不在您可填报的范围内" in out.getvalue() and "T02" in out.getvalue()
    assert counts() == before


@pytest.mark.parametrize(("args", "options", "message"), [
    (["{tmp}/nowhere.xlsx"], {"user": "admin1"}, "找不到文件或文件夹"),
    (["{tmp}/empty"], {"user": "admin1"}, "中没有 .xlsx 或 .csv 文件"),
    (["{tmp}/one.xlsx"], {"user": "nobody"}, "用户“nobody”不存在或已停用"),
    (["{tmp}/one.xlsx"], {"user": "leader1"}, "没有填报权限"),
    (["{tmp}/one.xlsx"], {"user": "admin1", "data_set": "NOPE"}, "没有编码为“NOPE”的报表"),
])
def test_command_errors_are_chinese_and_write_nothing(
        mini_county: Any, tmp_path: Path, args: list[str], options: dict[str, str], message: str) -> None:
    ds = mini_county.data_set
    write_xlsx(tmp_path / "one.xlsx", [header_row(ds), report_row(ds, "T01", "201201", PREG_TOTAL=3)])
    (tmp_path / "empty").mkdir()
    before = counts()
    with pytest.raises(CommandError, match=message):
        _run(*(a.format(tmp=tmp_path) for a in args), **options)
    assert counts() == before


def test_no_admin_and_no_user_given(db: Any, tmp_path: Path) -> None:
    from ducha.reporting.mch_pack import install_mch_data_set

    install_mch_data_set()
    with pytest.raises(CommandError, match="没有找到超级用户或系统管理员"):
        _run(str(tmp_path))
