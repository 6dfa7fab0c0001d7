"""Settings read the database and data directory from ``DUCHA_*`` environment variables.

Each case imports ``ducha.settings`` in a fresh interpreter, because settings are read once at import.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from ducha import settings as ducha_settings
from ducha.settings import default_data_dir

PROBE = """
import json
from ducha import settings as s
db = s.DATABASES["default"]
print(json.dumps({
    "ENGINE": db["ENGINE"], "NAME": str(db["NAME"]), "HOST": db.get("HOST", ""), "PORT": db.get("PORT", ""),
    "USER": db.get("USER", ""), "PASSWORD": db.get("PASSWORD", ""), "OPTIONS": db.get("OPTIONS", {}),
    "CONN_MAX_AGE": db.get("CONN_MAX_AGE"), "DATA_DIR": str(s.DATA_DIR), "SECRET_KEY": s.SECRET_KEY,
}))
"""


def load_settings(cwd: Path, **env: str) -> dict[str, Any]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("DUCHA_")}
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        env={**clean, **env},
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    loaded: dict[str, Any] = json.loads(result.stdout)
    return loaded


def test_default_is_sqlite_file_under_ducha_home(tmp_path: Path) -> None:
    home = tmp_path / "数据"

    db = load_settings(tmp_path, DUCHA_HOME=str(home))

    assert db["ENGINE"] == "django.db.backends.sqlite3"
    assert db["NAME"] == str(home / "ducha.sqlite3")
    assert db["OPTIONS"] == {"timeout": 30}
    assert db["DATA_DIR"] == str(home)


def test_without_ducha_home_the_data_folder_does_not_depend_on_the_working_directory(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    expected = default_data_dir(ducha_settings.BASE_DIR, {k: v for k, v in os.environ.items()
                                                          if not k.startswith("DUCHA_")})

    # A secret key from the environment, so that loading the settings writes nothing into the real folder.
    first = load_settings(tmp_path / "a", DUCHA_SECRET_KEY="x" * 50)
    second = load_settings(tmp_path / "b", DUCHA_SECRET_KEY="x" * 50)

    assert first["DATA_DIR"] == second["DATA_DIR"] == str(expected)
    assert first["NAME"] == str(expected / "ducha.sqlite3")
    assert list((tmp_path / "a").iterdir()) == list((tmp_path / "b").iterdir()) == []


def test_a_source_checkout_keeps_its_data_in_its_var_folder(tmp_path: Path) -> None:
    checkout = tmp_path / "ducha-main"
    (checkout / "src" / "ducha").mkdir(parents=True)
    (checkout / "pyproject.toml").write_text("[project]\nname = 'ducha'\n")

    assert default_data_dir(checkout / "src" / "ducha", {"XDG_DATA_HOME": "/elsewhere"}) == checkout / "var"


def test_an_installed_package_keeps_its_data_in_the_user_data_folder(tmp_path: Path) -> None:
    package = tmp_path / "lib" / "python3.11" / "site-packages" / "ducha"
    package.mkdir(parents=True)

    assert default_data_dir(package, {"XDG_DATA_HOME": str(tmp_path / "xdg")}) == tmp_path / "xdg" / "ducha"
    assert default_data_dir(package, {}) == Path.home() / ".local" / "share" / "ducha"
    assert default_data_dir(package, {"XDG_DATA_HOME": "relative"}) == Path.home() / ".local" / "share" / "ducha"


def test_loading_the_settings_creates_no_folder_and_no_database(tmp_path: Path) -> None:
    home = tmp_path / "home"

    db = load_settings(tmp_path, DUCHA_HOME=str(home), DUCHA_SECRET_KEY="x" * 50)

    assert db["NAME"] == str(home / "ducha.sqlite3")
    assert not home.exists()
    assert list(tmp_path.iterdir()) == []


def test_relative_ducha_home_is_made_absolute(tmp_path: Path) -> None:
    db = load_settings(tmp_path, DUCHA_HOME="site")

    assert db["NAME"] == str(tmp_path / "site" / "ducha.sqlite3")


def test_sqlite_url(tmp_path: Path) -> None:
    target = tmp_path / "other" / "county.sqlite3"

    db = load_settings(tmp_path, DUCHA_HOME=str(tmp_path / "home"), DUCHA_DATABASE_URL=f"sqlite:///{target}")

    assert db["ENGINE"] == "django.db.backends.sqlite3"
    assert db["NAME"] == str(target)
    assert db["OPTIONS"] == {"timeout": 30}


@pytest.mark.parametrize("scheme", ["postgresql", "postgres", "pgsql"])
def test_postgresql_url(tmp_path: Path, scheme: str) -> None:
    url = f"{scheme}://ducha:s3cret@db.intranet:5433/ducha_county"

    db = load_settings(tmp_path, DUCHA_HOME=str(tmp_path / "home"), DUCHA_DATABASE_URL=url)

    assert db["ENGINE"] == "django.db.backends.postgresql"
    assert (db["NAME"], db["HOST"], db["PORT"]) == ("ducha_county", "db.intranet", 5433)
    assert (db["USER"], db["PASSWORD"]) == ("ducha", "s3cret")
    assert db["OPTIONS"] == {}
    assert db["CONN_MAX_AGE"] == 60


def test_postgresql_url_without_password_uses_trust_or_pgpass(tmp_path: Path) -> None:
    db = load_settings(
        tmp_path, DUCHA_HOME=str(tmp_path / "home"), DUCHA_DATABASE_URL="postgresql://postgres@127.0.0.1/ducha"
    )

    assert db["ENGINE"] == "django.db.backends.postgresql"
    assert (db["NAME"], db["HOST"], db["USER"], db["PASSWORD"]) == ("ducha", "127.0.0.1", "postgres", "")


def test_secret_key_is_generated_once_and_kept_under_ducha_home(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()  # made by `ducha migrate` / `ducha demo`; loading the settings never creates it

    first = load_settings(tmp_path, DUCHA_HOME=str(home))
    second = load_settings(tmp_path, DUCHA_HOME=str(home))

    assert len(first["SECRET_KEY"]) >= 50
    assert first["SECRET_KEY"] == second["SECRET_KEY"]
    assert (home / "secret_key").read_text().strip() == first["SECRET_KEY"]


def test_secret_key_from_environment_writes_nothing(tmp_path: Path) -> None:
    home = tmp_path / "home"

    db = load_settings(tmp_path, DUCHA_HOME=str(home), DUCHA_SECRET_KEY="from-the-environment")

    assert db["SECRET_KEY"] == "from-the-environment"
    assert not (home / "secret_key").exists()
