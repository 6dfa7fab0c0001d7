"""Turning one cell of a register file into a Python value, or a Chinese :class:`CellError`.

Each parser takes the raw cell (text from CSV; str/int/float/bool/date/datetime from Excel) and
returns the value stored in the model (``None`` for a blank cell). The national ID is never kept:
:func:`hash_national_id` turns it into a salted SHA-256 and its last four characters.
"""

from __future__ import annotations

import hashlib
import os
import re
import unicodedata
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.conf import settings

from ducha.core.excel_io import CellError, code_text, is_blank
from ducha.core.limits import HIDDEN_CHARACTERS_EXPECTED, hidden_characters, number_text

DATE_EXPECTED = "日期，如 2012-01-31、2012/1/31、2012年1月31日 或 20120131"
_DATE_TEXT = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
_DATE_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_DATETIME_TEXT = re.compile(r"^(.+?)[ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?$")
_EXCEL_EPOCH = date(1899, 12, 30)
_ID_PATTERN = re.compile(r"^(\d{17}[\dX]|\d{15})$")
# A number written as text: ASCII (or full-width) digits, one optional point, thousands commas; no
# exponent, no "_", no other scripts' digits, no superscripts (so 1e309, 1_000, ٣ and ² are not numbers).
_NUMBER_TEXT = re.compile(r"^-?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)$")
_NUMBER_DIGITS_MAX = 30


def _normal(value: Any) -> str:
    return unicodedata.normalize("NFKC", str(value)).strip()


def parse_text(value: Any, max_length: int) -> str:
    text = code_text(value)
    if hidden := hidden_characters(text):
        raise CellError("IMP029", hidden, HIDDEN_CHARACTERS_EXPECTED)
    if len(text) > max_length:
        raise CellError("IMP026", f"文字过长（{len(text)} 个字）", f"不超过 {max_length} 个字")
    return text


def parse_date(value: Any) -> date | None:
    """A date from a date cell, a text date, yyyymmdd, or an Excel serial number in a numeric cell."""
    if is_blank(value):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, bool):
        raise CellError("IMP024", "日期无法识别", DATE_EXPECTED)
    if isinstance(value, int | float):
        if isinstance(value, int) or value.is_integer():
            compact = _DATE_COMPACT.match(str(int(value)))
            if compact:
                return _date_of(int(compact[1]), int(compact[2]), int(compact[3]))
        if 1 <= value < 2958466:  # an Excel serial date in a cell not formatted as a date
            return _EXCEL_EPOCH + timedelta(days=int(value))
        raise CellError("IMP024", "日期无法识别", DATE_EXPECTED)
    text = _normal(value)
    timed = _DATETIME_TEXT.match(text)
    if timed:
        text = timed[1].strip()
    match = _DATE_TEXT.match(text) or _DATE_COMPACT.match(text)
    if not match:
        raise CellError("IMP024", "日期无法识别", DATE_EXPECTED)
    return _date_of(int(match[1]), int(match[2]), int(match[3]))


def _date_of(year: int, month: int, day: int) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        if 1 <= month <= 12:
            problem = f"日期不存在（{year}年{month}月没有{day}日）"
        else:
            problem = f"日期不存在（没有{month}月）"
        raise CellError("IMP024", problem, "真实存在的日期，如 2012-02-29") from None


def _number(value: Any, expected: str) -> Decimal:
    if isinstance(value, bool | date | datetime):
        raise CellError("IMP020", "不是数字", expected)
    if isinstance(value, int | float):
        text = repr(value) if isinstance(value, float) else str(value)
    else:
        text = number_text(str(value))
        if not _NUMBER_TEXT.fullmatch(text) or len(text) > _NUMBER_DIGITS_MAX:
            raise CellError("IMP020", "不是数字", expected)
        if text.startswith("-"):  # also "-0": a sign is not written on a count or a measurement
            raise CellError("IMP021", "不能为负数", expected)
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise CellError("IMP020", "不是数字", expected) from None
    if not number.is_finite():
        raise CellError("IMP020", "不是数字", expected)
    if abs(number) >= Decimal(10) ** _NUMBER_DIGITS_MAX:  # 1e300 from a number cell: far past every field
        raise CellError("REG030", "数值过大", expected)
    return number


def parse_decimal(value: Any, *, max_digits: int, places: int, positive: bool, unit: str) -> Decimal | None:
    """A number rounded to ``places`` decimals; must fit the field and, with ``positive``, be > 0."""
    if is_blank(value):
        return None
    limit = Decimal(10) ** (max_digits - places) - Decimal(1).scaleb(-places)
    low = "大于 0" if positive else "不小于 0"
    expected = f"{low}、不超过 {limit} 的数字（{unit}，保留 {places} 位小数）" if unit else \
        f"{low}、不超过 {limit} 的数字（保留 {places} 位小数）"
    number = _number(value, expected)
    if number < 0:
        raise CellError("IMP021", "不能为负数", expected)
    rounded = number.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    if positive and rounded == 0:
        raise CellError("REG030", "不能为 0", expected)
    if rounded > limit:
        raise CellError("REG030", "数值过大", expected)
    return rounded


def parse_int(value: Any, *, max_value: int, unit: str) -> int | None:
    if is_blank(value):
        return None
    expected = f"0 到 {max_value} 之间的整数" + (f"（{unit}）" if unit else "")
    number = _number(value, expected)
    if number < 0:
        raise CellError("IMP021", "不能为负数", expected)
    if number != number.to_integral_value():
        raise CellError("IMP022", "不能为小数", expected)
    if number > max_value:
        raise CellError("REG030", "数值过大", expected)
    return int(number)


def parse_choice(value: Any, choices: dict[str, Any], allowed: str) -> Any:
    """``choices`` maps every accepted spelling (already normalised) to the stored value."""
    if is_blank(value):
        return None
    key = re.sub(r"\s+", "", code_text(value)).lower()
    if key not in choices:
        raise CellError("IMP027", "取值不在允许范围内", allowed)
    return choices[key]


def id_salt() -> str:
    """The salt of national-ID hashes: ``settings.DUCHA_ID_SALT`` or the environment variable
    ``DUCHA_ID_SALT``; without either, a value derived from ``SECRET_KEY`` (so set one before the
    secret key is ever rotated)."""
    configured = getattr(settings, "DUCHA_ID_SALT", "") or os.environ.get("DUCHA_ID_SALT", "")
    if configured:
        return str(configured)
    return hashlib.sha256(f"ducha-national-id:{settings.SECRET_KEY}".encode()).hexdigest()


def hash_national_id(number: str, salt: str | None = None) -> str:
    return hashlib.sha256(f"{salt if salt is not None else id_salt()}:{number}".encode()).hexdigest()


def parse_national_id(value: Any, salt: str) -> tuple[str, str] | None:
    """(salted SHA-256, last 4 characters) of an 18- or 15-character national ID; the number itself is dropped."""
    if is_blank(value):
        return None
    expected = "18 位身份证号（最后一位可为 X），以文本格式填写"
    if isinstance(value, int | float) and not isinstance(value, bool):
        raise CellError("REG012", "身份证号被 Excel 存成了数字，末几位已经丢失", expected +
                        "（请把该列设为“文本”后重新填写）")
    number = re.sub(r"\s+", "", _normal(value)).upper()
    if not _ID_PATTERN.match(number):
        raise CellError("REG012", "身份证号格式不对", expected)
    return hash_national_id(number, salt), number[-4:]
