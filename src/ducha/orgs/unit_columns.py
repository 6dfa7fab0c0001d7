"""Optional columns of the unit list that other apps own (``ducha import-units`` / ``export-units``).

The org tree knows nothing of the apps above it; an app that keeps something per unit (reporting: which
data sets a unit reports, 报送数据集) registers a :class:`UnitColumn` in its ``AppConfig.ready``. The unit
reader then accepts that header (optional), parses each cell with ``parse`` (a ``CellError`` becomes a
located problem and nothing is written), and after the units are saved calls ``apply`` in the same
transaction; the export writes ``export``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from ducha.core.actor import Actor
from ducha.orgs.models import OrgUnit


@dataclass(frozen=True)
class UnitColumn:
    key: str
    header: str
    parse: Callable[[Any], Any]  # cell → value, or raises ducha.core.excel_io.CellError
    apply: Callable[[Actor, OrgUnit, Any], bool]  # write the value; True when something changed
    export: Callable[[Iterable[OrgUnit]], dict[int, str]]  # {unit pk: cell text} for the export
    api_values: Callable[[Iterable[OrgUnit]], dict[int, list[str]]]  # {unit pk: values} for the API output


_COLUMNS: dict[str, UnitColumn] = {}


def register_unit_column(column: UnitColumn) -> None:
    _COLUMNS[column.key] = column


def unit_columns() -> list[UnitColumn]:
    return list(_COLUMNS.values())


def unit_column(key: str) -> UnitColumn | None:
    return _COLUMNS.get(key)
