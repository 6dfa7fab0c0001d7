"""Arrow tables straight from the database cursor, for the quality scan's inputs (``quality.store``).

``arrow_of(qs, spec)`` gives what ``qs.values_list(...)`` would, as an Arrow table, without Django's
per-value converters: rows are fetched ``FETCH_ROWS`` at a time and each column is converted by Arrow in one
call. On SQLite, dates and times are selected as text (``CAST … AS text``, which Django's SQLite connection
would otherwise parse value by value in Python) and Arrow parses them; PostgreSQL gives date, aware datetime
and Decimal objects, which Arrow converts natively. Times end as the local (``TIME_ZONE``) wall clock and
decimals are rounded to the field's places, as through the ORM. The garbage collector is paused while
rows are fetched: millions of short-lived row tuples would otherwise trigger collection after collection
(this halves the time to read the monthly reports of a province).
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
from django.conf import settings
from django.core.exceptions import EmptyResultSet, FieldDoesNotExist
from django.db import connections
from django.db.models import DecimalField, QuerySet, TextField
from django.db.models.functions import Cast

Spec = list[tuple[str, str, pa.DataType]]
FETCH_ROWS = 100_000


def _decimal_places(model: Any, lookup: str) -> int | None:
    try:
        *path, last = lookup.split("__")
        for part in path:
            model = model._meta.get_field(part).related_model
        field = model._meta.get_field(last)
    except (FieldDoesNotExist, AttributeError):
        return None
    return field.decimal_places if isinstance(field, DecimalField) else None


def _column(values: list[Any], kind: pa.DataType, places: int | None = None) -> pa.Array:
    """Raw cursor values as one Arrow column of ``kind``: text dates and UTC times (SQLite) or date and
    aware datetime objects (PostgreSQL); times end as the local wall clock, decimals rounded to the
    field's places as Django's converter does."""
    sample = next((v for v in values if v is not None), None)
    if pa.types.is_timestamp(kind):
        if isinstance(sample, str):
            utc = pa.array(values, pa.string()).cast(pa.timestamp("us")).cast(pa.timestamp("us", tz="UTC"))
        else:
            utc = pa.array(values, pa.timestamp("us", tz="UTC"))
        return pc.local_timestamp(utc.cast(pa.timestamp("us", tz=settings.TIME_ZONE))).cast(kind)
    if isinstance(sample, str) and not pa.types.is_string(kind):
        return pa.array(values, pa.string()).cast(kind)
    if pa.types.is_floating(kind):
        array = pa.array(values)  # float/int (SQLite) or Decimal (PostgreSQL)
        if pa.types.is_decimal(array.type):  # through text, as float(Decimal) does: exact to the last bit
            return array.cast(pa.string()).cast(kind)
        return pc.round(array.cast(kind), places) if places is not None and isinstance(sample, float) else array.cast(kind)
    if pa.types.is_boolean(kind) and sample is not None and not isinstance(sample, bool):
        return pa.array(values, pa.int64()).cast(kind)
    return pa.array(values, kind)


@contextmanager
def gc_paused() -> Iterator[None]:
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def arrow_of(qs: QuerySet[Any], spec: Spec) -> pa.Table:
    """The spec's lookups of ``qs`` (what ``values_list`` would give) as an Arrow table with the spec's names
    and types, read with the cursor ``FETCH_ROWS`` rows at a time."""
    schema = pa.schema([(name, kind) for name, _, kind in spec])
    connection = connections[qs.db]
    as_text = connection.vendor == "sqlite"
    select = [Cast(lookup, TextField()) if as_text and (pa.types.is_timestamp(kind) or pa.types.is_date(kind))
              else lookup for _, lookup, kind in spec]
    places = [_decimal_places(qs.model, lookup) for _, lookup, _ in spec]
    try:
        sql, params = qs.values_list(*select).query.get_compiler(using=qs.db).as_sql()
    except EmptyResultSet:
        return schema.empty_table()
    batches = []
    with gc_paused(), connection.cursor() as cursor:
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(FETCH_ROWS):
            values = zip(*rows, strict=True)
            columns = [_column(list(c), kind, p) for c, kind, p in zip(values, schema.types, places, strict=True)]
            batches.append(pa.record_batch(columns, schema=schema))
    return pa.Table.from_batches(batches, schema=schema)
