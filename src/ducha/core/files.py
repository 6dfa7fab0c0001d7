"""Limits on imported files, checked before any parser sees a byte of them.

One setting, ``DUCHA_IMPORT_MAX_MB`` (default 20), caps every imported file: web uploads, the
``import-*`` commands and the action functions alike. An .xlsx file is a zip archive, so before
openpyxl or lxml open it the archive's directory is checked: at most :data:`MEMBERS_MAX` parts, no
part that unpacks to more than :data:`RATIO_MAX` times its compressed size (parts under
:data:`RATIO_FREE_BYTES` excepted), and all parts together no more than :data:`RATIO_MAX` times the
file and no more than :func:`unpacked_max_bytes` (:data:`UNPACKED_FACTOR` × the file limit). Python's
zip reader never returns more bytes than a part's declared size (a part whose declared size lies
fails its CRC check), and :class:`BoundedReader` makes that explicit where ducha reads parts itself.
"""

from __future__ import annotations

import io
import os
import struct
import zipfile
from pathlib import Path
from typing import IO, Any

MB = 1024 * 1024
DEFAULT_IMPORT_MAX_MB = 20
MEMBERS_MAX = 10_000
RATIO_MAX = 100
RATIO_FREE_BYTES = 1 * MB
UNPACKED_FACTOR = 20
DOCTYPE_SCAN_BYTES = 4096  # a DOCTYPE comes before the root element, so the start of a part tells
SPLIT_HINT = "请把文件按单位或月份拆分成几个较小的文件后分别导入"
XLSX_EXPECTED = "用 Excel 或 WPS 保存的 .xlsx 文件"
_EOCD = b"PK\x05\x06"


class FileCheckError(ValueError):
    """A file refused before parsing: a stable problem id, the problem and what was expected (Chinese)."""

    def __init__(self, code: str, problem: str, expected: str):
        super().__init__(problem)
        self.code, self.problem, self.expected = code, problem, expected


def import_max_bytes() -> int:
    """The largest file any import accepts: ``settings.DUCHA_IMPORT_MAX_MB`` megabytes."""
    from django.conf import settings

    value = getattr(settings, "DUCHA_IMPORT_MAX_MB", None) or os.environ.get("DUCHA_IMPORT_MAX_MB")
    return int(float(value or DEFAULT_IMPORT_MAX_MB) * MB)


def unpacked_max_bytes() -> int:
    return UNPACKED_FACTOR * import_max_bytes()


def megabytes(size: int) -> str:
    return f"{size / MB:,.1f} MB" if size % MB else f"{size // MB:,} MB"


def too_large_problem(size: int | None = None) -> str:
    found = f"（{megabytes(size)}）" if size is not None else ""
    return f"文件过大{found}，超过导入上限 {megabytes(import_max_bytes())}"


UPLOAD_SUFFIXES = (".xlsx", ".xlsm", ".csv")


def upload_problem(name: str | None, size: int) -> str | None:
    """Why an uploaded file is refused before anything reads it (type, then size), with its id; or None."""
    suffix = Path(name or "").suffix.lower()
    if suffix not in UPLOAD_SUFFIXES:
        return (f"不支持“{suffix or '无扩展名'}”类型的文件“{name}”：请上传 .xlsx 或 .csv 文件"
                + ("（旧版 .xls 请在 Excel 中另存为 .xlsx）" if suffix == ".xls" else "") + "（IMP003）")
    if size > import_max_bytes():
        return f"文件“{name}”{too_large_problem(size)}，请拆分后分别上传（IMP006）"
    return None


def check_size(size: int) -> None:
    if size > import_max_bytes():
        raise FileCheckError("IMP006", too_large_problem(size), f"不超过 {megabytes(import_max_bytes())} 的文件；{SPLIT_HINT}")


def _size_of(source: Any) -> int | None:
    if isinstance(source, str | Path):
        return Path(source).stat().st_size
    size = getattr(source, "size", None)
    if isinstance(size, int):
        return size
    if isinstance(source, io.BytesIO):
        return source.getbuffer().nbytes
    return None


def read_limited(source: str | Path | IO[bytes]) -> bytes:
    """The whole content of a path or an uploaded/open file, refused (IMP006) beyond the file limit.

    The size is checked before reading when it is known (a path, a Django upload), and the read
    itself never takes more than the limit plus one byte.
    """
    size = _size_of(source)
    if size is not None:
        check_size(size)
    limit = import_max_bytes()
    if isinstance(source, str | Path):
        with Path(source).open("rb") as handle:
            data = handle.read(limit + 1)
    else:
        if hasattr(source, "seek"):
            source.seek(0)
        data = source.read(limit + 1)
    check_size(len(data))
    return data


def _declared_members(data: bytes) -> int | None:
    """The number of parts the end-of-directory record declares (None when it is not found or zip64)."""
    at = data.rfind(_EOCD, max(0, len(data) - 65_557))
    if at < 0 or at + 22 > len(data):
        return None
    (count,) = struct.unpack("<H", data[at + 10:at + 12])
    return None if count == 0xFFFF else count


def _bomb(problem: str) -> FileCheckError:
    return FileCheckError("IMP007", problem, f"正常保存的 .xlsx 文件（解压后不超过 {megabytes(unpacked_max_bytes())}）；"
                          "如确是正常文件，" + SPLIT_HINT)


def _broken() -> FileCheckError:
    return FileCheckError("IMP002", "文件无法打开，不是有效的 Excel 文件（可能是其他类型的文件改了扩展名，或文件已损坏）",
                          XLSX_EXPECTED)


def check_xlsx_container(data: bytes) -> None:
    """Refuse (IMP002/IMP007) an .xlsx whose zip directory is broken or promises too much data."""
    declared = _declared_members(data)
    if declared is not None and declared > MEMBERS_MAX:
        raise _bomb(f"压缩包内有 {declared:,} 个部件，超过 {MEMBERS_MAX:,} 个")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as book:
            infos = book.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError, struct.error):
        raise _broken() from None
    if len(infos) > MEMBERS_MAX:
        raise _bomb(f"压缩包内有 {len(infos):,} 个部件，超过 {MEMBERS_MAX:,} 个")
    total = 0
    for info in infos:
        total += info.file_size
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > RATIO_FREE_BYTES and ratio > RATIO_MAX:
            raise _bomb(f"部件“{info.filename[:60]}”解压后 {megabytes(info.file_size)}，是压缩后的 {ratio:,.0f} 倍"
                        f"（上限 {RATIO_MAX} 倍）")
    if total > unpacked_max_bytes() or total > RATIO_MAX * len(data) + RATIO_FREE_BYTES:
        raise _bomb(f"文件解压后共 {megabytes(total)}（文件本身 {megabytes(len(data))}），超过上限")
    _check_no_doctype(data, infos)


def _check_no_doctype(data: bytes, infos: list[zipfile.ZipInfo]) -> None:
    """Refuse XML parts that declare a DOCTYPE or entities: Excel never writes one, entity attacks need one."""
    with zipfile.ZipFile(io.BytesIO(data)) as book:
        for info in infos:
            if not info.filename.lower().endswith((".xml", ".rels", ".vml")) or info.is_dir():
                continue
            try:
                with book.open(info) as part:
                    head = part.read(DOCTYPE_SCAN_BYTES).replace(b"\x00", b"").upper()
            except (zipfile.BadZipFile, ValueError, OSError, EOFError, NotImplementedError, RuntimeError):
                raise _broken() from None
            if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
                raise FileCheckError("IMP002", f"文件的部件“{info.filename[:60]}”含有 XML 文档类型声明（DOCTYPE），"
                                     "不是 Excel 或 WPS 保存的文件", XLSX_EXPECTED)


class BoundedReader(io.RawIOBase):
    """A read-only stream that fails (IMP007) once more than ``limit`` bytes came out of ``stream``."""

    def __init__(self, stream: IO[bytes], limit: int):
        self.stream, self.left = stream, limit

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self.stream.read(min(len(buffer), self.left + 1))
        if len(data) > self.left:
            raise _bomb("部件解压后的内容超过了它声明的大小")
        self.left -= len(data)
        buffer[:len(data)] = data
        return len(data)

    def close(self) -> None:
        self.stream.close()
        super().close()


def open_member(book: zipfile.ZipFile, name: str) -> IO[bytes]:
    """A part of a checked archive, read through :class:`BoundedReader` at its declared size."""
    info = book.getinfo(name)
    return io.BufferedReader(BoundedReader(book.open(info), info.file_size))


def limit_text() -> str:
    """The file limit as people read it, e.g. ``20 MB``."""
    return megabytes(import_max_bytes())
