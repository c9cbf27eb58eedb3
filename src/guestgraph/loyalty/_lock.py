"""The `loyalty` lock row: accrual, expiry, tier evaluation and redemptions take it first, so that a
redemption's balance check and an expiry never interleave (SQLite: the write lock; PostgreSQL: a row
lock until the transaction ends)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from guestgraph.db import take_app_lock


def take_lock(session: Session, now: datetime) -> None:
    take_app_lock(session, "loyalty", stamp=now)
