"""Writing user text into spreadsheets and CSV files as text, never as a formula (OWASP "CSV injection").

Excel, WPS and LibreOffice read a cell whose text begins with ``=``, ``+``, ``-``, ``@`` (or the full-width
``＝＋－＠`` an input method types), a tab or a line break as a formula: a unit named
``=HYPERLINK("http://x","点我")`` becomes a link, ``=cmd|' /C calc'!A0`` a command. Every export of ducha
(indicator tables, the org-unit list, quality scans, report templates) writes its cells through this module:

- CSV (:func:`csv_cell`, :func:`write_csv`): such a text gets a leading single quote, ``'=HYPERLINK(…)``.
- xlsx (:func:`append_row`, :func:`set_cell`): every text is a string cell (``data_type = "s"``, never a
  formula) and gets the same quote, so a CSV saved later from Excel or WPS stays safe too.

Numbers stay numbers: an ``int``/``float``/``Decimal`` is written as a number (``-5`` too), and a text that
is only a number (``"-5"``, ``"+3"``, ``"12.5"``) is left as it is. Readers of ducha's own templates undo
the quote with :func:`unquote`.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Sequence
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.worksheet.worksheet import Worksheet

# First characters that make a spreadsheet read a cell as a formula (OWASP, plus full-width forms).
FORMULA_STARTS = frozenset("=+-@\t\r\n＝＋－＠")
QUOTE = "'"
_PLAIN_NUMBER = re.compile(r"^[+-]?[0-9]+(\.[0-9]+)?$")
_LEADING_BLANKS = " \u3000"
NUMBER_TYPES = (int, float, Decimal)


def is_formula_like(text: str) -> bool:
    """True when a spreadsheet would read ``text`` as a formula (leading blanks are skipped)."""
    head = text.lstrip(_LEADING_BLANKS)
    return bool(head) and head[0] in FORMULA_STARTS and not _PLAIN_NUMBER.fullmatch(text)


def neutralise(text: str) -> str:
    """``text`` with a leading single quote when it would otherwise be read as a formula."""
    return QUOTE + text if is_formula_like(text) else text


def unquote(text: str) -> str:
    """Undo :func:`neutralise` when reading back a file ducha wrote (``'=x`` → ``=x``; ``'abc`` stays)."""
    if text.startswith(QUOTE) and is_formula_like(text[1:]):
        return text[1:]
    return text


def csv_cell(value: Any) -> Any:
    """One CSV field: numbers as they are, None as empty, dates in ISO form, any other text neutralised."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return neutralise(str(value))
    if isinstance(value, NUMBER_TYPES):
        return value
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return neutralise(str(value))


def csv_row(values: Iterable[Any]) -> list[Any]:
    return [csv_cell(v) for v in values]


def write_csv(stream: Any, rows: Iterable[Sequence[Any]], **options: Any) -> None:
    """Write ``rows`` to a text ``stream`` with :func:`csv_cell` applied to every field."""
    writer = csv.writer(stream, **{"lineterminator": "\n", **options})
    for row in rows:
        writer.writerow(csv_row(row))


def xlsx_text(text: str) -> str:
    """Text for an xlsx string cell: neutralised, with the control characters xlsx cannot hold replaced."""
    return neutralise(ILLEGAL_CHARACTERS_RE.sub("\ufffd", text))


def xlsx_value(value: Any) -> Any:
    """A value openpyxl writes safely: numbers, dates and None as they are, everything else as text."""
    if value is None or isinstance(value, bool | datetime | date | time):
        return value
    if isinstance(value, NUMBER_TYPES):
        return value
    return xlsx_text(str(value))


def set_cell(cell: Cell, value: Any) -> Cell:
    """Give ``cell`` the value; a text is always a string cell (openpyxl would make ``=…`` a formula)."""
    safe = xlsx_value(value)
    cell.value = safe
    if isinstance(safe, str):
        cell.data_type = "s"
    return cell


def append_row(sheet: Worksheet, values: Iterable[Any]) -> None:
    """``sheet.append`` with every value made safe by :func:`xlsx_value` and every text a string cell."""
    safe = [xlsx_value(v) for v in values]
    sheet.append(safe)
    row = sheet.max_row
    for column, value in enumerate(safe, start=1):
        if isinstance(value, str):
            sheet.cell(row=row, column=column).data_type = "s"
