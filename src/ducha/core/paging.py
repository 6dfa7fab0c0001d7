"""Pages of a list for the REST API: ``page`` (from 1) and ``page_size``, a page past the end is empty.

``page_schema`` builds the answer's schema around an item schema: the total, the page asked for, the
number of pages and the page's items.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from ninja import Query, Schema
from pydantic import Field, create_model

PAGE_MAX = 1_000_000
PAGE_SIZE_DEFAULT = 50
PAGE_SIZE_MAX = 200


def page_query() -> Any:
    return Query(1, ge=1, le=PAGE_MAX, description="页码，从 1 开始；超过总页数时返回空的一页", example=1)


def page_size_query() -> Any:
    return Query(PAGE_SIZE_DEFAULT, ge=1, le=PAGE_SIZE_MAX,
                 description=f"每页条数（1–{PAGE_SIZE_MAX}，默认 {PAGE_SIZE_DEFAULT}）", example=PAGE_SIZE_DEFAULT)


@dataclass(frozen=True)
class ApiPage:
    count: int
    page: int
    page_size: int
    items: list[Any]

    @property
    def pages(self) -> int:
        return -(-self.count // self.page_size)

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.page_size

    def answer(self, results: list[Any]) -> dict[str, Any]:
        return {"count": self.count, "page": self.page, "page_size": self.page_size, "pages": self.pages,
                "results": results}


def api_page(rows: QuerySet[Any], page: int, page_size: int) -> ApiPage:
    """One page of ``rows`` (already ordered) and their total."""
    start = (page - 1) * page_size
    return ApiPage(rows.count(), page, page_size, list(rows[start:start + page_size]))


def page_schema(name: str, item: Any, what: str) -> Any:
    return create_model(
        name, __base__=Schema,
        count=(int, Field(description=f"符合条件的{what}总数")),
        page=(int, Field(description="页码（从 1 开始）")),
        page_size=(int, Field(description="每页条数")),
        pages=(int, Field(description="总页数（没有结果时为 0）")),
        results=(list[item], Field(description=f"本页的{what}")),
    )
