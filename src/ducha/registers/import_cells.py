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
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.conf import settings

from ducha.core.excel_io import CellError, code_text, is_blank
from ducha.core.limits import HIDDEN_CHARACTERS_EXPECTED, hidden_characters, number_text

_ID_PATTERN = re.compile(r"^(\d{17}[\dX]|\d{15})$")
# GB 11643-1999: the 18th character is ISO 7064 MOD 11-2 over the first 17 digits.
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
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
    if len(number) == 18 and number[-1] != (check := id_check_character(number[:17])):
        raise CellError("REG013", f"身份证号校验位不对（按前 17 位应为 {check}），号码可能抄错",
                        "按国家标准 GB 11643 校验位正确的 18 位身份证号，请核对原始证件")
    return hash_national_id(number, salt), number[-4:]


def id_check_character(first17: str) -> str:
    """The check character (0–9 or X) of an 18-digit national ID from its first 17 digits (ISO 7064 MOD 11-2)."""
    return _ID_CHECK[sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS, strict=True)) % 11]
