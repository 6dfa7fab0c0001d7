"""County B's second group of held-out fabrication kinds and honest oddities (``build(..., holdout_kinds2=True)``):
deterministic per seed, every kind and oddity used, truth.json names records that are in the written registers,
and the county imports through the public CLI without a problem."""

from __future__ import annotations

import json
import sys
from collections import Counter
from datetime import date, datetime
from itertools import zip_longest
from pathlib import Path
from typing import Any

import pytest
from cli_support import ScratchDatabases
from openpyxl import load_workbook
from test_county_b import _content_digest, import_through_cli

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.county_b import build as build_cli  # noqa: E402
from benchmarks.county_b.build import build  # noqa: E402
from benchmarks.county_b.fakes_holdout2 import HOLDOUT2_KINDS  # noqa: E402
from benchmarks.county_b.oddities_holdout2 import ODDITIES  # noqa: E402


def _day(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    y, rest = str(value).split("年")
    m, d = rest.rstrip("日").split("月")
    return date(int(y), int(m), int(d))


def _rows(data: Path, code: str, sheet: str) -> list[dict[str, Any]]:
    """Rows of one sheet of a township's register files, as dicts by header."""
    out: list[dict[str, Any]] = []
    for path in sorted((data / "registers").glob(f"{code}_*.xlsx")):
        wb = load_workbook(path, read_only=True)
        if sheet in wb.sheetnames:
            rows = list(wb[sheet].iter_rows(values_only=True))
            out += [dict(zip_longest(rows[0], r)) for r in rows[1:]]   # read-only rows drop trailing blanks
    return out


@pytest.fixture(scope="module")
def county(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    data = tmp_path_factory.mktemp("holdout2") / "a"
    return data, build(23, data, townships=7, fabricating=6, metadata=True, holdout_kinds2=True)


def test_the_build_is_deterministic_per_seed(county: tuple[Path, dict[str, Any]], tmp_path: Path) -> None:
    data, truth = county
    again = build(23, tmp_path / "b", townships=7, fabricating=6, metadata=True, holdout_kinds2=True)
    assert again == truth
    assert _content_digest(tmp_path / "b") == _content_digest(data)
    other = build(24, tmp_path / "c", townships=7, fabricating=6, metadata=True, holdout_kinds2=True)
    assert _content_digest(tmp_path / "c") != _content_digest(data) and other["seed"] == 24


def test_every_kind_and_oddity_is_used_and_truth_lists_records_in_the_registers(
        county: tuple[Path, dict[str, Any]]) -> None:
    data, truth = county
    assert truth["holdout_kinds2"] == list(HOLDOUT2_KINDS) and truth["oddities"] == ODDITIES
    assert set(HOLDOUT2_KINDS) <= {k for t in truth["townships"] for k in t["kinds"]}
    saved = json.loads((data / "truth.json").read_text(encoding="utf-8"))
    assert [t["records"] for t in saved["townships"]] == [t["records"] for t in truth["townships"]]
    for t in truth["townships"]:
        written = {r["手册编号"] for sheet in ("孕产妇手册", "儿童体检") for r in _rows(data, t["code"], sheet)}
        assert len(written) >= t["pregnancies"] and written, t["code"]
        for kind, records in t["records"].items():
            assert set(records) <= written, (t["code"], kind)
            # a made-up monthly report touches no register card; every other kind touches some
            assert bool(records) == (kind != "report_made_up") or kind in ("high_risk_hidden", "register_vs_report")
    honest = [t for t in truth["townships"] if not t["fabricating"]]
    assert [t["oddities"] for t in honest] == [list(ODDITIES)] and not honest[0]["records"]
    assert all(text in honest[0]["note"] for text in ODDITIES.values())


def test_the_kinds_do_what_their_names_say(county: tuple[Path, dict[str, Any]]) -> None:
    data, truth = county
    by_kind = {k: t for t in truth["townships"] for k in t["kinds"]}
    t = by_kind["phone_visits"]
    calls = [r for r in _rows(data, t["code"], "产后访视") if r["手册编号"] in set(t["records"]["phone_visits"])]
    assert len(Counter(_day(r["访视日期"]).weekday() for r in calls)) == 1
    assert len({r["访视者"] for r in calls}) == 1
    t = by_kind["double_registered"]
    cards = {r["手册编号"]: r for r in _rows(data, t["code"], "孕产妇手册")}
    for number in t["records"]["double_registered"]:
        dup = cards[number]
        assert dup["身份证号"] is None
        twins = [c for c in cards.values() if c["手册编号"] != number and c["村（居）"] == dup["村（居）"]
                 and c["孕次"] == dup["孕次"] and c["血型"] == dup["血型"] and c["姓名"] != dup["姓名"]
                 and len(set(c["姓名"]) & set(dup["姓名"])) >= 1]
        assert twins, number
    t = by_kind["last_year_copied"]
    exams = [r for r in _rows(data, t["code"], "儿童体检") if r["手册编号"] in set(t["records"]["last_year_copied"])]
    values = {(r["手册编号"], r["体重（kg）"], r["身长/身高（cm）"]): _day(r["体检日期"]) for r in exams
              if _day(r["体检日期"]).year == 2011}
    copied = [r for r in exams if _day(r["体检日期"]) >= date(2012, 1, 1)]
    assert copied and all((r["手册编号"], r["体重（kg）"], r["身长/身高（cm）"]) in values for r in copied)
    t = by_kind["shared_lmp"]
    lmps = Counter(_day(r["末次月经"]) for r in _rows(data, t["code"], "孕产妇手册")
                   if r["手册编号"] in set(t["records"]["shared_lmp"]))
    assert lmps.most_common(1)[0][1] >= 3


def test_both_groups_at_once_are_refused_in_chinese_and_nothing_is_written(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        build_cli.main(["--seed", "5", "--out", str(tmp_path / "x"), "--holdout-kinds", "--holdout-kinds2"])
    assert "--holdout-kinds 与 --holdout-kinds2 是两组，只能选一个" in capsys.readouterr().err
    assert not (tmp_path / "x").exists()
    with pytest.raises(ValueError):
        build(5, tmp_path / "y", townships=2, fabricating=1, holdout_kinds=True, holdout_kinds2=True)
    assert not (tmp_path / "y").exists()


def test_holdout_kinds2_county_imports_through_the_cli_without_a_problem(scratch_databases: ScratchDatabases,
                                                                         tmp_path: Path) -> None:
    data = tmp_path / "county"
    truth = build(31, data, townships=4, fabricating=3, metadata=True, submission_time=False, holdout_kinds2=True)
    assert {k for t in truth["townships"] for k in t["kinds"]} & set(HOLDOUT2_KINDS)
    import_through_cli(scratch_databases, tmp_path, data, truth)
