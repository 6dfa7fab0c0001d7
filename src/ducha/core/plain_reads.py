"""Model instances read with plain queries: for the few reads every request makes.

Building and compiling an ORM query costs 0.2–0.4 ms, more than a kept page's own work (docs/benchmarks.md), so
the reads each logged-in request repeats — its session and user, its memberships — go through ``fetch_instances``
(one model) or ``select_list``/``build_instance`` (several models in one statement): the model's own columns, the
value converters the ORM would apply (SQLite returns datetimes as text, for one) and ``Model.from_db``, so the
instances are exactly those the ORM would give.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any, TypeVar

from django.db import connection
from django.db.models import Model

M = TypeVar("M", bound=Model)


@dataclass(frozen=True)
class SelectList:
    """The columns of one model in a plain ``SELECT``: ``sql`` for the statement, the rest to build instances."""

    model: type[Model]
    sql: str
    names: tuple[str, ...]
    converters: tuple[tuple[int, Any, Any], ...]

    @property
    def width(self) -> int:
        return len(self.names)


@cache
def select_list(model: type[Model], alias: str = "") -> SelectList:
    """The model's concrete columns (qualified by the table ``alias`` when given)."""
    meta = model._meta
    fields = list(meta.concrete_fields)
    columns = [f.get_col(meta.db_table) for f in fields]
    converters = tuple((i, convert, col) for i, col in enumerate(columns)
                       for convert in connection.ops.get_db_converters(col) + col.get_db_converters(connection))
    prefix = f"{alias}." if alias else ""
    sql = ", ".join(prefix + connection.ops.quote_name(f.column) for f in fields)
    return SelectList(model, sql, tuple(f.attname for f in fields), converters)


def build_instance(select: SelectList, values: Sequence[Any]) -> Any:
    """The instance of ``select.model`` from its columns' raw values, converted as the ORM converts them."""
    row = list(values)
    for i, convert, col in select.converters:
        row[i] = convert(row[i], col, connection)
    return select.model.from_db(connection.alias, list(select.names), row)


def column(model: type[Model], field: str) -> str:
    """The quoted column of ``field``, for a ``where`` of ``fetch_instances``."""
    return connection.ops.quote_name(str(model._meta.get_field(field).column))  # type: ignore[union-attr]


def table(model: type[Model]) -> str:
    """The model's quoted table name."""
    return connection.ops.quote_name(model._meta.db_table)


def fetch_instances(model: type[M], where: str, params: list[Any]) -> list[M]:
    """Instances of ``model`` whose rows match ``where`` (SQL over the model's columns, ``%s`` placeholders)."""
    select = select_list(model)
    sql = f"SELECT {select.sql} FROM {table(model)} WHERE {where}"  # noqa: S608 - names from the model
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return [build_instance(select, row) for row in rows]
