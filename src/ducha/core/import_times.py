"""Points in time in imported files (录入时间, 修改时间, 报送时间): a date with a time of day.

Accepted (documented in docs/registers-import.md and docs/import-template.md):
- an Excel date/time cell; an Excel serial number in a cell not formatted as a date (``40969.5`` is
  2012-03-01 12:00; also written as text in a CSV), rounded to the second;
- text ``2012-03-01 08:30``, ``2012/3/1 8:30:15``, ``2012.3.1 08:30``, ``2012年3月1日 8时30分`` (also
  ``2012年3月1日8点30``, ``9点半``, ``9时``), ``下午2:30``/``2:30 PM``, ``20120301 0830``… — the date as
  :func:`ducha.core.excel_io.parse_date` reads it, then a time;
- ISO 8601 with a zone (``2012-03-01T08:00:00+08:00``, ``2012-03-01T00:00:00Z``, ``+0800``, ``UTC+8``,
  ``北京时间``): converted to the server's zone (``TIME_ZONE``, Asia/Shanghai); a zone abbreviation such as
  ``CST`` (China or US Central?) is refused;
- a date alone (``2012-03-01``, a date cell, a whole serial number, ``20120301``, and 0:00:00 without a zone —
  a date column exported with its midnight): 0:00 of that day, and :attr:`Moment.has_time` is False — the time
  of day is unknown, which the caller keeps (a day is not a sitting).
Times without a zone are the server's local time. A time of day without a date (``08:30``, an Excel time
cell, a serial below 1) cannot be placed and is refused with the caller's problem id.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, date, datetime, time, timedelta
from datetime import timezone as dt_timezone
from typing import Any, NamedTuple

from django.utils import timezone

from ducha.core.excel_io import DATE_EXPECTED, CellError, is_blank, parse_date

__all__ = ["EARLIEST_MOMENT", "MOMENT_EXPECTED", "Moment", "moment_text", "parse_moment", "read_moment"]

MOMENT_EXPECTED = "日期和时间，如 2012-03-01 08:30、2012/3/1 8:30:15 或 2012-03-01T08:30:00+08:00"
EARLIEST_MOMENT = date(2000, 1, 1)  # no register or report was entered electronically before; earlier is a typo
_EXCEL_EPOCH = datetime(1899, 12, 30)
_SERIAL_END = 2958466  # 10000-01-01
_SERIAL_TEXT = re.compile(r"^[0-9]{1,7}(?:\.[0-9]+)?$")
_COMPACT_DATE = re.compile(r"^[0-9]{8}$")
_BEFORE = r"(?:(?P<ap>上午|早上|早晨|凌晨|中午|下午|晚上)\s*)?"
_CLOCK = (r"(?:(?P<h>\d{1,2})\s*:\s*(?P<m>\d{1,2})(?:\s*:\s*(?P<s>\d{1,2})(?:\.(?P<f>\d+))?)?"
          r"|(?P<hz>\d{1,2})\s*[时点]\s*(?:(?P<mz>\d{1,2})\s*分?\s*(?:(?P<sz>\d{1,2})\s*秒)?|(?P<half>半))?"
          r"|(?P<hc>\d{2})(?P<mc>\d{2})(?P<sc>\d{2})?)")
_AFTER = r"(?:\s*(?P<ap2>AM|PM|A\.M\.|P\.M\.))?"
_TIME = _BEFORE + _CLOCK + _AFTER
_ZONE = r"(?P<z>Z|UTC|GMT|(?:UTC|GMT)?[+-]\d{1,2}(?::?\d{2})?|[(（]?北京时间[)）]?|(?P<zn>[A-Z]{2,5}))"
_MOMENT = re.compile(r"^(?P<d>.+?)(?:\s*T\s*|\s+|(?<=日))" + _TIME + r"\s*" + _ZONE + r"?$", re.IGNORECASE)
_TIME_ONLY = re.compile(r"^" + _TIME + r"\s*" + _ZONE + r"?$", re.IGNORECASE)
_LATER_HALF = {"下午", "晚上", "PM", "P.M."}
_EARLIER_HALF = {"上午", "早上", "早晨", "凌晨", "AM", "A.M."}
_BAD_TIME = ("IMP024", "时间不存在", "0:00 到 23:59 之间的时间，如 2012-03-01 08:30")


class Moment(NamedTuple):
    """A point in time in the server's zone; ``has_time`` is False for a date alone (0:00, time unknown)."""

    at: datetime
    has_time: bool


def moment_text(value: datetime) -> str:
    """How a stored time is shown in a message: local, to the minute."""
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")


def _local(naive: datetime) -> datetime:
    return timezone.make_aware(naive, timezone.get_current_timezone())


def _day(day: date) -> Moment:
    return Moment(_local(datetime.combine(day, time())), False)


def _serial(number: float, time_only_code: str) -> Moment:
    if 0 <= number < 1:
        raise CellError(time_only_code, "只有时刻，没有日期（Excel 时间格式或小于 1 的序列号）", MOMENT_EXPECTED)
    if not 1 <= number < _SERIAL_END:
        raise CellError("IMP024", "日期时间无法识别", MOMENT_EXPECTED)
    if float(number).is_integer():  # a whole serial is a date cell's value: the day, no time
        return _day((_EXCEL_EPOCH + timedelta(days=int(number))).date())
    return Moment(_local(_EXCEL_EPOCH + timedelta(seconds=round(number * 86400))), True)


def _zone(text: str | None, name: str | None) -> dt_timezone | None:
    if not text:
        return None
    if "北京时间" in text:
        return dt_timezone(timedelta(hours=8))
    text = text.upper()
    if name is not None and text not in ("Z", "UTC", "GMT"):
        raise CellError("IMP024", f"时区无法识别（“{name}”这样的缩写含义不一，如 CST 可指中国或美国中部时间）",
                        "时区写作 +08:00、+0800、Z（UTC）或 北京时间")
    text = text.removeprefix("UTC").removeprefix("GMT")
    if text in ("", "Z"):
        return UTC
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    hours, minutes = (int(digits[:-2]), int(digits[-2:])) if len(digits) > 2 else (int(digits), 0)
    if hours > 14 or minutes > 59:
        raise CellError("IMP024", "时区无法识别", "时区写作 +08:00、+0800、Z（UTC）或 北京时间")
    return dt_timezone(sign * timedelta(hours=hours, minutes=minutes))


def _clock(match: re.Match[str]) -> time:
    hour = int(match["h"] or match["hz"] or match["hc"])
    minute = 30 if match["half"] else int(match["m"] or match["mz"] or match["mc"] or 0)
    second = int(match["s"] or match["sz"] or match["sc"] or 0)
    micro = int((match["f"] or "0")[:6].ljust(6, "0"))
    half = match["ap"] or (match["ap2"] or "").upper() or None
    if half is not None:
        if not 0 <= hour <= 12:
            raise CellError(*_BAD_TIME)
        if half in _LATER_HALF and hour < 12 or half == "中午" and hour < 11:
            hour += 12
        elif half in _EARLIER_HALF and hour == 12:
            hour = 0
    if hour > 23 or minute > 59 or second > 59:
        raise CellError(*_BAD_TIME)
    return time(hour, minute, second, micro)


def _from_text(text: str, time_only_code: str) -> Moment:
    if _TIME_ONLY.match(text):
        raise CellError(time_only_code, "只有时刻，没有日期", MOMENT_EXPECTED)
    if _SERIAL_TEXT.fullmatch(text) and not _COMPACT_DATE.fullmatch(text):
        return _serial(float(text), time_only_code)
    match = _MOMENT.match(text)
    if match is None:
        day = parse_date(text)  # a date alone: 0:00 of the day, time unknown
        assert day is not None
        return _day(day)
    day = parse_date(match["d"])
    assert day is not None
    naive = datetime.combine(day, _clock(match))
    zone = _zone(match["z"], match["zn"])
    if zone is None and naive.time() == time():  # "2012-03-01 00:00:00": a date column exported with its 0:00
        return _day(day)
    return Moment(naive.replace(tzinfo=zone) if zone else _local(naive), True)


def _read(value: Any, time_only_code: str) -> Moment:
    if isinstance(value, datetime):
        aware = value if timezone.is_aware(value) else _local(value)
        # A date-formatted cell reads as a datetime at 0:00: a day, not an entry at midnight to the microsecond.
        return Moment(aware, value.time() != time() or timezone.is_aware(value))
    if isinstance(value, date):
        return _day(value)
    if isinstance(value, time):
        raise CellError(time_only_code, "只有时刻，没有日期（单元格是时间格式）", MOMENT_EXPECTED)
    if isinstance(value, bool):
        raise CellError("IMP024", "日期时间无法识别", MOMENT_EXPECTED)
    if isinstance(value, int | float):
        if value != value or value in (float("inf"), float("-inf")):
            raise CellError("IMP024", "日期时间无法识别", MOMENT_EXPECTED)
        if float(value).is_integer() and _COMPACT_DATE.fullmatch(str(int(value))):
            day = parse_date(int(value))
            assert day is not None
            return _day(day)
        return _serial(float(value), time_only_code)
    text = unicodedata.normalize("NFKC", str(value)).strip()
    try:
        return _from_text(text, time_only_code)
    except CellError as err:
        if err.expected == DATE_EXPECTED:  # parse_date's wording names a date only
            raise CellError("IMP024", "日期时间无法识别", MOMENT_EXPECTED) from None
        raise


def read_moment(value: Any, *, time_only_code: str) -> Moment | None:
    """The moment in the server's zone and whether a time of day was given, or None for a blank cell; else
    :class:`CellError` (``IMP024`` unrecognisable, ``time_only_code`` for a time of day without a date)."""
    if is_blank(value):
        return None
    moment = _read(value, time_only_code)
    return Moment(timezone.localtime(moment.at), moment.has_time)


def parse_moment(value: Any, *, time_only_code: str) -> datetime | None:
    """:func:`read_moment` without the flag: an aware datetime in the server's zone, or None for a blank cell."""
    moment = read_moment(value, time_only_code=time_only_code)
    return moment.at if moment is not None else None
