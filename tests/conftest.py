"""Fixtures for the tests that run the real ``ducha`` console script (helpers: ``cli_support``)."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from cli_support import ScratchDatabases, ducha_command


@pytest.fixture(autouse=True)
def fresh_result_cache() -> None:
    """Each test starts with no kept results: rolled-back data can come back with the same stamp."""
    from django.core.cache import caches

    caches["results"].clear()


@pytest.fixture(scope="module")
def scratch_databases(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ScratchDatabases]:
    databases = ScratchDatabases(tmp_path_factory.mktemp("databases"))
    try:
        yield databases
    finally:
        databases.drop_all()


@pytest.fixture
def run_ducha(tmp_path: Path) -> Callable[..., subprocess.CompletedProcess[str]]:
    """Run the console script from an unrelated folder with only the given ``DUCHA_*`` variables."""
    cwd = tmp_path / "elsewhere"
    cwd.mkdir(exist_ok=True)

    def run(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
        clean = {k: v for k, v in os.environ.items() if not k.startswith("DUCHA_")}
        clean.setdefault("DUCHA_HOME", str(tmp_path / "home"))
        return subprocess.run([*ducha_command(), *args], env={**clean, **env}, cwd=cwd, capture_output=True,
                              text=True, timeout=600)

    return run
