"""The reporting completeness and timeliness targets: one setting for the checks and the dashboard.

The data-quality checks DQ-R01 (报告完整率低) and DQ-R02 (报告及时率低) fire below these rates, and the
dashboard colours a unit's rates red below the same numbers. Both read ``DUCHA_QUALITY["DQ-R01"]["min_rate"]``
and ``DUCHA_QUALITY["DQ-R02"]["min_rate"]`` (fractions, validated at start-up by
``ducha.quality.settings_checks``); the defaults are WHO Data Quality Review's 90 % and 75 %.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings

if TYPE_CHECKING:
    import ibis.expr.types as ir

COMPLETENESS_CHECK = "DQ-R01"
TIMELINESS_CHECK = "DQ-R02"
DEFAULT_MIN_RATES = {COMPLETENESS_CHECK: 0.90, TIMELINESS_CHECK: 0.75}


def min_rate(check_id: str) -> float:
    """The configured minimum rate (0–1) of ``DQ-R01`` or ``DQ-R02``."""
    conf: Any = getattr(settings, "DUCHA_QUALITY", {}) or {}
    return float(conf.get(check_id, {}).get("min_rate", DEFAULT_MIN_RATES[check_id]))


@dataclass(frozen=True)
class ReportingTargets:
    """The targets in percent, as the dashboard shows rates (``90.0`` for 90 %)."""

    completeness: float
    timeliness: float

    @property
    def completeness_text(self) -> str:
        return f"{self.completeness:g}%"

    @property
    def timeliness_text(self) -> str:
        return f"{self.timeliness:g}%"


def reporting_targets() -> ReportingTargets:
    return ReportingTargets(completeness=round(100 * min_rate(COMPLETENESS_CHECK), 6),
                            timeliness=round(100 * min_rate(TIMELINESS_CHECK), 6))


# The one definition of the two rates (WHO Data Quality Review): the status grid and the dashboard call
# ``completeness``/``timeliness``; the checks DQ-R01/DQ-R02 use the same formula as an Ibis expression over
# every unit at once (``*_fraction``), checked equal by ducha/core/tests/test_reporting_rates.py.

def completeness(received: int, expected: int) -> float | None:
    """报告完整率 in percent: reports received over reports expected (at most 100); None when none expected."""
    return None if not expected else min(100.0, 100.0 * received / expected)


def timeliness(timely: int, expected: int) -> float | None:
    """报告及时率 in percent: reports received by the deadline over reports expected; None when none expected."""
    return None if not expected else min(100.0, 100.0 * timely / expected)


def completeness_fraction(received: ir.IntegerValue, expected: ir.IntegerValue) -> ir.FloatingValue:
    """``completeness / 100`` as an Ibis expression (NULL when nothing is expected)."""
    return _fraction(received, expected)


def timeliness_fraction(timely: ir.IntegerValue, expected: ir.IntegerValue) -> ir.FloatingValue:
    """``timeliness / 100`` as an Ibis expression (NULL when nothing is expected)."""
    return _fraction(timely, expected)


def _fraction(part: ir.IntegerValue, expected: ir.IntegerValue) -> ir.FloatingValue:
    import ibis  # only the checks need Ibis; the pages import this module too

    share = part.cast("float64") / expected.nullif(0)
    return ibis.cases((share > 1.0, 1.0), else_=share)  # type: ignore[no-any-return]
