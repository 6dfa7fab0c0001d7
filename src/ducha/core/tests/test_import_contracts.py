"""The import-linter contracts of pyproject.toml hold, so a sideways or upward import fails pytest too."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[4]
PYPROJECT = ROOT / "pyproject.toml"
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


@pytest.mark.skipif(not PYPROJECT.is_file() or not LINT_IMPORTS.is_file(),
                    reason="needs the source checkout (pyproject.toml) and import-linter")
def test_import_contracts_are_kept() -> None:
    done = subprocess.run([str(LINT_IMPORTS), "--no-cache", "--config", str(PYPROJECT)], cwd=ROOT,
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 broken" in done.stdout


def test_contracts_cover_every_app() -> None:
    """A new app must be placed in the layers (an app missing from them would be unchecked)."""
    if not PYPROJECT.is_file():
        pytest.skip("needs the source checkout (pyproject.toml)")
    import tomllib

    from django.apps import apps

    config = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["tool"]["importlinter"]
    layers = next(c for c in config["contracts"] if c["id"] == "layers")["layers"]
    placed = {name.strip() for layer in layers for name in layer.replace(":", "|").split("|")}
    ours = {a.name for a in apps.get_app_configs() if a.name.startswith("ducha.")}
    assert ours <= placed, f"apps missing from the layers contract: {sorted(ours - placed)}"
