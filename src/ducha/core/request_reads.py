"""What one request has already read from the database, so later code in the same request need not ask again.

A logged-in page's session row, its user's row and the data generation stamp are read in one statement when the
session is loaded (``ducha.core.sessions``): on PostgreSQL every round trip to the server costs a worker more
CPU than a kept page's own work. ``RequestReadsMiddleware`` opens an empty record for each request and closes
it when the response is returned, so nothing read for one request is seen by the next one on the same thread.

The stamp is reused only by read-only requests (GET/HEAD): a request that writes must see the stamp its own
write moved.
"""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest, HttpResponse


@dataclass
class RequestReads:
    read_only: bool
    stamp: str | None = None
    user: tuple[Any, Any] | None = None  # (primary key, user instance) of the session's user


_current: ContextVar[RequestReads | None] = ContextVar("ducha_request_reads", default=None)


def current() -> RequestReads | None:
    """The record of the request being handled on this thread, or None outside a request."""
    return _current.get()


def read_stamp() -> str | None:
    """The stamp this read-only request has already read, if any."""
    reads = _current.get()
    return reads.stamp if reads is not None and reads.read_only else None


class RequestReadsMiddleware:
    """Opens the per-request record (put it before ``SessionMiddleware``)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = _current.set(RequestReads(read_only=request.method in ("GET", "HEAD")))
        try:
            return self.get_response(request)
        finally:
            _current.reset(token)
