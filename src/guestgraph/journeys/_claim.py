"""Claims: a worker takes due enrolments with one guarded UPDATE (row locks with SKIP LOCKED on
PostgreSQL, the write lock on SQLite) and commits before doing anything, so two workers never hold
the same guest's step. A worker's later writes are guarded by its claim; one that died leaves its
claims `running`, and after the lease they are handed back (a send it had begun is not repeated)."""

from __future__ import annotations

import os
import secrets
import socket
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from guestgraph.db.models import EnrolmentStatus, Journey, JourneyEnrolment, JourneyStatus, JourneyStepRun

E = JourneyEnrolment
STARTED = "started"
INTERRUPTED = "interrupted"
INTERRUPTED_REASON = "interrupted while sending (not retried)"


def worker_id() -> str:
    return f"{socket.gethostname()[:20]}:{os.getpid()}:{secrets.token_hex(4)}"


def claim(session: Session, *, worker: str, batch: int, now: datetime) -> int:
    """Claim up to `batch` enrolments whose step is due, in active journeys; commits; how many."""
    pick = (
        select(E.id)
        .join(Journey, Journey.id == E.journey_id)
        .where(E.status == EnrolmentStatus.WAITING, E.next_at <= now, Journey.status == JourneyStatus.ACTIVE)
        .order_by(E.next_at, E.id)
        .limit(batch)
    )
    chosen = pick
    if session.get_bind().dialect.name == "postgresql":
        # Picked once, in a materialised CTE: as an IN (subquery) the planner may re-run the LIMIT …
        # FOR UPDATE SKIP LOCKED scan for each row, each run skipping the rows just updated, and one
        # claim then takes every due enrolment (as the campaign sender's claim did).
        picked = pick.with_for_update(skip_locked=True, of=E).cte("picked").prefix_with("MATERIALIZED")
        chosen = select(picked.c.id)
    claimed = session.execute(
        update(E)
        .where(E.id.in_(chosen), E.status == EnrolmentStatus.WAITING)
        .values(status=EnrolmentStatus.RUNNING, claimed_by=worker, claimed_at=now)
    )
    session.commit()
    return int(claimed.rowcount or 0)  # type: ignore[attr-defined]


def recover(session: Session, *, now: datetime, lease: timedelta) -> int:
    """Hand back claims older than the lease (their worker died); a send begun under such a claim is
    marked interrupted and never repeated (the mail may have left). Commits; returns how many."""
    stale = select(E.id).where(E.status == EnrolmentStatus.RUNNING, E.claimed_at < now - lease)
    session.execute(
        update(JourneyStepRun)
        .where(JourneyStepRun.enrolment_id.in_(stale), JourneyStepRun.outcome == STARTED)
        .where(
            JourneyStepRun.step == select(E.step).where(E.id == JourneyStepRun.enrolment_id).scalar_subquery()
        )
        .values(outcome=INTERRUPTED, reason=INTERRUPTED_REASON)
    )
    handed_back = session.execute(
        update(E)
        .where(E.status == EnrolmentStatus.RUNNING, E.claimed_at < now - lease)
        .values(status=EnrolmentStatus.WAITING, claimed_by=None, claimed_at=None)
    )
    session.commit()
    return int(handed_back.rowcount or 0)  # type: ignore[attr-defined]
