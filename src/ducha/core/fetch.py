"""Arrow tables straight from the database cursor, for the quality scan's inputs (``quality.store``).

``arrow_of(qs, spec)`` gives what ``qs.values_list(...)`` would, as an Arrow table, without Django's
per-value converters: rows are fetched ``FETCH_ROWS`` at a time and each column is converted by Arrow in one
call. Dates and times (and on PostgreSQL decimals) are selected as text (``CAST … AS text``) and parsed by
Arrow: converted value by value in Python (Django's SQLite converters, its time-zone loader for PostgreSQL,
``Decimal`` objects) they cost more than everything else the scan does. Times end as the local
(``TIME_ZONE``) wall clock; SQLite's decimals (floats) are rounded to the field's places, as Django's
converter does. The garbage collector is paused while rows
are fetched: millions of short-lived row tuples would otherwise trigger collection after collection (this
halves the time to read a province's monthly reports).
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


def _utc(values: list[Any]) -> pa.Array:
    text = pa.array(values, pa.string())
    try:
        return text.cast(pa.timestamp("us", tz="UTC"))  # with its offset: PostgreSQL's "2012-01-05 01:30:00+00"
    except pa.ArrowInvalid:
        return text.cast(pa.timestamp("us")).cast(pa.timestamp("us", tz="UTC"))  # SQLite keeps UTC, no offset


def _column(values: list[Any], kind: pa.DataType, as_text: bool, places: int | None) -> pa.Array:
    """One column of raw cursor values as Arrow ``kind``; ``as_text``: selected as text; ``places``: round
    to the field's decimal places (SQLite's floats, as Django's converter does)."""
    if pa.types.is_timestamp(kind):
        return pc.local_timestamp(_utc(values).cast(pa.timestamp("us", tz=settings.TIME_ZONE))).cast(kind)
    if as_text:
        return pa.array(values, pa.string()).cast(kind)
    if pa.types.is_floating(kind):
        array = pa.array(values).cast(kind)  # floats, or ints where SQLite stored a whole number
        return pc.round(array, places) if places is not None else array
    if pa.types.is_boolean(kind):  # bools, or 0/1 where SQLite's bool converter does not apply
        return pa.array(values).cast(kind)
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
    sqlite = connection.vendor == "sqlite"
    places = [_decimal_places(qs.model, lookup) for _, lookup, _ in spec]
    # SQLite gives decimals as floats (rounded below); PostgreSQL as Decimal objects: text is faster, and exact
    text = [pa.types.is_timestamp(kind) or pa.types.is_date(kind) or (p is not None and not sqlite)
            for (_, _, kind), p in zip(spec, places, strict=True)]
    select = [Cast(lookup, TextField()) if as_text else lookup
              for (_, lookup, _), as_text in zip(spec, text, strict=True)]
    if not sqlite:
        places = [None] * len(spec)
    try:
        sql, params = qs.values_list(*select).query.get_compiler(using=qs.db).as_sql()
    except EmptyResultSet:
        return schema.empty_table()
    batches = []
    with gc_paused(), connection.cursor() as cursor:
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(FETCH_ROWS):
            values = zip(*rows, strict=True)
            columns = [_column(list(c), kind, t, p)
                       for c, kind, t, p in zip(values, schema.types, text, places, strict=True)]
            batches.append(pa.record_batch(columns, schema=schema))
    return pa.Table.from_batches(batches, schema=schema)
