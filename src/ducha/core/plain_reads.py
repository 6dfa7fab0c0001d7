"""Model instances read with one plain query: for the few reads every request makes.

Building and compiling an ORM query costs 0.2–0.4 ms, more than a kept page's own work (docs/benchmarks.md), so
the reads each logged-in request repeats — its user, its memberships — go through ``fetch_instances``: the
model's own columns, a fixed ``WHERE``, the value converters the ORM would apply (SQLite returns datetimes as
text, for one) and ``Model.from_db``, so the instances are exactly those the ORM would give.
"""

from __future__ import annotations

from functools import cache
from typing import Any, TypeVar

from django.db import connection
from django.db.models import Model

M = TypeVar("M", bound=Model)


@cache
def _plan(model: type[Model], where: str) -> tuple[str, list[str], list[tuple[int, Any, Any]]]:
    meta = model._meta
    fields = list(meta.concrete_fields)
    columns = [f.get_col(meta.db_table) for f in fields]
    converters = [(i, convert, col) for i, col in enumerate(columns)
                  for convert in connection.ops.get_db_converters(col) + col.get_db_converters(connection)]
    names = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    sql = f"SELECT {names} FROM {connection.ops.quote_name(meta.db_table)} WHERE {where}"  # noqa: S608
    return sql, [f.attname for f in fields], converters


def column(model: type[Model], field: str) -> str:
    """The quoted column of ``field``, for a ``where`` of ``fetch_instances``."""
    return connection.ops.quote_name(str(model._meta.get_field(field).column))  # type: ignore[union-attr]


def fetch_instances(model: type[M], where: str, params: list[Any]) -> list[M]:
    """Instances of ``model`` whose rows match ``where`` (SQL over the model's columns, ``%s`` placeholders)."""
    sql, names, converters = _plan(model, where)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    found = []
    for row in rows:
        values = list(row)
        for i, convert, col in converters:
            values[i] = convert(values[i], col, connection)
        found.append(model.from_db(connection.alias, names, values))
    return found
