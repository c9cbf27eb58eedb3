"""Named lock rows (`app_lock`): work that must not run twice at once (a resolve pass, a loyalty
balance change) takes its row first, and holds it until its transaction ends."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import bindparam, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from guestgraph.db.models import AppLock

# built once (an online resolution pass takes the lock for every record it resolves)
_HOLD = update(AppLock).where(AppLock.name == bindparam("lock")).values(name=AppLock.name)
_STAMP = update(AppLock).where(AppLock.name == bindparam("lock")).values(acquired_at=bindparam("stamp"))


def take_app_lock(
    session: Session, name: str, *, stamp: datetime | None = None, give_up_after: timedelta | None = None
) -> bool:
    """Take the lock row `name` for this transaction: the update takes SQLite's write lock, or the
    row's lock on PostgreSQL, so a second taker waits until the first commits, then reads what it wrote.

    `stamp`: the row's `acquired_at` becomes it (a mark others read, e.g. when the last resolve pass
    began); without it the row is left as it is. `give_up_after` (PostgreSQL only; SQLite's one writer
    always queues): a taker that has waited that long gives up, its transaction is rolled back and
    False returned. A missing row (the migrations add them; tests and a database emptied by hand
    delete them) is inserted again, which holds it the same way."""
    wait = give_up_after if session.get_bind().dialect.name == "postgresql" else None
    if wait is not None:  # SET LOCAL takes no bind parameter: a whole number of milliseconds
        session.execute(text(f"SET LOCAL lock_timeout = {int(wait.total_seconds() * 1000)}"))
    statement, params = (_HOLD, {"lock": name}) if stamp is None else (_STAMP, {"lock": name, "stamp": stamp})
    try:
        taken = session.execute(statement, params)
    except OperationalError:
        if wait is None:
            raise
        session.rollback()
        return False
    if not int(taken.rowcount or 0):  # type: ignore[attr-defined]
        _insert_missing(session, name, stamp)
        session.execute(statement, params)
    return True


def _insert_missing(session: Session, name: str, stamp: datetime | None) -> None:
    """Insert the lock row unless another taker has just done so: two processes that both found it
    missing must not fail on the key (the second waits for the first's insert, then does nothing)."""
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    row = {"name": name, "acquired_at": stamp}
    session.execute(insert(AppLock).values(row).on_conflict_do_nothing(index_elements=["name"]))
