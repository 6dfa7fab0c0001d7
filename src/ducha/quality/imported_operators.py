"""录入人 imported from another system (``EntryMeta.entered_by_name``) as the operator of the scan's rows.

Rows imported with a 录入人 name (not a ducha user) count as entered by that person, not by whoever ran the
import: the entry-burst check (DQ-F01) groups sittings by operator, and the written-ahead checks name them.
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

from ducha.core.fetch import Spec

# Fetched beside the ENTRY spec of ``quality.store`` and folded into ``created_by`` by :func:`named_operators`.
ENTERED_BY: Spec = [("entered_by", "entered_by_name", pa.string())]


def named_operators(table: pa.Table, names: dict[str, int]) -> pa.Table:
    """``created_by`` of the rows with an imported 录入人 replaced by that name's id; ``entered_by`` dropped.

    Each name gets a negative id, -2, -3 … in order of appearance (-1 is the checks' "unknown"), shared through
    ``names`` by every table of one scan and labelled "<name>（导入）" by ``quality.store.labels_for``. Vectorised.
    """
    entered = pc.utf8_trim_whitespace(table["entered_by"].combine_chunks())
    present = pc.fill_null(pc.greater(pc.utf8_length(entered), 0), False)
    for name in pc.unique(pc.filter(entered, present)).to_pylist():
        names.setdefault(name, -2 - len(names))
    index = pc.index_in(entered, value_set=pa.array(list(names), pa.string()))
    imported = pc.subtract(pa.scalar(-2, pa.int64()), index.cast(pa.int64()))
    operator = pc.if_else(present, imported, table["created_by"].combine_chunks())
    table = table.set_column(table.schema.get_field_index("created_by"), "created_by", operator)
    return table.drop_columns(["entered_by"])
