"""Issue 6 item 3: many writers on shared cells — no 500, no lost write, an audit log that replays exactly.

Threads create, update and clear the same few cells at once, through the action and (on PostgreSQL)
through the API. Before the fix two first writes of one cell raised IntegrityError, a delete racing an
update raised "update_fields did not affect any rows", and audit rows recorded a wrong "before".
Each thread reads a cell's version and writes based on it (a refused, stale write is a 409-like
:class:`ReportConflict`, not an error); every fifth write is an explicit overwrite, so first writes and
deletes really race. Afterwards, per cell, replaying the audit rows in order (each "before" must equal
the previous "after") reproduces the stored value and its version.

SQLite serialises writers (and the in-memory test database locks whole tables), so it runs with fewer
threads; a lost lock race there is retried (``ducha.core.locking.retry_when_locked``), never a 500.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.db import connection, connections
from django.test import Client

from ducha.audit.models import AuditEntry
from ducha.core.locking import retry_when_locked
from ducha.core.periods import month
from ducha.reporting.actions import ReportConflict, save_report
from ducha.reporting.models import DataSet, DataValue
from ducha.reporting.selectors import StoredCell, report_cells

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)  # keeps later tests intact

UNITS = ["T01", "T02"]
CODES = ["PREG_TOTAL", "PARTURIENTS", "PREG_REGISTERED"]
PERIOD = month(2012, 1)


@dataclass
class Outcome:
    saved: list[tuple[int, dict[str, tuple[int | None, int | None]]]] = field(default_factory=list)
    refused: int = 0
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


def postgres() -> bool:
    return connection.vendor == "postgresql"


def _choose(rng: random.Random, current: StoredCell | None) -> int | None:
    if current is not None and rng.random() < 0.3:
        return None  # clear
    return rng.randint(0, 999)


def action_writer(user: Any, data_set: DataSet, seed: int, ops: int, outcome: Outcome) -> None:
    rng = random.Random(seed)
    for op in range(ops):
        unit, code = rng.choice(UNITS), rng.choice(CODES)
        cells = retry_when_locked(lambda u=unit: report_cells(user, data_set=data_set, unit_code=u, period=PERIOD))
        current = cells.get(code)
        new = _choose(rng, current)
        try:
            result = save_report(actor=user, data_set=data_set, unit_code=unit, period=PERIOD, values={code: new},
                                 based_on={code: current.version if current else None}, overwrite=op % 5 == 0,
                                 submit=op % 2 == 0, source=f"线程{seed}")
        except ReportConflict:
            with outcome.lock:
                outcome.refused += 1
        except Exception as err:  # noqa: BLE001 - every other exception is what the test counts
            with outcome.lock:
                outcome.errors.append(f"{type(err).__name__}: {err}")
        else:
            if result.changed:
                with outcome.lock:
                    outcome.saved.append((result.version or 0, result.changed))


def api_writer(client: Client, seed: int, ops: int, outcome: Outcome) -> None:
    rng = random.Random(seed)
    for _ in range(ops):
        unit, code = rng.choice(UNITS), rng.choice(CODES)
        try:
            read = client.get("/api/data-values", {"period": PERIOD.code, "unit": unit})
            found = {v["element"]: v for v in read.json()["values"] if v["unit"] == unit}.get(code)
            current = StoredCell(found["value"], found["version"]) if found else None
            response = client.post("/api/data-values", {
                "unit": unit, "period": PERIOD.code, "values": {code: _choose(rng, current)},
                "based_on": {code: current.version if current else None}}, content_type="application/json")
        except Exception as err:  # noqa: BLE001
            with outcome.lock:
                outcome.errors.append(f"{type(err).__name__}: {err}")
            continue
        with outcome.lock:
            if response.status_code == 409:
                outcome.refused += 1
            elif response.status_code != 200:
                outcome.errors.append(f"HTTP {response.status_code}: {response.content.decode()[:200]}")
            elif (body := response.json())["changed"]:
                changed = {c: (v["before"], v["after"]) for c, v in body["changed"].items()}
                version = next(iter(body["versions"].values()), 0) or _audit_version(unit, changed)
                outcome.saved.append((version, changed))


def _audit_version(unit: str, changed: dict[str, tuple[int | None, int | None]]) -> int:
    """A clear returns no new version; find its audit row (the test checks it is unique)."""
    rows = [a for a in AuditEntry.objects.filter(object_id=f"MCH_MONTHLY/{unit}/{PERIOD.code}")
            if a.before == {c: o for c, (o, _) in changed.items()} and a.after == {c: n for c, (_, n) in changed.items()}]
    return rows[-1].pk if rows else -1


def run_threads(targets: list[Callable[[], None]]) -> None:
    barrier = threading.Barrier(len(targets))

    def wrapped(target: Callable[[], None]) -> None:
        try:
            barrier.wait()
            target()
        finally:
            connections.close_all()

    threads = [threading.Thread(target=wrapped, args=(t,)) for t in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def replay(unit: str) -> tuple[dict[str, int | None], dict[str, int]]:
    """The cell values and versions rebuilt from the audit rows alone; each before must be the last after."""
    values: dict[str, int | None] = {}
    versions: dict[str, int] = {}
    for entry in AuditEntry.objects.filter(action="reporting.save_report",
                                           object_id=f"MCH_MONTHLY/{unit}/{PERIOD.code}").order_by("pk"):
        for code, after in entry.after.items():
            assert entry.before[code] == values.get(code), f"审计记录 {entry.pk} 的修改前数值与上一条不符"
            values[code] = after
            versions[code] = entry.pk
    return ({c: v for c, v in values.items() if v is not None},
            {c: versions[c] for c, v in values.items() if v is not None})


def test_many_writers_on_shared_cells(mini_county: Any) -> None:
    data_set = mini_county.data_set
    threads, ops = (8, 30) if postgres() else (3, 15)
    outcome = Outcome()
    users = [mini_county.admin, mini_county.inspector]
    targets: list[Callable[[], None]] = [
        (lambda s=seed: action_writer(users[s % 2], data_set, s, ops, outcome)) for seed in range(threads)]
    if postgres():
        for seed in range(100, 104):
            client = Client()
            client.force_login(users[seed % 2])
            targets.append(lambda c=client, s=seed: api_writer(c, s, ops, outcome))
    run_threads(targets)

    assert outcome.errors == []
    assert outcome.saved, "no write succeeded"
    audit = {a.pk: a for a in AuditEntry.objects.filter(action="reporting.save_report")}
    assert len(audit) == len(outcome.saved)  # one audit row per saved write, none without a write
    for version, changed in outcome.saved:  # no lost write: each success is the audit row of its version
        entry = audit[version]
        assert entry.before == {c: o for c, (o, _) in changed.items()}
        assert entry.after == {c: n for c, (_, n) in changed.items()}
    for unit in UNITS:
        values, versions = replay(unit)
        rows = DataValue.objects.filter(org_unit__code=unit, period=PERIOD.code)
        assert {r.data_element.code: r.value for r in rows.select_related("data_element")} == values
        assert {r.data_element.code: r.version for r in rows.select_related("data_element")} == versions
