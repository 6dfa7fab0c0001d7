"""Points in time in imported files (录入时间, 修改时间, 报送时间): a date with a time of day.

Accepted (documented in docs/registers-import.md and docs/import-template.md):
- an Excel date/time cell; an Excel serial number in a cell not formatted as a date (``40969.5`` is
  2012-03-01 12:00; also written as text in a CSV), rounded to the second;
- text ``2012-03-01 08:30``, ``2012/3/1 8:30:15``, ``2012.3.1 08:30``, ``2012年3月1日 8时30分``,
  ``20120301 0830``… — the date as :func:`ducha.core.excel_io.parse_date` reads it, then a time;
- ISO 8601 with a zone (``2012-03-01T08:00:00+08:00``, ``2012-03-01T00:00:00Z``, ``+0800``): converted
  to the server's zone (``TIME_ZONE``, Asia/Shanghai);
- a date alone (``2012-03-01``, a date cell): 0:00 of that day.
Times without a zone are the server's local time. A time of day without a date (``08:30``, an Excel time
cell, a serial below 1) cannot be placed and is refused with the caller's problem id.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, date, datetime, time, timedelta
from datetime import timezone as dt_timezone
from typing import Any

from django.utils import timezone

from ducha.core.excel_io import DATE_EXPECTED, CellError, is_blank, parse_date

__all__ = ["EARLIEST_MOMENT", "MOMENT_EXPECTED", "moment_text", "parse_moment"]

MOMENT_EXPECTED = "日期和时间，如 2012-03-01 08:30、2012/3/1 8:30:15 或 2012-03-01T08:30:00+08:00"
EARLIEST_MOMENT = date(2000, 1, 1)  # no register or report was entered electronically before; earlier is a typo
_EXCEL_EPOCH = datetime(1899, 12, 30)
_SERIAL_END = 2958466  # 10000-01-01
_SERIAL_TEXT = re.compile(r"^[0-9]{1,7}(?:\.[0-9]+)?$")
_COMPACT_DATE = re.compile(r"^[0-9]{8}$")
_TIME = (r"(?P<h>\d{1,2})\s*(?::|时)\s*(?P<m>\d{1,2})\s*(?:(?::|分)\s*(?P<s>\d{1,2})(?:\.(?P<f>\d+))?\s*秒?|分)?"
         r"|(?P<hc>\d{2})(?P<mc>\d{2})(?P<sc>\d{2})?")
_ZONE = r"(?P<z>Z|UTC|GMT|(?:UTC|GMT)?[+-]\d{1,2}(?::?\d{2})?)"
_MOMENT = re.compile(r"^(?P<d>.+?)(?:\s*(?:T|\s)\s*(?:" + _TIME + r"))\s*" + _ZONE + r"?$", re.IGNORECASE)
_TIME_ONLY = re.compile(r"^(?:" + _TIME + r")\s*" + _ZONE + r"?$|^(?:上午|下午)", re.IGNORECASE)


def moment_text(value: datetime) -> str:
    """How a stored time is shown in a message: local, to the minute."""
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")


def _local(naive: datetime) -> datetime:
    return timezone.make_aware(naive, timezone.get_current_timezone())


def _serial(number: float, time_only_code: str) -> datetime:
    if 0 <= number < 1:
        raise CellError(time_only_code, "只有时刻，没有日期（Excel 时间格式或小于 1 的序列号）", MOMENT_EXPECTED)
    if not 1 <= number < _SERIAL_END:
        raise CellError("IMP024", "日期时间无法识别", MOMENT_EXPECTED)
    return _local(_EXCEL_EPOCH + timedelta(seconds=round(number * 86400)))


def _zone(text: str | None) -> dt_timezone | None:
    if not text:
        return None
    text = text.upper().removeprefix("UTC").removeprefix("GMT")
    if text in ("", "Z"):
        return UTC
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    hours, minutes = (int(digits[:-2]), int(digits[-2:])) if len(digits) > 2 else (int(digits), 0)
    if hours > 14 or minutes > 59:
        raise CellError("IMP024", "时区无法识别", "时区写作 +08:00、+0800 或 Z（UTC）")
    return dt_timezone(sign * timedelta(hours=hours, minutes=minutes))


def _from_text(text: str, time_only_code: str) -> datetime:
    if _TIME_ONLY.match(text):
        raise CellError(time_only_code, "只有时刻，没有日期", MOMENT_EXPECTED)
    if _SERIAL_TEXT.fullmatch(text) and not _COMPACT_DATE.fullmatch(text):
        return _serial(float(text), time_only_code)
    match = _MOMENT.match(text)
    if match is None:
        day = parse_date(text)  # a date alone: 0:00 of the day
        assert day is not None
        return _local(datetime.combine(day, time()))
    day = parse_date(match["d"])
    assert day is not None
    hour, minute = int(match["h"] or match["hc"]), int(match["m"] or match["mc"])
    second = int(match["s"] or match["sc"] or 0)
    micro = int((match["f"] or "0")[:6].ljust(6, "0"))
    if hour > 23 or minute > 59 or second > 59:
        raise CellError("IMP024", "时间不存在", "0:00 到 23:59 之间的时间，如 2012-03-01 08:30")
    naive = datetime.combine(day, time(hour, minute, second, micro))
    zone = _zone(match["z"])
    return naive.replace(tzinfo=zone) if zone else _local(naive)


def parse_moment(value: Any, *, time_only_code: str) -> datetime | None:
    """An aware datetime in the server's zone, or None for a blank cell; else :class:`CellError`
    (``IMP024`` unrecognisable, ``time_only_code`` for a time of day without a date)."""
    if is_blank(value):
        return None
    if isinstance(value, datetime):
        moment = value if timezone.is_aware(value) else _local(value)
    elif isinstance(value, date):
        moment = _local(datetime.combine(value, time()))
    elif isinstance(value, time):
        raise CellError(time_only_code, "只有时刻，没有日期（单元格是时间格式）", MOMENT_EXPECTED)
    elif isinstance(value, bool):
        raise CellError("IMP024", "日期时间无法识别", MOMENT_EXPECTED)
    elif isinstance(value, int | float):
        if value != value or value in (float("inf"), float("-inf")):
            raise CellError("IMP024", "日期时间无法识别", MOMENT_EXPECTED)
        if float(value).is_integer() and _COMPACT_DATE.fullmatch(str(int(value))):
            day = parse_date(int(value))
            assert day is not None
            moment = _local(datetime.combine(day, time()))
        else:
            moment = _serial(float(value), time_only_code)
    else:
        text = unicodedata.normalize("NFKC", str(value)).strip()
        try:
            moment = _from_text(text, time_only_code)
        except CellError as err:
            if err.expected == DATE_EXPECTED:  # parse_date's wording names a date only
                raise CellError("IMP024", "日期时间无法识别", MOMENT_EXPECTED) from None
            raise
    return timezone.localtime(moment)
