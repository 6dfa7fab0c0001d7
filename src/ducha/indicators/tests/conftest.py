"""Fixtures shared by the indicator tests."""

from __future__ import annotations

from typing import Any

import pytest

from ducha.indicators import engine


@pytest.fixture
def engine_calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The roots the engine computed a table for: a read that is not listed came from the cache."""
    calls: list[str] = []
    compute = engine.compute_indicator_table

    def counted(actor: Any, **kwargs: Any) -> Any:
        calls.append(kwargs["root"].code)
        return compute(actor, **kwargs)

    monkeypatch.setattr(engine, "compute_indicator_table", counted)
    return calls
