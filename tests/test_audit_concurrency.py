"""Concurrent writers on both databases: seq stays gap-free, the chain and every checkpoint verify."""

from __future__ import annotations

import random
import threading
import time
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from guestgraph.audit import AuditEvent, install_checkpoints, record, verify
from guestgraph.db import make_session_factory
from tests.audit_helpers import audit_settings, rows

THREADS, TRANSACTIONS = 6, 25


def test_concurrent_writers_keep_one_gap_free_chain(session: Session, engine: Engine, tmp_path: Path) -> None:
    settings = audit_settings(tmp_path, str(engine.url), audit_checkpoint_every=7)
    factory = make_session_factory(engine)
    install_checkpoints(factory, settings)
    committed: list[int] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def writer(worker: int) -> None:
        rng = random.Random(worker)
        try:
            for n in range(TRANSACTIONS):
                with factory() as s:
                    seqs = [
                        record(s, AuditEvent("guest.view", actor_user_id=worker, details={"n": n}))
                        for _ in range(rng.choice([1, 1, 2]))
                    ]
                    time.sleep(rng.random() / 500)  # hold the lock a little: writers overlap
                    if rng.random() < 0.15:
                        s.rollback()
                        continue
                    s.commit()
                with lock:
                    committed.extend(seqs)
        except BaseException as e:  # surfaced below, in the test's thread
            errors.append(e)

    threads = [threading.Thread(target=writer, args=(w,)) for w in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    assert sorted(committed) == list(range(1, len(committed) + 1))  # no gap, no duplicate
    assert [r[0] for r in rows(session.connection())] == sorted(committed)
    report = verify(session, settings=settings)
    assert report.ok, report.problem
    assert report.events_checked == len(committed) > THREADS * TRANSACTIONS * 0.8
    assert report.checkpoints_verified >= len(committed) // 7
