"""Fixtures of the quality tests: the quality pages' URLs, the mini county with the quality test registers."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.test import override_settings

from ducha.conftest import MiniCounty
from ducha.quality.tests.registerdata import build_registers


@pytest.fixture
def quality_urls() -> Iterator[None]:
    """The site's pages plus the quality and register pages (``urls_quality``)."""
    with override_settings(ROOT_URLCONF="ducha.quality.tests.urls_quality"):
        yield


@pytest.fixture
def county(mini_county: MiniCounty) -> MiniCounty:
    """The mini county with the quality test registers (甲镇's cards written in one sitting)."""
    build_registers(mini_county)
    return mini_county
