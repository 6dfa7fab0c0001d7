"""SQL for the PostgreSQL deployment in which the application's role does not own the audit log.

The owner role owns the database, its schema and every table (it runs ``ducha migrate``); the
application role (``DUCHA_DATABASE_URL``) reads and writes the ordinary tables but may only SELECT and
INSERT the audit log: no UPDATE, DELETE or TRUNCATE, and as a non-owner it can neither disable the
triggers nor alter or drop the table. Re-run the grants after every ``ducha migrate``.
"""

from __future__ import annotations

import re

ROLE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")

AUDIT_TABLE = "audit_auditentry"
HEAD_TABLE = "audit_auditchainhead"
MIGRATIONS_TABLE = "django_migrations"


def check_name(name: str) -> str:
    if not ROLE_NAME.match(name):
        raise ValueError(f"名称“{name}”无效：只能用小写字母、数字和下划线，以字母或下划线开头，最长 63 个字符")
    return name


def create_roles_sql(*, owner: str, app: str, database: str) -> str:
    """Part 1, once, as a superuser (``psql -U postgres``); ``\\connect`` switches to the new database."""
    owner, app, database = check_name(owner), check_name(app), check_name(database)
    return f"""-- 第 1 部分：以超级用户执行一次。创建属主角色、应用角色和数据库；密码另用 \\password 角色名 设置
CREATE ROLE {owner} LOGIN NOSUPERUSER NOCREATEROLE;
CREATE ROLE {app} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE;
CREATE DATABASE {database} OWNER {owner} ENCODING 'UTF8';
REVOKE ALL ON DATABASE {database} FROM PUBLIC;
GRANT CONNECT, TEMPORARY ON DATABASE {database} TO {app};
\\connect {database}
ALTER SCHEMA public OWNER TO {owner};
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO {app};
"""


def grants_sql(*, owner: str, app: str) -> str:
    """Part 2, as the owner (or a superuser) in the ducha database, after every ``ducha migrate``."""
    owner, app = check_name(owner), check_name(app)
    return f"""-- 第 2 部分：每次 ducha migrate 之后，以属主角色在 ducha 数据库中执行，给应用角色授权
REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {app};
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {app};
GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO {app};
ALTER DEFAULT PRIVILEGES FOR ROLE {owner} IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {app};
ALTER DEFAULT PRIVILEGES FOR ROLE {owner} IN SCHEMA public GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO {app};
-- 审计日志：只能查询和追加；应用角色不是属主，所以不能停用触发器、改表或删表
REVOKE ALL ON {AUDIT_TABLE} FROM {app};
GRANT SELECT, INSERT ON {AUDIT_TABLE} TO {app};
-- 审计链头：每次追加时更新（触发器不许删除、不许回退、不许清空）
REVOKE ALL ON {HEAD_TABLE} FROM {app};
GRANT SELECT, INSERT, UPDATE ON {HEAD_TABLE} TO {app};
-- 迁移记录只由属主写
REVOKE ALL ON {MIGRATIONS_TABLE} FROM {app};
GRANT SELECT ON {MIGRATIONS_TABLE} TO {app};
"""
