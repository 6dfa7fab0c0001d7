"""Start-up checks of ``DUCHA_QUALITY`` (``ducha.E020``–``ducha.E028``) against the check registry.

Registered by ``QualityConfig.ready``. Every key must be a check id of the catalogue (or ``core_elements``),
every parameter one the check has (its defaults, plus ``min_n`` and ``severity``), every value of the
default's type and in range. A typo is an error, never silently ignored (an unknown name used to leave
the default in force without a word). The ids are listed in docs/settings.md.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from difflib import get_close_matches
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, register

from ducha.core.checks import TAG, is_int, is_number
from ducha.core.expressions import CODE_RE

if TYPE_CHECKING:  # the catalogue (Ibis) is imported when the check runs, not when the app loads
    from ducha.quality.checks.base import Check

NAME = "DUCHA_QUALITY"
HINT = "修改 settings.py 中的 DUCHA_QUALITY；各检查的编号、阈值名称和默认值见 docs/quality-checks.md"
GLOBAL_KEYS = {"core_elements"}
SPECIAL = {"min_n", "severity"}
# Parameters that are shares or probabilities (0–1), counts (whole numbers) and (lower, upper) pairs.
FRACTIONS = {"min_rate", "share", "min_share", "tolerance", "alpha", "max_ratio", "habit_share", "record_share"}
# Parameters that must be above 0: a robust-z limit of 0 would call every unit unusual among its peers.
POSITIVE = {"peer_z"}
COUNTS = {"months", "years", "min_count", "min_fields", "max_per_day", "min_peers", "min_cards", "min_visits",
          "min_exams", "tolerance_days", "gap_minutes", "min_span_days", "k", "min_women"}
ZERO_ALLOWED = {"tolerance_days"}
ORDERED = [("low", "high"), ("mz_low", "mz_high"), ("sbp_min", "sbp_max"), ("dbp_min", "dbp_max"),
           ("hb_min", "hb_max"), ("min_weeks", "max_weeks")]


def error(id_: str, where: str, problem: str, hint: str = HINT) -> Error:
    return Error(f"设置 {where} {problem}", hint=hint, id=id_)


def key(check_id: str, name: str = "") -> str:
    return f'{NAME}["{check_id}"]' + (f'["{name}"]' if name else "")


def check_top_level(conf: Any, checks: Mapping[str, Check]) -> Iterator[Error]:
    for name in conf:
        if name in checks or name in GLOBAL_KEYS:
            continue
        close = get_close_matches(str(name), [*checks, *GLOBAL_KEYS], n=1)
        guess = f"是否应为“{close[0]}”？" if close else ""
        yield error("ducha.E021", f"{NAME} 中的“{name}”", "不是数据质量检查的编号，也不是 core_elements",
                    f"{guess}{HINT}")
    if "core_elements" in conf:
        yield from check_codes(conf["core_elements"], f'{NAME}["core_elements"]')


def check_entry(check: Check, entry: Any) -> Iterator[Error]:
    if not isinstance(entry, Mapping):
        yield error("ducha.E022", key(check.id), f"应为参数字典，如 {{\"min_n\": 30}}，现为 {entry!r}")
        return
    allowed = [*check.defaults, *sorted(SPECIAL)]
    for name, value in entry.items():
        if name not in allowed:
            yield error("ducha.E023", key(check.id, str(name)), f"不是检查 {check.id}（{check.title}）的阈值名称",
                        f"{check.id} 可设置的是：{'、'.join(allowed)}。{HINT}")
        elif name == "severity":
            yield from check_severity(check, value)
        elif name == "min_n":
            yield from check_min_n(check, value)
        else:
            yield from check_value(check, str(name), value, check.defaults[name])
    yield from check_order(check, {**check.defaults, **entry})


def check_severity(check: Check, value: Any) -> Iterator[Error]:
    if not (is_int(value) and 1 <= value <= 3):
        yield error("ducha.E024", key(check.id, "severity"), f"的值 {value!r} 不是严重程度：应为 1（低）、2（中）或 3（高）")


def check_min_n(check: Check, value: Any) -> Iterator[Error]:
    if not (is_int(value) and value >= 1):
        yield error("ducha.E025", key(check.id, "min_n"), f"的值 {value!r} 不是最少样本量：应为不小于 1 的整数")


def check_value(check: Check, name: str, value: Any, default: Any) -> Iterator[Error]:
    where = key(check.id, name)
    if isinstance(default, list) and default and all(isinstance(d, int) for d in default):
        if not (isinstance(value, list | tuple) and value
                and all(isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in value)):
            yield error("ducha.E026", where, f"的值 {value!r} 类型不对：应为正整数（天数）的列表，如 {default!r}")
    elif isinstance(default, list):
        yield from check_codes(value, where, pairs=bool(default) and isinstance(default[0], list))
    elif isinstance(default, str) and not isinstance(value, str):
        yield error("ducha.E026", where, f"的值 {value!r} 类型不对：应为一个数据元编码，如 {default!r}")
    elif isinstance(default, str):
        yield from check_codes([value], where, single=True)
    elif default is None and value is None:
        return
    elif not is_number(value) or (name in COUNTS and not is_int(value)):
        kind = "整数" if name in COUNTS else "数"
        yield error("ducha.E026", where, f"的值 {value!r} 类型不对：应为{kind}（默认 {default!r}）")
    else:
        yield from check_range(where, name, value)


def check_range(where: str, name: str, value: float) -> Iterator[Error]:
    if name in FRACTIONS and not (0 < value < 1 if name == "alpha" else 0 <= value <= 1):
        yield error("ducha.E027", where, f"的值 {value!r} 超出范围：比例写成 0 到 1 之间的小数（如 0.9 表示 90%）")
    elif name in COUNTS and value < (0 if name in ZERO_ALLOWED else 1):
        yield error("ducha.E027", where, f"的值 {value!r} 超出范围：应为不小于 {0 if name in ZERO_ALLOWED else 1} 的整数")
    elif name == "habit_share" and value < 0.5:
        yield error("ducha.E027", where, f"的值 {value!r} 超出范围：全县习惯指多数单位共有的现象，应在 0.5 到 1 之间")
    elif name in POSITIVE and value <= 0:
        yield error("ducha.E027", where, f"的值 {value!r} 超出范围：应为大于 0 的数（稳健标准差的倍数，如 2.5）")
    elif value < 0 or (name == "birth_rate_per_1000" and value == 0):
        yield error("ducha.E027", where, f"的值 {value!r} 超出范围：不能为负数" + ("或 0" if value == 0 else ""))


def check_order(check: Check, params: Mapping[str, Any]) -> Iterator[Error]:
    for low, high in ORDERED:
        a: Any = params.get(low)
        b: Any = params.get(high)
        if low in check.defaults and is_number(a) and is_number(b) and a >= b:
            yield error("ducha.E027", key(check.id), f"中 {low}（{a!r}）应小于 {high}（{b!r}）")


def check_codes(value: Any, where: str, *, pairs: bool = False, single: bool = False) -> Iterator[Error]:
    shape = "编码对的列表，如 [[\"PREG_REGISTERED\", \"ANC_FIRST\"]]" if pairs \
        else "数据元编码的列表，如 [\"PREG_REGISTERED\", \"LIVE_BIRTHS\"]"
    items = value if isinstance(value, list | tuple) else None
    if not items or (pairs and not all(isinstance(p, list | tuple) and len(p) == 2 for p in items)):
        yield error("ducha.E026", where, f"的值 {value!r} 类型不对：应为{shape}")
        return
    codes = [c for p in items for c in p] if pairs else list(items)
    bad = [c for c in codes if not isinstance(c, str) or not CODE_RE.match(c)]
    if bad:
        yield error("ducha.E028", where, f"中的“{'”“'.join(map(str, bad))}”不是数据元编码（大写字母、数字、下划线）")


@register(TAG)
def check_quality_settings(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """``DUCHA_QUALITY`` against the registry: all problems at once."""
    conf = getattr(settings, NAME, {})
    if not isinstance(conf, Mapping):
        return [error("ducha.E020", NAME, f"应为字典（按检查编号覆盖阈值），现为 {conf!r}")]
    from ducha.quality.checks.base import catalogue

    checks = {c.id: c for c in catalogue()}
    found: list[CheckMessage] = list(check_top_level(conf, checks))
    for check_id, entry in conf.items():
        if check_id in checks:
            found.extend(check_entry(checks[check_id], entry))
    return found
