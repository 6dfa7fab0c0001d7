"""The ``ducha`` console script: Django management commands under one name."""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ducha.settings")
    from django.core.management import execute_from_command_line

    args = list(sys.argv if argv is None else ["ducha", *argv])
    args[0] = "ducha"
    if len(args) > 1 and not args[1].startswith("-"):
        args[1] = args[1].replace("-", "_")  # `ducha import-reports` runs the import_reports command
    execute_from_command_line(args)


if __name__ == "__main__":
    main()
