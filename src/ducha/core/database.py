"""Which database a command uses, and whether it is set up, checked before a command touches it.

Used by the ``ducha`` console script (``ducha.cli``) for every command, so no command creates an empty
SQLite file on the way or fails with a traceback on a database that has no tables.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.db.migrations.executor import MigrationExecutor


def describe_database(alias: str = DEFAULT_DB_ALIAS) -> str:
    """The database for a person to read, e.g. ``SQLite /srv/ducha/ducha.sqlite3``; never the password."""
    db = settings.DATABASES[alias]
    engine = str(db["ENGINE"])
    if engine.endswith("sqlite3"):
        return f"SQLite {db['NAME']}"
    if engine.endswith("postgresql"):
        user = f"{db['USER']}@" if db.get("USER") else ""
        port = f":{db['PORT']}" if db.get("PORT") else ""
        return f"PostgreSQL {user}{db.get('HOST') or 'localhost'}{port}/{db['NAME']}"
    return f"{engine.rsplit('.', 1)[-1]} {db['NAME']}"


def sqlite_file(alias: str = DEFAULT_DB_ALIAS) -> Path | None:
    """The SQLite database file, or ``None`` for another engine or an in-memory database."""
    db = settings.DATABASES[alias]
    name = str(db.get("NAME") or "")
    if not str(db["ENGINE"]).endswith("sqlite3") or not name or name == ":memory:" or name.startswith("file:"):
        return None
    return Path(name)


def setup_hint() -> str:
    return (
        "  试用演示县：运行 ducha demo\n"
        "  建立空数据库：运行 ducha migrate（然后用 ducha createsuperuser 建管理员）\n"
        f"数据目录是 {settings.DATA_DIR}（由环境变量 DUCHA_HOME 指定），数据库由 DUCHA_DATABASE_URL 指定，"
        "见 docs/settings.md。"
    )


def missing_file_problem(alias: str = DEFAULT_DB_ALIAS) -> str | None:
    """A message when the SQLite file does not exist (connecting would silently create an empty one)."""
    path = sqlite_file(alias)
    if path is None or path.exists():
        return None
    return f"数据库还没有建立：{path} 不存在。\n{setup_hint()}"


def forbid_creating_sqlite_file(alias: str = DEFAULT_DB_ALIAS) -> None:
    """Open a missing SQLite file read-write without creating it, so a stray connection fails instead."""
    path = sqlite_file(alias)
    if path is not None and not path.exists():
        settings.DATABASES[alias]["NAME"] = f"file:{quote(str(path.resolve()))}?mode=rw"


def connection_problem(alias: str = DEFAULT_DB_ALIAS) -> str | None:
    """A message when the database server cannot be reached (the SQLite file is not created here)."""
    if sqlite_file(alias) is not None:
        return None
    try:
        connections[alias].ensure_connection()
    except DatabaseError as exc:
        return f"无法连接数据库 {describe_database(alias)}：{exc}".strip()
    finally:
        connections.close_all()
    return None


def schema_problem(*, allow_pending: bool = False, alias: str = DEFAULT_DB_ALIAS) -> str | None:
    """A message when the database is missing, has no tables, or (unless allowed) lacks migrations."""
    if problem := missing_file_problem(alias):
        return problem
    described = describe_database(alias)
    try:
        connection = connections[alias]
        if "django_migrations" not in connection.introspection.table_names():
            return f"数据库 {described} 还没有建表。\n{setup_hint()}"
        executor = MigrationExecutor(connection)
        if not executor.loader.applied_migrations:
            return f"数据库 {described} 还没有建表。\n{setup_hint()}"
        pending = len(executor.migration_plan(executor.loader.graph.leaf_nodes()))
    except DatabaseError as exc:
        return f"无法连接数据库 {described}：{exc}".strip()
    finally:
        connections.close_all()
    if pending and not allow_pending:
        return (f"数据库 {described} 还有 {pending} 个迁移未执行（ducha 升级后需要一次迁移），"
                "请先运行 ducha migrate。")
    return None
