"""The files a command-line import reads: files named, and the spreadsheets inside folders named.

Shared by ``ducha import-reports`` and ``ducha import-registers`` (and any later import command).
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import CommandError

SUFFIXES = (".xlsx", ".xlsm", ".csv")


def collect_files(paths: list[str]) -> list[Path]:
    """The files named, and every .xlsx/.xlsm/.csv directly inside each folder named (sorted)."""
    files: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            try:
                inside = sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() in SUFFIXES
                                and not p.name.startswith(("~$", ".")))
            except OSError as err:
                raise CommandError(f"无法读取文件夹“{path}”：{err.strerror or err}") from None
            if not inside:
                raise CommandError(f"文件夹“{path}”中没有 .xlsx 或 .csv 文件")
            files += inside
        elif path.is_file():
            files.append(path)
        else:
            raise CommandError(f"找不到文件或文件夹“{path}”")
    return files


def file_labels(files: list[Path]) -> list[tuple[str, Path]]:
    """Each file named by its name, or by its path when two files share a name."""
    names = [p.name for p in files]
    return [(p.name if names.count(p.name) == 1 else str(p), p) for p in files]
