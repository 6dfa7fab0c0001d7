"""The ``ducha`` console script: Django management commands under one name.

Before a command runs, the script looks at the database it is about to use (``ducha.core.database``):
only ``ducha migrate``, ``ducha demo`` and ``ducha serve --migrate`` may create it; every other command
that reads or writes data refuses, in Chinese and with a non-zero exit status, a database that does not
exist or has no tables, and says what to run. No command creates an empty SQLite file on the way.
"""

from __future__ import annotations

import os
import sys
from typing import Any

# Commands that never need the database (an SQLite file that is missing stays missing).
NO_DATABASE = frozenset({
    "anthro", "check", "collectstatic", "compilemessages", "diffsettings", "findstatic", "makemessages",
    "makemigrations", "optimizemigration", "sendtestemail", "sqlmigrate", "squashmigrations", "startapp",
    "startproject", "test",
})
# Actions of a command (its first argument) that never need the database, e.g. `ducha quality docs`.
NO_DATABASE_ACTIONS = frozenset({("quality", "docs")})
# Commands that need the database to exist but not its tables (e.g. to look at an empty PostgreSQL database).
EXISTING_DATABASE = frozenset({"dbshell", "shell", "showmigrations"})
# Commands that create the database and its tables.
CREATES_DATABASE = frozenset({"migrate", "demo"})
# Commands that say which database they use before they start.
ANNOUNCES_DATABASE = frozenset({
    "migrate", "demo", "serve", "flush", "loaddata", "createsuperuser", "import_reports", "import_registers",
    "import_units",
})
HELP_OPTIONS = frozenset({"-h", "--help", "--version"})


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ducha.settings")
    args = list(sys.argv if argv is None else ["ducha", *argv])
    args[0] = "ducha"
    if len(args) == 1 or (len(args) == 2 and args[1] in ("help", "-h", "--help")):
        sys.exit(_print_main_help())
    if args[1] == "help" and len(args) > 2:
        args[2] = args[2].replace("-", "_")
    if not args[1].startswith("-"):
        args[1] = args[1].replace("-", "_")  # `ducha import-reports` runs the import_reports command
        if problem := prepare_database(args[1], args[2:]):
            sys.stderr.write(f"错误：{problem}\n")
            sys.exit(1)
    from django.core.management import execute_from_command_line

    from ducha import cli_chinese

    cli_chinese.install()
    _chinese_error_prefix()
    execute_from_command_line(args)


def _print_main_help() -> int:
    import django

    django.setup()
    from ducha import cli_chinese

    sys.stdout.write(cli_chinese.main_help())
    return 0


def _chinese_error_prefix() -> None:
    """Django prints a failed command as ``CommandError: …``; ducha's users read ``错误: …`` instead.

    Django names the exception's class in front of the message, so a command error is re-raised as a
    subclass whose name is the Chinese word (exit status and message unchanged; system-check errors keep
    their own format).
    """
    from django.core.management.base import BaseCommand, CommandError

    chinese = type("错误", (CommandError,), {})
    execute = BaseCommand.execute

    def execute_with_chinese_errors(self: BaseCommand, *args: Any, **options: Any) -> Any:
        try:
            return execute(self, *args, **options)
        except CommandError as exc:
            if type(exc) is not CommandError:
                raise
            raise chinese(*exc.args, returncode=exc.returncode) from exc

    BaseCommand.execute = execute_with_chinese_errors  # type: ignore[method-assign]


def creates_database(command: str, options: list[str]) -> bool:
    return command in CREATES_DATABASE or (command == "serve" and "--migrate" in options)


def prepare_database(command: str, options: list[str]) -> str | None:
    """Check (or, for the commands that create it, make room for) the database; a message if unusable."""
    import django
    from django.core.exceptions import ImproperlyConfigured

    try:
        django.setup()
    except ImproperlyConfigured as exc:
        return str(exc)
    from django.core.management import get_commands

    from ducha.cli_chinese import unknown_command
    from ducha.core import database

    if command != "help" and (message := unknown_command(command)):
        return message
    if (command not in get_commands() or HELP_OPTIONS.intersection(options) or command in NO_DATABASE
            or (command, next(iter(options), "")) in NO_DATABASE_ACTIONS):
        database.forbid_creating_sqlite_file()
        return None
    if command in ANNOUNCES_DATABASE:
        print(f"数据库：{database.describe_database()}", flush=True)
    if creates_database(command, options):
        make_data_folder()
        return database.connection_problem()
    if command in EXISTING_DATABASE:
        return database.missing_file_problem() or database.connection_problem()
    # `ducha serve` itself warns about unapplied migrations (an upgrade) and still starts.
    return database.schema_problem(allow_pending=command == "serve")


def make_data_folder() -> None:
    """The data folder, its ``static/`` and the SQLite file's folder: made only by commands that create."""
    from django.conf import settings

    from ducha.core.database import sqlite_file

    (settings.DATA_DIR / "static").mkdir(parents=True, exist_ok=True)
    if (path := sqlite_file()) is not None:
        path.parent.mkdir(parents=True, exist_ok=True)


if __name__ == "__main__":
    main()
