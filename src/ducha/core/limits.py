"""One set of limits for every write path (web form, API, file import, admin).

Numbers: whole counts are written with ASCII digits only (full-width digits ０–９ are read as their
ASCII twins, as Chinese input methods type them); ``1_000``, ``٣``, ``²``, ``1e3``, ``inf`` are not
numbers here. Text: no control characters, no zero-width or bidirectional-override characters (they
hide or reorder what a reader sees, in a terminal or a spreadsheet). Unit codes: a documented
character set with no path separator, so a code can never forge a position in the org-unit tree.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

# Largest value of one data element in one month and unit, unless the element sets its own.
DEFAULT_COUNT_MAX = 10_000_000
# Service population of one unit (a province has ~100 M people; PostgreSQL integer max is 2^31-1).
POPULATION_MAX = 200_000_000
# Unit codes: letters, digits, "-" and "_", 1–32 characters, beginning with a letter or digit (no "/",
# spaces, dots or other separators; no leading "-", which a spreadsheet would read as a formula).
UNIT_CODE_MAX_LENGTH = 32
UNIT_CODE_PATTERN = re.compile(r"^[0-9A-Za-z][0-9A-Za-z_-]{0,31}$")
UNIT_CODE_RULE = ("单位编码只能由英文字母、数字、“-”和“_”组成，以字母或数字开头，长度 1–32 个字符，"
                  "不能含空格、“/”等分隔符")
# Longest CSV field accepted by the file reader (csv's own limit is 131,072).
CSV_FIELD_MAX = 131_072

_FULLWIDTH_NUMBERS = str.maketrans("０１２３４５６７８９．－", "0123456789.-")
_WHOLE_NUMBER = re.compile(r"^[0-9]+$")
HIDDEN_CHARACTERS_EXPECTED = "不含控制字符、零宽字符或文字方向控制符的文字"


class LimitError(ValueError):
    """A value outside the limits; the message is Chinese and names what was expected."""


def number_text(value: str) -> str:
    """A number as typed, in ASCII: full-width digits, point and minus made ASCII, thousands commas dropped."""
    return value.strip().translate(_FULLWIDTH_NUMBERS).replace(",", "").replace("，", "")


def whole_number_text(value: str) -> str | None:
    """The ASCII digits of a whole-number text (thousands commas allowed), or None if it is not one."""
    text = number_text(value)
    return text if _WHOLE_NUMBER.fullmatch(text) else None


def check_count(value: Any, *, label: str, maximum: int = DEFAULT_COUNT_MAX) -> int:
    """A count 0..maximum given as int or text; raises :class:`LimitError` (Chinese) otherwise."""
    if isinstance(value, bool):
        raise LimitError(f"“{label}”应为不小于 0 的整数")
    if isinstance(value, str):
        digits = whole_number_text(value)
        if digits is None:
            raise LimitError(f"“{label}”应为不小于 0 的整数（只能含数字）")
        if len(digits) > 20:
            raise LimitError(f"“{label}”数值过大（不应超过 {maximum:,}）")
        value = int(digits)
    if not isinstance(value, int):
        raise LimitError(f"“{label}”应为不小于 0 的整数")
    if value < 0:
        raise LimitError(f"“{label}”不能小于 0")
    if value > maximum:
        raise LimitError(f"“{label}”数值过大（不应超过 {maximum:,}）")
    return value


def forbidden_characters(text: str, *, allow: str = "") -> list[str]:
    """Code points of control, zero-width and bidi-override characters in ``text`` (as U+XXXX)."""
    return [f"U+{ord(ch):04X}" for ch in text
            if ch not in allow and unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Zl", "Zp")]


def hidden_characters(text: str, *, allow: str = "") -> str:
    """"" for clean text, else what is wrong with it, e.g. "含有不可见的控制字符（U+202E）"."""
    hidden = forbidden_characters(text, allow=allow)
    return f"含有不可见的控制字符（{'、'.join(sorted(set(hidden))[:5])}）" if hidden else ""


def check_text(value: str, *, label: str, max_length: int, single_line: bool = True) -> str:
    """Text of at most ``max_length`` characters with no hidden characters; stripped.

    Multi-line text (notes, descriptions) may hold line breaks and tabs; single-line text may not.
    """
    text = value.strip()
    if hidden := hidden_characters(text, allow="" if single_line else "\n\r\t"):
        raise LimitError(f"“{label}”{hidden}，请删除后重试")
    if len(text) > max_length:
        raise LimitError(f"“{label}”过长（{len(text)} 个字符，最多 {max_length} 个）")
    return text


def check_unit_code(value: str, *, label: str = "单位编码") -> str:
    code = value.strip()
    if not UNIT_CODE_PATTERN.fullmatch(code):
        raise LimitError(f"“{label}”“{code[:40]}”无效：{UNIT_CODE_RULE}")
    return code
