"""``ducha quality docs`` works on a fresh machine: no database set up, none created, none connected to."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from ducha.quality.catalogue_docs import BEGIN, DOC_PATH, END, render_catalogue, split_document

UNREACHABLE = "postgresql://nobody@127.0.0.1:1/ducha_nowhere"  # nothing listens on port 1


def run_ducha(home: Path, *args: str, database_url: str | None = None) -> subprocess.CompletedProcess[str]:
    script = Path(sys.executable).with_name("ducha")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "ducha.cli"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("DUCHA_") and k != "DJANGO_SETTINGS_MODULE"}
    env["DUCHA_HOME"] = str(home)
    if database_url:
        env["DUCHA_DATABASE_URL"] = database_url
    cwd = home.parent / "elsewhere"
    cwd.mkdir(exist_ok=True)
    return subprocess.run([*command, *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=300)


@pytest.fixture
def fresh_home(tmp_path: Path) -> Path:
    """A data folder that has never seen ``ducha migrate`` (it does not even exist yet)."""
    return tmp_path / "never-migrated"


def test_docs_prints_the_catalogue_without_a_database(fresh_home: Path) -> None:
    done = run_ducha(fresh_home, "quality", "docs")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == render_catalogue()
    assert done.stdout.startswith(BEGIN) and END in done.stdout and "| DQ-R01 |" in done.stdout
    assert "数据库还没有建立" not in done.stderr and "Traceback" not in done.stderr
    assert not (fresh_home / "ducha.sqlite3").exists()  # no empty SQLite file made on the way


def test_docs_needs_no_database_server(fresh_home: Path) -> None:
    done = run_ducha(fresh_home, "quality", "docs", database_url=UNREACHABLE)
    assert done.returncode == 0, done.stderr
    assert "| DQ-R01 |" in done.stdout and "无法连接数据库" not in done.stderr


def test_docs_write_checks_the_document_without_a_database(fresh_home: Path) -> None:
    committed = DOC_PATH.read_text(encoding="utf-8")
    assert split_document(committed)[1] == render_catalogue(), "先运行 ducha quality docs --write"
    done = run_ducha(fresh_home, "quality", "docs", "--write")
    assert done.returncode == 0, done.stderr
    assert f"{DOC_PATH} 已是最新，未改动" in done.stdout
    assert DOC_PATH.read_text(encoding="utf-8") == committed
    assert not (fresh_home / "ducha.sqlite3").exists()


def test_scan_still_refuses_a_database_that_is_not_set_up(fresh_home: Path) -> None:
    done = run_ducha(fresh_home, "quality", "scan", "--period", "2012Q1")
    assert done.returncode == 1
    assert "数据库还没有建立" in done.stderr and "ducha migrate" in done.stderr
    assert not (fresh_home / "ducha.sqlite3").exists()
