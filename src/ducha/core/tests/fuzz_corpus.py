"""A generated corpus of malformed import files (``.xlsx`` and ``.csv``), the same for every import.

:func:`corpus` builds ~60 files for one import *target* (its header row, the column that holds a
number, the column that holds a code, its sheet and file name), so that each odd value reaches that
import's own cell parsers. Every file is meant to be refused: a file whose odd value might be
accepted (``-0``) carries it as text that is refused. The .xlsx files are written part by part with
``zipfile`` (no openpyxl), which is fast and lets a part say anything at all.
"""

from __future__ import annotations

import io
import struct
import zipfile
from dataclasses import dataclass
from functools import cache
from xml.sax.saxutils import escape

from openpyxl.utils import get_column_letter

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
DATE_STYLES = (f'<styleSheet xmlns="{MAIN}"><numFmts count="0"/><cellXfs count="2"><xf numFmtId="0"/>'
               '<xf numFmtId="14" applyNumberFormat="1"/></cellXfs></styleSheet>')


@dataclass(frozen=True)
class Target:
    """Where an import keeps things: its header, the column of a number, of a code, of a text."""

    header: list[str]
    good_row: list[str]
    number_col: int
    code_col: int
    text_col: int
    sheet: str
    stem: str


@dataclass(frozen=True)
class Sample:
    name: str
    file_name: str
    data: bytes


Cell = str | int | float | tuple[str, str]  # ("raw", "<c …>…</c>") for a hand-written cell


def _cell_xml(ref: str, value: Cell) -> str:
    if isinstance(value, tuple):
        return value[1].replace("{ref}", ref)
    if isinstance(value, int | float):
        return f'<c r="{ref}"><v>{value!r}</v></c>'
    return f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">{escape(value)}</t></is></c>'


def sheet_xml(rows: list[list[Cell]], *, start: int = 1, extra: str = "", doctype: str = "") -> str:
    body = []
    for number, cells in enumerate(rows, start=start):
        xml = "".join(_cell_xml(f"{get_column_letter(col + 1)}{number}", v) for col, v in enumerate(cells)
                      if v != "")
        body.append(f'<row r="{number}">{xml}</row>')
    return (f'<?xml version="1.0" encoding="UTF-8"?>{doctype}<worksheet xmlns="{MAIN}"><sheetData>'
            f'{"".join(body)}</sheetData>{extra}</worksheet>')


def package(sheet: str | bytes, *, name: str = "Sheet1", strings: str | bytes | None = None,
            styles: str | None = None, workbook: str | None = None, extra: dict[str, bytes] | None = None,
            stored: bool = False) -> bytes:
    """An .xlsx from its parts: one worksheet, optional shared strings, styles, any other parts."""
    overrides = ['<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.'
                 'spreadsheetml.sheet.main+xml"/>',
                 '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-'
                 'officedocument.spreadsheetml.worksheet+xml"/>']
    rels = [f'<Relationship Id="rId1" Type="{REL}/worksheet" Target="worksheets/sheet1.xml"/>']
    parts: dict[str, str | bytes] = {}
    if strings is not None:
        parts["xl/sharedStrings.xml"] = strings
        rels.append(f'<Relationship Id="rId2" Type="{REL}/sharedStrings" Target="sharedStrings.xml"/>')
        overrides.append('<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-'
                         'officedocument.spreadsheetml.sharedStrings+xml"/>')
    if styles is not None:
        parts["xl/styles.xml"] = styles
        rels.append(f'<Relationship Id="rId3" Type="{REL}/styles" Target="styles.xml"/>')
    parts = {
        "[Content_Types].xml": '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.'
                               'org/package/2006/content-types"><Default Extension="rels" ContentType="application/'
                               'vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType='
                               f'"application/xml"/>{"".join(overrides)}</Types>',
        "_rels/.rels": f'<Relationships xmlns="{PKG}"><Relationship Id="rId1" Type="{REL}/officeDocument" '
                       'Target="xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml": workbook or (f'<workbook xmlns="{MAIN}" xmlns:r="{REL}"><sheets><sheet name="{escape(name)}"'
                                        ' sheetId="1" r:id="rId1"/></sheets></workbook>'),
        "xl/_rels/workbook.xml.rels": f'<Relationships xmlns="{PKG}">{"".join(rels)}</Relationships>',
        "xl/worksheets/sheet1.xml": sheet,
        **parts,
        **(extra or {}),
    }
    out = io.BytesIO()
    method = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
    with zipfile.ZipFile(out, "w", method) as book:
        for part, content in parts.items():
            book.writestr(part, content)
    return out.getvalue()


@cache
def bomb_strings(megabytes: int = 64) -> bytes:
    """A sharedStrings part of ``megabytes`` MB of one repeated character (compresses ~1000×)."""
    return (f'<sst xmlns="{MAIN}" count="1" uniqueCount="1"><si><t>'.encode() + b"A" * (megabytes << 20)
            + b"</t></si></sst>")


def lying_sizes(data: bytes, member: str, declared: int) -> bytes:
    """``data`` with the uncompressed size of ``member`` rewritten to ``declared`` (local and central)."""
    raw = bytearray(data)
    name = member.encode()
    for signature, size_at in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        at = raw.find(signature)
        while at >= 0:
            name_at = at + (30 if signature == b"PK\x03\x04" else 46)
            if raw[name_at:name_at + len(name)] == name:
                raw[at + size_at:at + size_at + 4] = struct.pack("<I", declared)
            at = raw.find(signature, at + 4)
    return bytes(raw)


def many_members(count: int) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as book:
        for n in range(count):
            book.writestr(f"x/{n}.xml", b"")
    return out.getvalue()


def _row(target: Target, *, number: Cell | None = None, code: Cell | None = None,
         text: Cell | None = None) -> list[Cell]:
    row: list[Cell] = list(target.good_row)
    for col, value in ((target.number_col, number), (target.code_col, code), (target.text_col, text)):
        if value is not None:
            row[col] = value
    return row


def _csv(rows: list[list[str]], *, newline: str = "\r\n", encoding: str = "utf-8") -> bytes:
    def field(value: str) -> str:
        return f'"{value}"' if any(c in value for c in ',"\r\n') else value
    return newline.join(",".join(field(v) for v in row) for row in rows).encode(encoding) + newline.encode(encoding)


def _xlsx_value_samples(t: Target) -> dict[str, bytes]:
    def one(**kw: Cell) -> bytes:
        return package(sheet_xml([list(t.header), _row(t, **kw)]), name=t.sheet)

    return {
        "number 2^63": one(number=2 ** 63),
        "number 1e309 (inf)": one(number=("raw", '<c r="{ref}"><v>1e309</v></c>')),
        "number -1e309": one(number=("raw", '<c r="{ref}"><v>-1e309</v></c>')),
        "number 1e300": one(number=1e300),
        "number nan": one(number=("raw", '<c r="{ref}"><v>nan</v></c>')),
        "number cell holding text": one(number=("raw", '<c r="{ref}"><v>abc</v></c>')),
        "negative zero as text": one(number="-0"),
        "negative number": one(number=-5),
        "fraction": one(number=0.5),
        "boolean in a number cell": one(number=("raw", '<c r="{ref}" t="b"><v>1</v></c>')),
        "error value #DIV/0!": one(number=("raw", '<c r="{ref}" t="e"><v>#DIV/0!</v></c>')),
        "formula without cached value": one(number=("raw", '<c r="{ref}"><f>1/0</f></c>')),
        "digits of other scripts": one(number="٣"),
        "superscript two": one(number="²"),
        "underscore thousands": one(number="1_000"),
        "shared string index out of range": one(number=("raw", '<c r="{ref}" t="s"><v>99</v></c>')),
        "unit code with a slash": one(code="T01/x"),
        "unit code with NUL escape": one(code="T0_x0000_1", number="x"),
        "control characters in text": one(text="\u202eevil\u200b", code="T01\u202e"),
        "escape sequence in text": one(text="_x001B_[31m红_x001B_[0m", number="x"),
        "rich markup in text": one(text="[/bold][red]x", code="[/x]"),
        "text of 200,000 characters": one(text="长" * 200_000, code="T" * 200_000),
        "date in 9999 as a number": package(sheet_xml([list(t.header), _row(t, number=(
            "raw", '<c r="{ref}" s="1"><v>2958465</v></c>'))]), name=t.sheet, styles=DATE_STYLES),
        "date serial out of range": package(sheet_xml([list(t.header), _row(t, number=(
            "raw", '<c r="{ref}" s="1"><v>1e12</v></c>'))]), name=t.sheet, styles=DATE_STYLES),
    }


def _xlsx_structure_samples(t: Target) -> dict[str, bytes]:
    good = package(sheet_xml([list(t.header), _row(t, number="x")]), name=t.sheet)
    header = list(t.header)
    laughs = ('<!DOCTYPE lol [<!ENTITY a "aaaaaaaaaa">' + "".join(
        f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(8)) + "]>")
    return {
        "empty file": b"",
        "only blanks": b"   \n\t ",
        "random bytes": bytes(range(256)) * 40,
        "PDF renamed": b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF",
        "HTML renamed": "<html><body><table><tr><td>单位编码</td></tr></table></body></html>".encode(),
        "CSV renamed to .xlsx": _csv([header, list(t.good_row)]),
        "truncated zip (half)": good[: len(good) // 2],
        "truncated zip (100 bytes)": good[:100],
        "zip without a workbook": many_members(3),
        "zip of 10,001 parts": many_members(10_001),
        "sharedStrings bomb (64 MB of A)": package(sheet_xml([header, _row(t, number=("raw",
                                                   '<c r="{ref}" t="s"><v>0</v></c>'))]), name=t.sheet,
                                                   strings=bomb_strings()),
        "worksheet bomb": package(sheet_xml([header]) + " " * (48 << 20), name=t.sheet),
        "part whose declared size lies": lying_sizes(package(sheet_xml([header, _row(t, number="x")]) + " " * (8 << 20),
                                                             name=t.sheet), "xl/worksheets/sheet1.xml", 2000),
        "billion laughs in the worksheet": package(sheet_xml([header, _row(t, number="x")], doctype=laughs).replace(
            "<sheetData>", "<sheetData><row r=\"9\"><c r=\"A9\" t=\"inlineStr\"><is><t>&i;</t></is></c></row>"),
            name=t.sheet),
        "external entity in shared strings": package(sheet_xml([header, _row(t, number=("raw",
            '<c r="{ref}" t="s"><v>0</v></c>'))]), name=t.sheet, strings=(
            '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
            f'<sst xmlns="{MAIN}"><si><t>&e;</t></si></sst>')),
        "entity in the workbook part": package(sheet_xml([header]), workbook=(
            f'<!DOCTYPE w [<!ENTITY n "{t.sheet}">]><workbook xmlns="{MAIN}" xmlns:r="{REL}"><sheets>'
            '<sheet name="&n;" sheetId="1" r:id="rId1"/></sheets></workbook>')),
        "malformed worksheet XML": package(sheet_xml([header, _row(t)])[:-40], name=t.sheet),
        "workbook names a missing sheet part": package(sheet_xml([header]), workbook=(
            f'<workbook xmlns="{MAIN}" xmlns:r="{REL}"><sheets><sheet name="{t.sheet}" sheetId="1" r:id="rId9"/>'
            '</sheets></workbook>')),
        "not a spreadsheet namespace": package(sheet_xml([header]), workbook='<workbook><sheets/></workbook>'),
        "empty sheet": package(sheet_xml([]), name=t.sheet),
        "header only": package(sheet_xml([header]), name=t.sheet),
        "merged header cells": package(sheet_xml([header, _row(t, number="x")], extra=(
            '<mergeCells count="1"><mergeCell ref="A1:D1"/></mergeCells>')), name=t.sheet),
        "merged range over the whole sheet": package(sheet_xml([header, _row(t, number="x")], extra=(
            '<mergeCells count="1"><mergeCell ref="A2:XFD1048576"/></mergeCells>')), name=t.sheet),
        "data in column XFD": package(sheet_xml([header, _row(t, number="x") + [""] * 0]).replace(
            "</row></sheetData>", '<c r="XFD2" t="inlineStr"><is><t>远</t></is></c></row></sheetData>'), name=t.sheet),
        "data in row 1,048,576": package(sheet_xml([header]).replace("</sheetData>", sheet_xml(
            [_row(t, number="x")], start=1_048_576).split("<sheetData>")[1].split("</sheetData>")[0]
            + "</sheetData>"), name=t.sheet),
        "row number past Excel's last row": package(sheet_xml([header]).replace("</sheetData>", sheet_xml(
            [_row(t, number="x")], start=2_000_000).split("<sheetData>")[1].split("</sheetData>")[0]
            + "</sheetData>"), name=t.sheet),
        "stored (uncompressed) zip with a bad value": package(sheet_xml([header, _row(t, number="x")]), name=t.sheet,
                                                              stored=True),
        "sheet with an unknown name": package(sheet_xml([header, _row(t, number="x")]), name="Sheet?"),
    }


def _csv_samples(t: Target) -> dict[str, bytes]:
    header = list(t.header)

    def row(**kw: str) -> list[str]:
        return [str(v) for v in _row(t, **kw)]

    return {
        "GBK with a bad value": _csv([header, row(number="二十")], encoding="gbk"),
        "UTF-16 with BOM": b"\xff\xfe" + _csv([header, row(number="x")], encoding="utf-16-le"),
        "UTF-16 without BOM": _csv([header, row(number="x")], encoding="utf-16-le"),
        "NUL bytes": _csv([header, row(number="1\x002")]),
        "bare CR line endings": _csv([header, row(number="x")], newline="\r"),
        "mixed line endings": _csv([header, row(number="x"), row(number="y")]).replace(b"\r\n", b"\r", 1),
        "field of 200,000 characters": _csv([header, row(text="长" * 200_000, number="x")]),
        "field of 2,000,000 characters unquoted": _csv([header, row(number="9" * 2_000_000)]),
        "unterminated quote": _csv([header]) + b'"T01,,201201,"5\n' + b"x" * 1000,
        "1e309 as text": _csv([header, row(number="1e309")]),
        "2^63 as text": _csv([header, row(number=str(2 ** 63))]),
        "1e30 as text": _csv([header, row(number="1e30")]),
        "NaN and inf": _csv([header, row(number="NaN"), row(number="inf")]),
        "negative zero": _csv([header, row(number="-0")]),
        "odd digits": _csv([header, row(number="1_000"), row(number="٣"), row(number="²")]),
        "ANSI escape in a text": _csv([header, row(text="\x1b[2J\x1b[31m甲", code="T01\x1b")]),
        "300 columns with data": _csv([header, row(number="x") + ["v"] * 300]),
        "a million blank lines": _csv([header]) + b"\r\n" * 1_000_000 + _csv([row(number="x")]),
        "binary garbage": bytes((i * 7) % 256 for i in range(5000)),
        "only a BOM": b"\xef\xbb\xbf",
        "header only": _csv([header]),
        "bytes valid in no encoding": _csv([header]) + b"\xff\xfe\xff\x80\x81\n",
        "date in 9999": _csv([header, row(number="9999-12-31", text="9999-12-31")]),
        "formula text": _csv([header, row(number="=1+1", text="=cmd|' /C calc'!A0")]),
    }


def corpus(target: Target) -> list[Sample]:
    """Every sample for ``target``: .xlsx (values, structure) and .csv."""
    samples = [Sample(f"xlsx: {n}", f"{target.stem}.xlsx", d) for n, d in _xlsx_value_samples(target).items()]
    samples += [Sample(f"xlsx: {n}", f"{target.stem}.xlsx", d) for n, d in _xlsx_structure_samples(target).items()]
    samples += [Sample(f"csv: {n}", f"{target.stem}.csv", d) for n, d in _csv_samples(target).items()]
    return samples

