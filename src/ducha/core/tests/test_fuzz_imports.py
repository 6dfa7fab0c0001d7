"""Every malformed file of the generated corpus, fed to every import path, is refused cleanly.

Paths: the report import (action, ``import-reports``, the upload page as officer_a), the register
import (action, ``import-registers``, the upload page as officer_a) and the org-unit import (action and
``import-units`` as admin; it has no upload page). For each file and path: no exception other than
the import's own refusal (no traceback, no HTTP 500), a Chinese message with a stable id
(``IMP0xx``/``REG0xx``), and not one row written (data values, submissions, org units, register
records, import batches, audit rows).
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from ducha.audit.models import AuditEntry
from ducha.core.excel_io import ImportFileError
from ducha.core.tests.fuzz_corpus import Sample, Target, corpus
from ducha.orgs.excel import UNIT_COLUMNS, import_units, read_units_workbook
from ducha.orgs.models import OrgUnit
from ducha.registers.actions import import_registers
from ducha.registers.models import (
    AntenatalVisit,
    ChildExam,
    ChildRecord,
    ImportBatch,
    PostpartumVisit,
    PregnancyRecord,
)
from ducha.reporting.actions import import_reports
from ducha.reporting.excel_read import data_set_elements, read_reports_workbook
from ducha.reporting.models import DataValue, Submission

PROBLEM_ID = re.compile(r"\b(IMP|REG)0\d\d\b")
CHINESE = re.compile(r"[\u4e00-\u9fff]")
MODELS = (DataValue, Submission, OrgUnit, PregnancyRecord, AntenatalVisit, PostpartumVisit, ChildRecord, ChildExam,
          ImportBatch, AuditEntry)
CHILD_HEAD = ["单位编码", "手册编号", "姓名", "性别", "出生日期", "出生体重（g）", "母亲手册编号", "村（居）"]


def _counts() -> dict[str, int]:
    return {m.__name__: m.objects.count() for m in MODELS}


def _targets(data_set: Any) -> dict[str, Target]:
    report_header = ["单位编码", "单位名称", "期间", *(e.name for e in data_set_elements(data_set))]
    return {
        "reports": Target(report_header, ["T01", "甲镇", "201201", "5"] + [""] * (len(report_header) - 4),
                          number_col=3, code_col=0, text_col=1, sheet="数据", stem="上报"),
        "registers": Target(CHILD_HEAD, ["T01", "E1", "王小宝", "男", "2011-01-01", "3000", "", "甲村"],
                            number_col=5, code_col=0, text_col=2, sheet="儿童手册", stem="甲镇_儿童手册"),
        "units": Target(list(UNIT_COLUMNS.values()), ["T77", "测试卫生院", "", "乡镇卫生院/社区卫生服务中心", "T00",
                                                      "100", "", ""],
                        number_col=5, code_col=0, text_col=1, sheet="组织机构", stem="机构"),
    }


def _refused(err: ImportFileError) -> str:
    assert err.problems, "an ImportFileError lists its problems"
    for p in err.problems:
        assert PROBLEM_ID.fullmatch(p.code), p.code
        assert CHINESE.search(p.message), p.message
    return str(err)


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _command(name: str, path: Path, user: str) -> str:
    out = io.StringIO()
    with pytest.raises(CommandError) as caught:
        call_command(name, str(path), user=user, stdout=out)
    assert CHINESE.search(str(caught.value)), str(caught.value)
    assert PROBLEM_ID.search(out.getvalue()), out.getvalue()[:2000]
    return out.getvalue()


def _page(response: Any) -> str:
    assert response.status_code in (200, 400), response.status_code
    html = response.content.decode()
    shown = 'id="problem-table"' in html or "field-error" in html  # the problem table, or the form's refusal
    assert shown and PROBLEM_ID.search(html), html[:3000]
    assert "Traceback" not in html
    return html


def _report_paths(mc: Any, tmp: Path) -> list[Callable[[Sample], Any]]:
    def action(s: Sample) -> None:
        with pytest.raises(ImportFileError) as caught:
            reports = read_reports_workbook(io.BytesIO(s.data), data_set=mc.data_set, actor=mc.officer_a,
                                            file_label=s.file_name)
            import_reports(actor=mc.officer_a, data_set=mc.data_set, reports=reports)
        _refused(caught.value)

    def command(s: Sample) -> None:
        path = tmp / s.file_name
        path.write_bytes(s.data)
        _command("import_reports", path, "officer_a")

    def web(s: Sample) -> None:
        upload = SimpleUploadedFile(s.file_name, s.data)
        _page(_client(mc.officer_a).post(reverse("reporting_excel:upload"),
                                         {"data_set": "MCH_MONTHLY", "file": upload}))

    return [action, command, web]


def _register_paths(mc: Any, tmp: Path) -> list[Callable[[Sample], Any]]:
    def action(s: Sample) -> None:
        with pytest.raises(ImportFileError) as caught:
            import_registers(actor=mc.officer_a, files=[(s.file_name, io.BytesIO(s.data))])
        _refused(caught.value)

    def command(s: Sample) -> None:
        path = tmp / s.file_name
        path.write_bytes(s.data)
        _command("import_registers", path, "officer_a")

    def web(s: Sample) -> None:
        upload = SimpleUploadedFile(s.file_name, s.data)
        _page(_client(mc.officer_a).post(reverse("registers:upload"), {"upload": upload}))

    return [action, command, web]


def _unit_paths(mc: Any, tmp: Path) -> list[Callable[[Sample], Any]]:
    def action(s: Sample) -> None:
        with pytest.raises(ImportFileError) as caught:
            rows = read_units_workbook(io.BytesIO(s.data), actor=mc.admin, file_label=s.file_name)
            import_units(actor=mc.admin, rows=rows)
        _refused(caught.value)

    def command(s: Sample) -> None:
        path = tmp / s.file_name
        path.write_bytes(s.data)
        _command("import_units", path, mc.admin.username)

    return [action, command]


PATHS = {"reports": _report_paths, "registers": _register_paths, "units": _unit_paths}


@pytest.mark.parametrize("target", list(PATHS))
def test_every_malformed_file_is_refused_on_every_path(mini_county: Any, tmp_path: Path, target: str) -> None:
    samples = corpus(_targets(mini_county.data_set)[target])
    assert len(samples) >= 50
    paths = PATHS[target](mini_county, tmp_path)
    before = _counts()
    failures = []
    for sample in samples:
        for path in paths:
            try:
                path(sample)
            except BaseException as exc:  # noqa: BLE001 — collect every failure, then report them all
                failures.append(f"{sample.name} / {path.__name__}: {type(exc).__name__}: {str(exc)[:300]}")
            if _counts() != before:
                failures.append(f"{sample.name} / {path.__name__}: rows written {_counts()} != {before}")
                before = _counts()
    assert not failures, "\n".join(failures)
