"""On PostgreSQL a trigger makes the audit table append-only, whatever code (admin, shell, SQL) tries.

TRUNCATE is not a row operation: 0004 adds a statement-level trigger that refuses it unless the session
set ``ducha.allow_audit_truncate`` (test isolation and ``ducha demo``'s rebuild). SQLite gets no trigger
because Django's own ``flush`` deletes rows there; the model and its queryset refuse updates and deletes
on every backend.
"""

from django.db import migrations

POSTGRES = [
    """CREATE OR REPLACE FUNCTION audit_append_only() RETURNS trigger AS $$
       BEGIN RAISE EXCEPTION '审计记录只能追加，不能修改或删除'; END; $$ LANGUAGE plpgsql;""",
    """CREATE TRIGGER audit_append_only BEFORE UPDATE OR DELETE ON audit_auditentry
       FOR EACH ROW EXECUTE FUNCTION audit_append_only();""",
]


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for sql in POSTGRES:
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
