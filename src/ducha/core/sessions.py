"""The reads every logged-in request makes — its session, its user and the data stamp — as one statement.

Django's database sessions and ``ModelBackend`` read one row each through the ORM on every request, and the
kept pages then read the data generation stamp (``ducha.core.results``): three round trips, each costing a
worker more CPU on PostgreSQL than a kept page's own work (docs/benchmarks.md). Here:

- ``Session`` (``ducha.core.models``) is Django's session row plus the id of its user, written whenever the
  session is saved (``SessionStore.create_model_instance``);
- ``SessionStore`` (``SESSION_ENGINE = "ducha.core.sessions"``) is the database session store with the same
  expiry rule (a session past ``expire_date`` is not read), saving, cycling and flushing — logging out in one
  worker process is seen by every other process at its next request, as before. Loading the session reads its
  row, its user's row (a ``LEFT JOIN`` on that id) and the stamp in one statement, and leaves the user and the
  stamp in the request's record (``ducha.core.request_reads``);
- ``UserBackend`` is ``ModelBackend`` (passwords, permissions, ``is_active``) whose ``get_user`` takes the
  user that was read with the session, else reads the row with one plain query. Django then checks the
  session's password hash against that user as always, so a changed password still ends other sessions.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from django.contrib.auth import SESSION_KEY, get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from ducha.core.models import Session
from ducha.core.plain_reads import build_instance, column, fetch_instances, select_list, table
from ducha.core.request_reads import current
from ducha.core.results import stamp_sql


@cache
def _load_sql() -> tuple[str, bool]:
    """The statement reading a live session, its user and (where the stamp has an SQL form) the stamp."""
    user_model = get_user_model()
    stamp = stamp_sql()
    user_pk = connection.ops.quote_name(user_model._meta.pk.column)  # type: ignore[union-attr]
    sql = (f"SELECT {select_list(Session, 's').sql}, {select_list(user_model, 'u').sql}"  # noqa: S608
           + (f", ({stamp})" if stamp else "")
           + f" FROM {table(Session)} s LEFT JOIN {table(user_model)} u ON u.{user_pk} = s.{column(Session, 'user_id')}"
           f" WHERE s.{column(Session, 'session_key')} = %s AND s.{column(Session, 'expire_date')} > %s")
    return sql, stamp is not None


def _user_id_of(data: dict[str, Any]) -> int | None:
    try:
        return int(data[SESSION_KEY])
    except (KeyError, TypeError, ValueError):
        return None


class SessionStore(DatabaseSessionStore):
    """Django's database session store; loading reads the session, its user and the stamp in one statement."""

    @classmethod
    def get_model_class(cls) -> type[Session]:
        return Session

    def create_model_instance(self, data: dict[str, Any]) -> Session:
        session = super().create_model_instance(data)
        assert isinstance(session, Session)  # noqa: S101 - get_model_class above
        session.user_id = _user_id_of(data)
        return session

    def _get_session_from_db(self) -> Session | None:
        key = self.session_key
        if not key:
            self._session_key = None
            return None
        sql, with_stamp = _load_sql()
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        with connection.cursor() as cursor:
            cursor.execute(sql, [key, now])
            row = cursor.fetchone()
        if row is None:
            self._session_key = None
            return None
        session_cols, user_cols = select_list(Session, "s"), select_list(get_user_model(), "u")
        session = build_instance(session_cols, row[:session_cols.width])
        reads = current()
        if reads is not None:
            user_values = row[session_cols.width:session_cols.width + user_cols.width]
            if session.user_id is not None:
                found = build_instance(user_cols, user_values) if user_values[0] is not None else None
                reads.user = (session.user_id, found)
            if with_stamp and reads.read_only and row[-1] is not None:
                reads.stamp = str(row[-1])
        return session


class UserBackend(ModelBackend):
    """``ModelBackend`` whose per-request ``get_user`` takes the user read with the session, else one plain read."""

    def get_user(self, user_id: Any) -> Any:
        model = get_user_model()
        try:
            pk = model._meta.pk.to_python(user_id)  # type: ignore[union-attr]
        except ValidationError:  # a session holding a malformed id is no user, as in ModelBackend
            return None
        reads = current()
        if reads is not None and reads.user is not None and reads.user[0] == pk:
            user = reads.user[1]
        else:
            found = fetch_instances(model, f"{column(model, model._meta.pk.name)} = %s", [pk])  # type: ignore[union-attr]
            user = found[0] if found else None
        return user if user is not None and self.user_can_authenticate(user) else None
