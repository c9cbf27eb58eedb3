"""The `loyalty` lock row: accrual, expiry, tier evaluation and redemptions take it first, so that a
redemption's balance check and an expiry never interleave (SQLite: the write lock; PostgreSQL: a row
lock until the transaction ends)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlalchemy.orm import Session

from guestgraph.db.models import AppLock


def take_lock(session: Session, now: datetime) -> None:
    taken = session.execute(update(AppLock).where(AppLock.name == "loyalty").values(acquired_at=now))
    if not int(taken.rowcount or 0):  # type: ignore[attr-defined]  # (a database emptied by hand)
        session.add(AppLock(name="loyalty", acquired_at=now))
        session.flush()
