"""Pushes that arrive while an import of their source is being written share the next import batch.

The first push is held at the database (another connection holds the write lock), five more arrive
meanwhile; when the lock is released the five go in one batch, each sender gets only its own records,
versions and duplicates are decided across the whole group, and the counts reconcile.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session, sessionmaker

from guestgraph import ingest
from guestgraph.db import make_session_factory
from guestgraph.db.models import ImportBatch, SourceRecord
from tests.test_ingest_push import booking


@contextmanager
def write_lock(engine: Engine) -> Iterator[None]:
    """Another connection holds the lock an import needs to open its batch."""
    with engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            conn.begin()
            conn.execute(text("LOCK TABLE import_batch IN SHARE ROW EXCLUSIVE MODE"))
        try:
            yield
        finally:
            conn.rollback()


def _push(groups: ingest.PushGroups, factory: sessionmaker[Session], records: list[dict[str, object]]):  # type: ignore[no-untyped-def]
    batch = ingest.PushBatch.model_validate({"records": records})
    return ingest.push_records(factory, source="ota_booking", batch=batch, groups=groups)


def _until(condition, seconds: float = 20) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "pushes did not queue"
        time.sleep(0.01)


def test_pushes_that_wait_share_one_batch_and_each_sender_gets_its_own_records(
    engine: Engine, demo_group: Session
) -> None:
    factory = make_session_factory(engine)
    groups = ingest.PushGroups(factory)
    pushes = [
        [booking("G0", 1, "2026-12-03")],
        [booking("G1", 2, "2026-12-03"), booking("G2", 1, "2026-12-03")],
        [booking("G1", 1, "2026-12-03")],  # older than the version in the push before: superseded
        [booking("G2", 1, "2026-12-03")],  # the same version again: a duplicate
        [booking("G3", 1, "2026-12-03") | {"fields": {"arrival": "2026-12-05", "departure": "2026-12-01"}}],
        [booking("G4", 1, "2026-12-03")],
    ]
    results: dict[int, ingest.BatchSummary] = {}

    def send(n: int) -> None:
        results[n] = _push(groups, factory, pushes[n])

    with write_lock(engine):
        first = threading.Thread(target=send, args=(0,))
        first.start()
        _until(lambda: groups.writing() == 1)
        others = []
        for n in range(1, len(pushes)):  # in order, so the queue's order is known
            others.append(threading.Thread(target=send, args=(n,)))
            others[-1].start()
            _until(lambda n=n: groups.queued() == n)
    for t in [first, *others]:
        t.join(timeout=60)
    assert len(results) == len(pushes)

    assert results[0].batch_id != results[1].batch_id
    assert {results[n].batch_id for n in range(1, len(pushes))} == {results[1].batch_id}
    assert groups.queued() == 0 and groups.writing() == 0

    outcomes = {n: [(r.external_id, r.outcome, r.location) for r in s.records] for n, s in results.items()}
    ok = "accepted_with_warnings"  # the booking's relay e-mail is flagged non-identifying
    assert outcomes[1] == [("G1", ok, "item 1"), ("G2", ok, "item 2")]
    assert outcomes[2] == [("G1", "superseded", "item 1")]
    assert outcomes[3] == [("G2", "duplicate", "item 1")]
    assert outcomes[4] == [("G3", "quarantined", "item 1")]
    assert (results[3].rows_read, results[3].duplicates) == (1, 1)
    assert (results[4].rows_read, results[4].quarantined, results[4].accepted_with_warnings) == (1, 1, 0)
    assert (results[5].rows_read, results[5].accepted_with_warnings) == (1, 1)

    with factory() as s:
        shared = s.get(ImportBatch, results[1].batch_id)
        assert shared is not None
        assert shared.rows_read == 6
        assert shared.rows_read == (
            shared.accepted + shared.accepted_with_warnings + shared.quarantined + shared.duplicates
        )
        assert (shared.duplicates, shared.quarantined) == (1, 1)
        stored = s.execute(
            select(SourceRecord.external_id, SourceRecord.location, SourceRecord.is_current)
            .where(SourceRecord.batch_id == shared.id)
            .order_by(SourceRecord.id)
        ).all()
    # in the shared batch each record says which push brought it; the newer G1 stays in force
    assert [(e, loc) for e, loc, _c in stored] == [
        ("G1", "push 1 · item 1"),
        ("G2", "push 1 · item 2"),
        ("G1", "push 2 · item 1"),
        ("G3", "push 4 · item 1"),
        ("G4", "push 5 · item 1"),
    ]
    assert [c for e, _l, c in stored if e == "G1"] == [True, False]


def test_a_lone_push_is_its_own_batch_as_before(engine: Engine, demo_group: Session) -> None:
    factory = make_session_factory(engine)
    groups = ingest.PushGroups(factory)
    one = _push(groups, factory, [booking("L1", 1, "2026-12-03")])
    two = _push(groups, factory, [booking("L2", 1, "2026-12-03")])
    assert one.batch_id != two.batch_id
    assert [(r.external_id, r.location) for r in two.records] == [("L2", "item 1")]
    with factory() as s:
        assert s.scalar(select(SourceRecord.location).where(SourceRecord.external_id == "L2")) == "item 1"
