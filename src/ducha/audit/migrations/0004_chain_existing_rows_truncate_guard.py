"""Chain the rows written before 0003, make ``seq`` unique, and guard the tables against TRUNCATE.

On PostgreSQL a statement-level trigger refuses TRUNCATE of the audit log and of its chain head unless
the session has set ``ducha.allow_audit_truncate = 'on'`` (the test suite's flush and ``ducha demo``'s
rebuild do). The chain head refuses DELETE and going backwards. The row-level trigger of 0002 stays.
"""

from django.db import migrations, models

from ducha.audit.chain import seal

BATCH = 1000

POSTGRES_GUARDS = [
    """CREATE OR REPLACE FUNCTION audit_refuse_truncate() RETURNS trigger AS $$
       BEGIN
         IF coalesce(current_setting('ducha.allow_audit_truncate', true), '') = 'on' THEN RETURN NULL; END IF;
         RAISE EXCEPTION '审计记录不能清空（TRUNCATE %）', TG_TABLE_NAME
           USING HINT = '只有测试和 ducha demo 重建演示库时设置 ducha.allow_audit_truncate = on';
       END; $$ LANGUAGE plpgsql;""",
    """CREATE TRIGGER audit_refuse_truncate BEFORE TRUNCATE ON audit_auditentry
       FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_truncate();""",
    """CREATE TRIGGER audit_refuse_truncate BEFORE TRUNCATE ON audit_auditchainhead
       FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_truncate();""",
    """CREATE OR REPLACE FUNCTION audit_head_forward_only() RETURNS trigger AS $$
       BEGIN
         IF TG_OP = 'DELETE' THEN RAISE EXCEPTION '审计链头不能删除'; END IF;
         IF NEW.seq < OLD.seq THEN RAISE EXCEPTION '审计链头不能回退（% → %）', OLD.seq, NEW.seq; END IF;
         RETURN NEW;
       END; $$ LANGUAGE plpgsql;""",
    """CREATE TRIGGER audit_head_forward_only BEFORE UPDATE OR DELETE ON audit_auditchainhead
       FOR EACH ROW EXECUTE FUNCTION audit_head_forward_only();""",
]

POSTGRES_UNGUARD = [
    "DROP TRIGGER IF EXISTS audit_head_forward_only ON audit_auditchainhead;",
    "DROP TRIGGER IF EXISTS audit_refuse_truncate ON audit_auditchainhead;",
    "DROP TRIGGER IF EXISTS audit_refuse_truncate ON audit_auditentry;",
    "DROP FUNCTION IF EXISTS audit_head_forward_only();",
    "DROP FUNCTION IF EXISTS audit_refuse_truncate();",
]


def chain_existing_rows(apps, schema_editor):
    entry_model = apps.get_model("audit", "AuditEntry")
    postgres = schema_editor.connection.vendor == "postgresql"
    if postgres:
        schema_editor.execute("ALTER TABLE audit_auditentry DISABLE TRIGGER audit_append_only")
    seq, prev_hash, last_id = 0, "", 0
    while True:
        rows = list(entry_model.objects.filter(pk__gt=last_id).order_by("pk")[:BATCH])
        if not rows:
            break
        for row in rows:
            seq += 1
            prev_hash = seal(row, seq=seq, prev_hash=prev_hash, at=row.at)
        entry_model.objects.bulk_update(rows, ["seq", "prev_hash", "hash", "object_id", "summary", "before", "after"])
        last_id = rows[-1].pk
    if postgres:
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        schema_editor.execute("ALTER TABLE audit_auditentry ENABLE TRIGGER audit_append_only")
    apps.get_model("audit", "AuditChainHead").objects.create(pk=1, seq=seq, hash=prev_hash)


def guard_truncate(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in POSTGRES_GUARDS:
            schema_editor.execute(sql, params=None)


def unguard_truncate(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in POSTGRES_UNGUARD:
            schema_editor.execute(sql, params=None)


class Migration(migrations.Migration):
    dependencies = [("audit", "0003_hash_chain")]

    operations = [
        migrations.RunPython(chain_existing_rows, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="auditentry",
            name="seq",
            field=models.BigIntegerField(editable=False, unique=True, verbose_name="序号"),
        ),
        migrations.RunPython(guard_truncate, unguard_truncate),
    ]
