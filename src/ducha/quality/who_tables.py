"""The WHO Child Growth Standards (2006) LMS tables, shipped as package data (``data/who/``).

Each table is read once and kept as numpy arrays indexed ``[sex, row]`` (sex 1 = boy, 2 = girl; row 0
of the sex axis is all NaN, so an unknown sex gives NaN without a mask). The age tables have one row per
day from 0; the weight-for-length and weight-for-height tables one row per 0.1 cm. Every table has one
extra column of NaN at the end (:attr:`LmsTable.nan_row`): an index that is out of range points there,
and the arithmetic after the lookup turns it into a NaN z-score by itself.

Source: World Health Organization, *WHO Child Growth Standards* (2006), LMS parameters as distributed
with WHO's ``anthro`` package (``data-raw/growthstandards``); see ``data/who/README.md``.
"""

from __future__ import annotations

import functools
import io
from dataclasses import dataclass
from importlib import resources

import numpy as np
import numpy.typing as npt
import pandas as pd

Floats = npt.NDArray[np.float64]

# file, index column, first index value, step
TABLE_FILES: dict[str, tuple[str, str, float, float]] = {
    "wfa": ("weianthro.txt", "age", 0.0, 1.0),
    "lhfa": ("lenanthro.txt", "age", 0.0, 1.0),
    "bfa": ("bmianthro.txt", "age", 0.0, 1.0),
    "wfl": ("wflanthro.txt", "length", 45.0, 0.1),
    "wfh": ("wfhanthro.txt", "height", 65.0, 0.1),
}


@dataclass(frozen=True)
class LmsTable:
    """L, M and S of one table, each shaped ``(3, rows + 1)``; the last column is NaN."""

    name: str
    start: float
    step: float
    l: Floats  # noqa: E741 — the LMS method's own names
    m: Floats
    s: Floats

    @property
    def rows(self) -> int:
        """Number of real rows (index values) per sex."""
        return int(self.l.shape[1] - 1)

    @property
    def nan_row(self) -> int:
        return self.rows

    @property
    def stop(self) -> float:
        """The last index value (e.g. 1826 days, 110.0 cm)."""
        return self.start + (self.rows - 1) * self.step


def read_table(name: str) -> LmsTable:
    """Read one table from package data, checking it is complete and evenly stepped for both sexes."""
    filename, index, start, step = TABLE_FILES[name]
    text = resources.files("ducha.quality").joinpath("data", "who", filename).read_text(encoding="ascii")
    frame = pd.read_csv(io.StringIO(text), sep="\t")
    per_sex = [frame[frame["sex"] == sex].sort_values(index) for sex in (1, 2)]
    rows = len(per_sex[0])
    expected = start + step * np.arange(rows)
    for part in per_sex:
        if len(part) != rows or not np.allclose(part[index].to_numpy(dtype=float), expected, atol=step / 100):
            raise ValueError(f"WHO 生长标准表 {filename} 不完整或步长不一致")
    arrays = []
    for column in ("l", "m", "s"):
        values = np.full((3, rows + 1), np.nan)
        for sex, part in zip((1, 2), per_sex, strict=True):
            values[sex, :rows] = part[column].to_numpy(dtype=float)
        values.setflags(write=False)
        arrays.append(values)
    return LmsTable(name=name, start=start, step=step, l=arrays[0], m=arrays[1], s=arrays[2])


@functools.cache
def who_tables() -> dict[str, LmsTable]:
    """All five tables, read from package data on first use and cached for the process."""
    return {name: read_table(name) for name in TABLE_FILES}


@dataclass(frozen=True)
class LengthTables:
    """Weight-for-length and weight-for-height stacked into one array per parameter, so that one
    gather serves both: ``[wfl rows, wfl last row again, wfh rows, wfh last row again, NaN]``.

    The repeated last row lets linear interpolation read ``row + 1`` at a table's last row (where
    the fraction is 0) without stepping into the other table or into NaN.
    """

    l: Floats  # noqa: E741
    m: Floats
    s: Floats
    wfl_offset: int
    wfh_offset: int
    nan_row: int


@functools.cache
def length_tables() -> LengthTables:
    tables = who_tables()
    wfl, wfh = tables["wfl"], tables["wfh"]
    stacked = []
    for column in ("l", "m", "s"):
        a, b = getattr(wfl, column)[:, :-1], getattr(wfh, column)[:, :-1]
        nan = np.full((3, 1), np.nan)
        values = np.concatenate([a, a[:, -1:], b, b[:, -1:], nan], axis=1)
        values.setflags(write=False)
        stacked.append(values)
    wfh_offset = wfl.rows + 1
    return LengthTables(l=stacked[0], m=stacked[1], s=stacked[2], wfl_offset=0, wfh_offset=wfh_offset,
                        nan_row=wfh_offset + wfh.rows + 1)
