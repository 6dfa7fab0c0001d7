"""WHO child growth z-scores (``quality.md`` §5), computed over whole columns with numpy.

The restricted LMS method of the WHO Child Growth Standards (2006), as WHO's ``anthro`` software does it:

* age in days, rounded half up to a whole day, looks up the age tables; z-scores are computed up to
  60 months (``age_days / 30.4375 < 60``, the end of WHO's tables at 1826 days) and are NaN beyond;
* length measured standing before 731 days gets +0.7 cm, length measured lying from 731 days −0.7 cm;
  a missing measure is taken as the right one for the age (no adjustment);
* weight-for-length (45–110 cm) before 731 days, weight-for-height (65–120 cm) from 731 days, both
  interpolated linearly between the 0.1 cm rows (if the age is missing: by the measure, else < 87 cm);
* ``z = ((y/M)^L − 1) / (S·L)``; for weight-for-age, weight-for-length/height and BMI-for-age only,
  beyond ±3 the distance is measured in units of the SD2–SD3 gap (``SDk = M·(1 + L·S·k)^(1/L)``);
* BMI from the weight and the adjusted length; oedema ("y") leaves WAZ, WLZ and BAZ uncomputed;
* round to 2 decimals, then flag: WAZ < −6 or > 5, |LAZ| > 6, |WLZ| > 5, |BAZ| > 5.

No Python loop runs per record: every step is a numpy operation over the whole column, and the table
lookups are integer gathers (see :mod:`ducha.quality.who_tables`).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa

from ducha.quality.who_tables import Floats, LmsTable, length_tables, who_tables

INDICATORS = ("waz", "laz", "wlz", "baz")
FLAGS = ("fwaz", "flaz", "fwlz", "fbaz")
INPUT_COLUMNS = ("sex", "age_days", "weight_kg", "length_cm", "measure")
REQUIRED_COLUMNS = ("sex", "age_days", "weight_kg", "length_cm")  # measure (and oedema) are optional
DAYS_PER_MONTH = 30.4375
MAX_AGE_MONTHS = 60
STANDING_FROM_DAYS = 731
HEIGHT_ADJUSTMENT_CM = 0.7
WFL_RANGE = (45.0, 110.0)
WFH_RANGE = (65.0, 120.0)
NO_AGE_LYING_BELOW_CM = 87.0
# flag limits on the rounded z-score: (low, high)
FLAG_LIMITS: dict[str, tuple[float, float]] = {"waz": (-6, 5), "laz": (-6, 6), "wlz": (-5, 5), "baz": (-5, 5)}

MEASURE_MISSING, LYING, STANDING = 0, 1, 2
MEASURE_CODES = {"l": LYING, "h": STANDING}
SEX_CODES = {"1": 1, "2": 2, "m": 1, "f": 2}
OEDEMA_YES = {"y", "1", "true"}

Codes = npt.NDArray[np.int8]
Mask = npt.NDArray[np.bool_]


def _lms(table: LmsTable, flat: npt.NDArray[np.intp]) -> tuple[Floats, Floats, Floats]:
    return table.l.ravel().take(flat), table.m.ravel().take(flat), table.s.ravel().take(flat)


def _plain_z(y: Floats, l: Floats, m: Floats, s: Floats) -> Floats:  # noqa: E741
    return ((y / m) ** l - 1) / (s * l)


def _restricted_z(y: Floats, l: Floats, m: Floats, s: Floats) -> Floats:  # noqa: E741
    """LMS z with WHO's restriction beyond ±3 SD (only the few records beyond are recomputed)."""
    z = _plain_z(y, l, m, s)
    for side in (3.0, -3.0):
        rows = np.flatnonzero(z > 3) if side > 0 else np.flatnonzero(z < -3)
        if rows.size == 0:
            continue
        yy, ll, mm, ss = y[rows], l[rows], m[rows], s[rows]
        sd3 = mm * (1 + ll * ss * side) ** (1 / ll)
        sd2 = mm * (1 + ll * ss * (side * 2 / 3)) ** (1 / ll)
        z[rows] = side + (yy - sd3) / abs(sd3 - sd2)  # SD3 − SD2 above, SD−2 − SD−3 below
    return z


OUTPUTS = (*INDICATORS, "clenhei", "cbmi")
# Rows per block: numpy's temporaries for a block stay small enough to be reused from the heap instead
# of being mapped fresh from the OS for every operation (page faults cost more than the arithmetic).
BLOCK_ROWS = 8_192


def zscore_arrays(sex: Floats, age_days: Floats, weight_kg: Floats, length_cm: Floats,
                  measure: Codes | None = None, oedema: Mask | None = None) -> dict[str, Floats]:
    """WAZ, LAZ, WLZ and BAZ (rounded to 2 decimals, NaN where not computable) for whole columns.

    ``sex`` 1/2 (anything else → NaN), ``age_days`` (NaN = unknown), ``weight_kg``, ``length_cm`` as
    float arrays; ``measure`` as codes (0 missing, 1 lying, 2 standing); ``oedema`` as booleans.
    Also returns ``clenhei`` (the adjusted length) and ``cbmi``. The columns are processed in blocks of
    :data:`BLOCK_ROWS` rows, every block with whole-array numpy operations.
    """
    n = len(sex)
    measure = np.zeros(n, np.int8) if measure is None else np.asarray(measure, dtype=np.int8)
    oedema = np.zeros(n, bool) if oedema is None else np.asarray(oedema, dtype=bool)
    columns = [np.asarray(c, dtype=np.float64) for c in (sex, age_days, weight_kg, length_cm)]
    result = {name: np.empty(n) for name in OUTPUTS}
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        for first in range(0, n, BLOCK_ROWS):
            block = slice(first, first + BLOCK_ROWS)
            sex_b, age_b, weight_b, length_b = (c[block] for c in columns)
            values = _block(sex_b, age_b, weight_b, length_b, measure[block], oedema[block])
            for name in OUTPUTS:
                result[name][block] = values[name]
    return result


def _block(sex: Floats, age_days: Floats, weight_kg: Floats, length_cm: Floats, measure: Codes,
           oedema: Mask) -> dict[str, Floats]:
    tables, stacked = who_tables(), length_tables()
    sex_row = np.where((sex == 1) | (sex == 2), sex, 0).astype(np.intp)
    age_known = ~np.isnan(age_days)
    age_ok = (age_days >= 0) & (age_days / DAYS_PER_MONTH < MAX_AGE_MONTHS)
    # WHO rounds the age half up to a whole day: floor(age + 0.5) < 731 ⇔ age < 730.5
    young, old = age_days < STANDING_FROM_DAYS - 0.5, age_days >= STANDING_FROM_DAYS - 0.5
    lying, standing = measure == LYING, measure == STANDING
    length = np.where(length_cm > 0, length_cm, np.nan)
    length += HEIGHT_ADJUSTMENT_CM * (young & standing) - HEIGHT_ADJUSTMENT_CM * (old & lying)
    weight = np.where((weight_kg > 0) & ~oedema, weight_kg, np.nan)
    bmi = weight / (length / 100) ** 2

    width = tables["wfa"].l.shape[1]
    age_row = np.where(age_ok, age_days + 0.5, tables["wfa"].nan_row).astype(np.intp)  # truncates, ≥ 0
    flat = sex_row * width + age_row
    waz = _restricted_z(weight, *_lms(tables["wfa"], flat))
    laz = _plain_z(length, *_lms(tables["lhfa"], flat))
    baz = _restricted_z(bmi, *_lms(tables["bfa"], flat))

    no_measure = measure == MEASURE_MISSING
    by_length = ~age_known & (lying | (no_measure & (length < NO_AGE_LYING_BELOW_CM)))
    by_height = ~age_known & (standing | (no_measure & (length >= NO_AGE_LYING_BELOW_CM)))
    wl_age_ok = ~age_known | age_ok
    in_wfl = (young | by_length) & wl_age_ok & (length >= WFL_RANGE[0]) & (length <= WFL_RANGE[1])
    in_wfh = (old | by_height) & wl_age_ok & (length >= WFH_RANGE[0]) & (length <= WFH_RANGE[1])
    inside = in_wfl | in_wfh
    tenths = np.where(inside, length * 10, 0).astype(np.intp)  # trunc(length·10), as WHO does
    fraction = np.where(inside, (length - tenths / 10) / 0.1, 0.0)
    first = np.where(in_wfl, -int(WFL_RANGE[0] * 10), stacked.wfh_offset - int(WFH_RANGE[0] * 10))
    low = sex_row * stacked.l.shape[1] + np.where(inside, tenths + first, stacked.nan_row)
    high = low + inside
    params = []
    for table in (stacked.l.ravel(), stacked.m.ravel(), stacked.s.ravel()):
        lower = table.take(low)
        params.append(lower + fraction * (table.take(high) - lower))
    wlz = _restricted_z(weight, params[0], params[1], params[2])
    return {"waz": np.round(waz, 2), "laz": np.round(laz, 2), "wlz": np.round(wlz, 2), "baz": np.round(baz, 2),
            "clenhei": length, "cbmi": bmi}


def flag_array(name: str, z: Floats) -> pd.arrays.IntegerArray:
    """1 where the rounded z-score is outside WHO's plausible range, 0 inside, <NA> where z is NaN."""
    low, high = FLAG_LIMITS[name]
    missing = np.isnan(z)
    with np.errstate(invalid="ignore"):
        flagged = ((z < low) | (z > high)).astype(np.int8)
    return pd.arrays.IntegerArray(flagged, missing)


# ── reading the columns of a frame ───────────────────────────────────────────────────────────────


def float_column(series: pd.Series, name: str) -> Floats:
    """A numeric column as float64 (NaN for blanks); text that is not a number raises ``ValueError``."""
    if pd.api.types.is_numeric_dtype(series.dtype) and not pd.api.types.is_bool_dtype(series.dtype):
        return series.to_numpy(dtype=np.float64, na_value=np.nan)
    numbers = pd.to_numeric(series, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
    suspect = np.isnan(numbers) & series.notna().to_numpy(dtype=bool)
    if suspect.any():
        text = series[suspect].astype(str).str.strip()
        bad = text[text != ""]
        if len(bad):
            raise ValueError(f"“{name}”列有不是数字的值：“{bad.iloc[0]}”（行索引 {bad.index[0]}）")
    return numbers


def _lookup_codes(series: pd.Series, mapping: dict[str, int]) -> Codes:
    """Map a column of few distinct values through ``mapping`` (case-insensitive; unknown → 0)."""
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    table = np.array([mapping.get(_key(value), 0) for value in uniques] + [0], dtype=np.int8)
    return table[codes]


def _key(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip().lower()


def measure_codes(series: pd.Series | None) -> Codes | None:
    """"l" → lying, "h" → standing (any case); blank or anything else → missing (judged by age)."""
    return None if series is None else _lookup_codes(series, MEASURE_CODES)


def sex_column(series: pd.Series) -> Floats:
    if pd.api.types.is_numeric_dtype(series.dtype) and not pd.api.types.is_bool_dtype(series.dtype):
        return series.to_numpy(dtype=np.float64, na_value=np.nan)
    return _lookup_codes(series, SEX_CODES).astype(np.float64)


def oedema_mask(series: pd.Series | None) -> Mask | None:
    if series is None:
        return None
    if pd.api.types.is_bool_dtype(series.dtype):
        return series.fillna(False).to_numpy(dtype=bool)
    return _lookup_codes(series, dict.fromkeys(OEDEMA_YES, 1)).astype(bool)


def _as_frame(data: pd.DataFrame | pa.Table | pa.RecordBatch) -> pd.DataFrame:
    if isinstance(data, pa.Table | pa.RecordBatch):
        return data.to_pandas()
    if isinstance(data, pd.DataFrame):
        return data
    raise TypeError("compute_zscores 需要 pandas.DataFrame 或 pyarrow.Table")


def compute_zscores(data: pd.DataFrame | pa.Table | pa.RecordBatch) -> pd.DataFrame:
    """The input rows with ``waz, laz, wlz, baz`` (2 decimals, NaN where not computable) and their
    flags ``fwaz, flaz, fwlz, fbaz`` (1/0, <NA> where the z-score is NaN) added.

    Columns: ``sex`` (1 boy / 2 girl), ``age_days``, ``weight_kg``, ``length_cm``, optional ``measure``
    ("l" lying / "h" standing, any case; missing → judged by age) and optional ``oedema`` ("y"/"n").
    """
    frame = _as_frame(data)
    missing = [c for c in REQUIRED_COLUMNS if c not in frame.columns]
    if missing:
        raise ValueError("缺少列：" + "、".join(missing))
    result = zscore_arrays(
        sex_column(frame["sex"]),
        float_column(frame["age_days"], "age_days"),
        float_column(frame["weight_kg"], "weight_kg"),
        float_column(frame["length_cm"], "length_cm"),
        measure=measure_codes(frame["measure"] if "measure" in frame.columns else None),
        oedema=oedema_mask(frame["oedema"] if "oedema" in frame.columns else None),
    )
    added: dict[str, Any] = {name: result[name] for name in INDICATORS}
    added.update({flag: flag_array(name, result[name]) for name, flag in zip(INDICATORS, FLAGS, strict=True)})
    clash = [c for c in added if c in frame.columns]
    if clash:
        frame = frame.drop(columns=clash)
    return pd.concat([frame, pd.DataFrame(added, index=frame.index)], axis=1)
