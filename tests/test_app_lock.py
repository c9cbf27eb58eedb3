"""The named lock rows: a missing row is put back by whoever takes it first, and a second taker that
also found it missing waits for the first instead of failing on the key (CI failure: two journey
workers on PostgreSQL, 'duplicate key value violates unique constraint pk_app_lock')."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime

from sqlalchemy import Engine, delete, select
from sqlalchemy.orm import Session

from guestgraph.db import take_app_lock
from guestgraph.db.models import AppLock

T0 = datetime(2026, 11, 20, 3, 0, tzinfo=UTC)
T1 = datetime(2026, 11, 20, 4, 0, tzinfo=UTC)


def test_two_takers_of_a_missing_row_both_get_it_in_turn(engine: Engine, session: Session) -> None:
    session.execute(delete(AppLock).where(AppLock.name == "journeys"))
    session.commit()
    outcome: list[object] = []
    second_done = threading.Event()

    def second() -> None:
        try:
            with Session(engine) as other:
                outcome.append(take_app_lock(other, "journeys", stamp=T1))
                other.commit()
        except Exception as e:  # noqa: BLE001 - the failure is what the test reports
            outcome.append(e)
        second_done.set()

    with Session(engine) as first:
        assert take_app_lock(first, "journeys", stamp=T0)
        thread = threading.Thread(target=second)
        thread.start()
        time.sleep(0.5)
        assert not second_done.is_set(), "the second taker must wait while the first holds the row"
        first.commit()
    thread.join(timeout=30)
    assert outcome == [True]
    with Session(engine) as check:
        stamps = check.scalars(select(AppLock.acquired_at).where(AppLock.name == "journeys")).all()
    assert len(stamps) == 1 and stamps[0] is not None and stamps[0].replace(tzinfo=UTC) == T1
