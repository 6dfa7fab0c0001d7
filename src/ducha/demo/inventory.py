"""What a database holds, per table, to tell a database built by ``ducha demo`` from one with real data.

``ducha demo`` empties the database before it builds the demo county. It does so only when the database
is empty, or when it holds exactly what the last ``ducha demo`` left there: the rows and the last id of
every table are recorded at the end of the build (``DemoBuild``) and compared the next time. Any user,
unit, report value, register record, token or audit row added (or removed) since — by the web pages, the
API, an import, the admin or a script — changes a count or a last id (ids are never reused), and every
change of a stored value writes an audit row, so an edit is seen as well.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.apps import apps
from django.db import connection
from django.db.models import Max, Model

# Tables that say nothing about whose data the database holds (login attempts, sessions, Django's own
# bookkeeping) and the demo's own record.
IGNORED = frozenset({
    "auth.Permission", "contenttypes.ContentType", "sessions.Session", "demo.DemoBuild",
})
IGNORED_APPS = frozenset({"axes"})
# Tables the migrations themselves fill (the MCH report and indicator packs, the audit chain's head row):
# a database with nothing else is empty. (A table missing here only makes a fresh database need --force.)
INSTALLED_BY_MIGRATIONS = frozenset({
    "reporting.DataElement", "reporting.DataSet", "reporting.DataSetElement", "reporting.ValidationRule",
    "indicators.Indicator", "audit.AuditChainHead",
})

Inventory = dict[str, list[int]]  # model label -> [rows, last id]


def counted_models() -> list[type[Model]]:
    return [m for m in apps.get_models(include_auto_created=True)
            if m._meta.managed and not m._meta.proxy
            and m._meta.label not in IGNORED and m._meta.app_label not in IGNORED_APPS]


def kind_name(label: str) -> str:
    """The Chinese name of a table's rows, e.g. 用户, 数据值, 报表·单位 (for a many-to-many table)."""
    try:
        model = apps.get_model(label)
    except LookupError:
        return label
    owner = model._meta.auto_created
    if owner:
        for f in owner._meta.many_to_many:
            if f.remote_field.through is model:  # type: ignore[union-attr]
                return f"{owner._meta.verbose_name}·{f.verbose_name}"
    return str(model._meta.verbose_name)


def take_inventory() -> Inventory:
    """Rows and the last id of every counted table that exists (an older schema may lack some)."""
    tables = set(connection.introspection.table_names())
    out: Inventory = {}
    for model in counted_models():
        if model._meta.db_table not in tables:
            continue
        rows = model._base_manager.count()
        last = model._base_manager.aggregate(last=Max("pk"))["last"] if rows else 0
        out[model._meta.label] = [rows, last if isinstance(last, int) else rows]
    return out


@dataclass
class DemoCheck:
    """The verdict on the database before a rebuild."""

    inventory: Inventory
    built_by_demo: bool
    changes: list[str] = field(default_factory=list)  # what nobody but ``ducha demo`` should have made

    @property
    def empty(self) -> bool:
        return not any(rows for label, (rows, _last) in self.inventory.items()
                       if label not in INSTALLED_BY_MIGRATIONS)

    def to_delete(self) -> list[tuple[str, int]]:
        """Per kind, the rows a rebuild deletes."""
        return [(kind_name(label), rows) for label, (rows, _last) in sorted(self.inventory.items()) if rows]


def last_demo_inventory() -> Inventory | None:
    from ducha.demo.models import DemoBuild

    if DemoBuild._meta.db_table not in connection.introspection.table_names():
        return None
    build = DemoBuild.objects.order_by("-pk").first()
    return dict(build.inventory) if build else None


def check_database() -> DemoCheck:
    now = take_inventory()
    built = last_demo_inventory()
    if built is None:
        check = DemoCheck(inventory=now, built_by_demo=False)
        check.changes = [] if check.empty else [
            f"{kind_name(label)} {rows} 条" for label, (rows, _last) in sorted(now.items())
            if rows and label not in INSTALLED_BY_MIGRATIONS]
        return check
    changes = []
    for label in sorted(set(now) | set(built)):
        (rows, last), (rows_then, last_then) = now.get(label, [0, 0]), built.get(label, [0, 0])
        if rows != rows_then:
            changes.append(f"{kind_name(label)}：上次 ducha demo 建库时 {rows_then} 条，现在 {rows} 条")
        elif last != last_then:
            changes.append(f"{kind_name(label)}：{rows} 条，但自上次 ducha demo 以来有新增和删除")
    return DemoCheck(inventory=now, built_by_demo=True, changes=changes)


def record_demo_build(seed: int) -> None:
    """The last step of a demo build: remember what the database holds now."""
    from ducha.demo.models import DemoBuild

    DemoBuild.objects.all().delete()
    DemoBuild.objects.create(seed=seed, inventory=take_inventory())


def empty_database() -> None:
    """Empty every table before a rebuild (``flush``); on PostgreSQL this session may TRUNCATE the audit log.

    The audit table refuses TRUNCATE unless the session sets ``ducha.allow_audit_truncate``; only this
    command (after ``check_database``) sets it, and resets it afterwards.
    """
    from django.core.management import call_command

    postgres = connection.vendor == "postgresql"
    if postgres:
        with connection.cursor() as cursor:
            cursor.execute("SET ducha.allow_audit_truncate = 'on'")
    try:
        call_command("flush", verbosity=0, interactive=False)
    finally:
        if postgres:
            with connection.cursor() as cursor:
                cursor.execute("RESET ducha.allow_audit_truncate")
