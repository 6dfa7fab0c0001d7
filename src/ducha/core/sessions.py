"""The two reads every logged-in request makes — its session and its user — as one plain query each.

Django's database sessions and ``ModelBackend`` read one row each through the ORM on every request; building
and compiling those two queries cost more than the page itself once its body is kept (``ducha.core.page_cache``):
0.33 ms and 0.28 ms of the 1.5–3 ms a kept page costs (measured on the demo county, see docs/benchmarks.md).
Here the same rows are read with one prepared statement each; everything else is Django's:

- ``SessionStore`` (``SESSION_ENGINE = "ducha.core.sessions"``) is the database session store with the same
  table, expiry rule (a session past ``expire_date`` is not read), saving, cycling and flushing — logging out in
  one worker process is seen by every other process at its next request, as before;
- ``UserBackend`` is ``ModelBackend`` (passwords, permissions, ``is_active``) whose ``get_user`` reads the
  user's row with one plain query (``ducha.core.plain_reads``), converted as the ORM converts it.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from ducha.core.plain_reads import column, fetch_instances


class SessionStore(DatabaseSessionStore):
    """Django's database session store; the read of the session's row is one plain query."""

    def _get_session_from_db(self) -> Session | None:
        key = self.session_key
        if not key:
            self._session_key = None
            return None
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        where = f"{column(Session, 'session_key')} = %s AND {column(Session, 'expire_date')} > %s"
        found = fetch_instances(Session, where, [key, now])
        if not found:
            self._session_key = None
            return None
        return found[0]


class UserBackend(ModelBackend):
    """``ModelBackend`` whose per-request ``get_user`` is one plain read of the user's row."""

    def get_user(self, user_id: Any) -> Any:
        model = get_user_model()
        try:
            pk = model._meta.pk.to_python(user_id)  # type: ignore[union-attr]
        except ValidationError:  # a session holding a malformed id is no user, as in ModelBackend
            return None
        found = fetch_instances(model, f"{column(model, model._meta.pk.name)} = %s", [pk])  # type: ignore[union-attr]
        if not found:
            return None
        user = found[0]
        return user if self.user_can_authenticate(user) else None
