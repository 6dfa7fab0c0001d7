"""Pieces the apps' REST APIs share: the path parameter of a stored object's id.

Ids are the database's 64-bit keys, so a path id is a whole number from 1 to ``ID_MAX``; a larger or
smaller one is refused (422) before the endpoint runs instead of reaching the database.
"""

from __future__ import annotations

from typing import Any

from ninja import Path

ID_MAX = 9_223_372_036_854_775_807


def id_path(description: str) -> Any:
    """``Path(...)`` for an object's id in the address, e.g. ``/api/jobs/{job_id}``."""
    return Path(..., ge=1, le=ID_MAX, description=description, example=1)
