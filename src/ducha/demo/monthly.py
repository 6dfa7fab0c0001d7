"""Integer arithmetic for the demo: share a total by weights, split a quarter into months under caps."""

from __future__ import annotations

import random
from collections.abc import Sequence


def distribute(total: int, weights: Sequence[float]) -> list[int]:
    """Integers proportional to ``weights`` summing exactly to ``total`` (largest remainder)."""
    whole = sum(weights)
    if total == 0 or whole <= 0:
        return [0] * len(weights)
    raw = [total * w / whole for w in weights]
    out = [int(r) for r in raw]
    for i in sorted(range(len(raw)), key=lambda i: raw[i] - out[i], reverse=True)[: total - sum(out)]:
        out[i] += 1
    return out


def split_bounded(total: int, weights: Sequence[float], caps: Sequence[int] | None = None) -> list[int]:
    """Split ``total`` over months by ``weights`` keeping each month ≤ its cap (caps must allow it)."""
    parts = distribute(total, weights)
    if caps is None:
        return parts
    if total > sum(caps):
        raise ValueError(f"cannot split {total} under caps {list(caps)}")
    excess = 0
    for i, cap in enumerate(caps):
        if parts[i] > cap:
            excess += parts[i] - cap
            parts[i] = cap
    for i in sorted(range(len(parts)), key=lambda i: weights[i], reverse=True):
        room = min(excess, caps[i] - parts[i])
        parts[i] += room
        excess -= room
    return parts


def month_weights(rng: random.Random, months: int) -> list[float]:
    """Seasonal weights for Jan–Mar (fewer in the Spring Festival month) with a unit's own noise."""
    base = [0.36, 0.28, 0.36, 0.34, 0.33, 0.33][:months]
    return [b * rng.uniform(0.85, 1.15) for b in base]


# Order matters: each element is split after the ones that cap it (left ≤ sum of caps, month by month).
CAPPED_BY: list[tuple[str, tuple[str, ...]]] = [
    ("PREG_TOTAL", ()),
    ("PARTURIENTS", ()),
    ("PREG_REGISTERED", ("PREG_TOTAL",)),
    ("EARLY_REG", ("PREG_REGISTERED",)),
    ("ANC_FIRST", ("PREG_REGISTERED",)),
    ("LIVE_BIRTHS", ()),
    ("STILLBIRTHS", ()),
    ("ANC_ANY", ()),
    ("ANC_5PLUS", ("ANC_ANY",)),
    ("SYS_MANAGED", ("ANC_5PLUS",)),
    ("POSTPARTUM_VISIT", ()),
    ("HOSP_DELIVERIES", ("LIVE_BIRTHS", "STILLBIRTHS")),
    ("CAESAREAN", ("HOSP_DELIVERIES",)),
    ("HIGH_RISK", ()),
    ("HIGH_RISK_MANAGED", ("HIGH_RISK",)),
    ("HIGH_RISK_REFERRAL", ()),
    ("HIGH_RISK_ADMISSION", ()),
    ("MATERNAL_DEATHS", ()),
    ("TRIPLE_TESTED", ()),
    ("FOLIC_DUE", ()),
    ("FOLIC_NEW", ("FOLIC_DUE",)),
    ("NEWBORN_VISITED", ()),
    ("CHILD_U3_EXAMS", ()),
    ("CHILD_U3_SYS", ()),
    ("CHILD_U7_MANAGED", ()),
    ("U5_DEATHS", ()),
    ("INFANT_DEATHS", ("U5_DEATHS",)),
    ("NEONATAL_DEATHS", ("INFANT_DEATHS",)),
    ("LOW_BIRTH_WEIGHT", ("LIVE_BIRTHS",)),
    ("PERINATAL_BIRTHS", ()),
    ("BIRTH_DEFECTS", ()),
    ("FAC_DELIVERIES", ()),
    ("FAC_LIVE_BIRTHS", ()),
    ("FAC_CAESAREAN", ("FAC_LIVE_BIRTHS",)),
    ("FAC_TRIPLE_TESTED", ("FAC_DELIVERIES",)),
    ("FAC_MATERNAL_DEATHS", ()),
]
STOCKS = ("CHILD_U3", "CHILD_U7")


def split_quarter(totals: dict[str, int], weights: list[float]) -> list[dict[str, int]]:
    """Monthly values whose sums are ``totals`` and which keep every capped relation month by month."""
    months: list[dict[str, int]] = [{} for _ in weights]
    for code, uppers in CAPPED_BY:
        if code not in totals:
            continue
        caps = [sum(m[u] for u in uppers) for m in months] if uppers else None
        for m, value in zip(months, split_bounded(totals[code], weights, caps), strict=True):
            m[code] = value
    for code in STOCKS:
        if code in totals:
            for i, m in enumerate(months):  # the roll grows a little; the last month is the quarter's figure
                m[code] = totals[code] - 6 * (len(months) - 1 - i)
    return months
