"""After an erasure (or a retention run) commits, remove what the deleted rows left in the database
files (checklist PR-03): SQLite's WAL is checkpointed and truncated (its main file zeroes deleted
content itself, `secure_delete`), PostgreSQL's touched tables are vacuumed. The key store is not
truncated: doing so broke later connections to a key store shared by many engines of one process
("disk I/O error" on `PRAGMA journal_mode=WAL`, found by the full test suite), so until that is
understood a shredded key's wrapped bytes can stay in the key store's `-wal` until SQLite's own
checkpoint overwrites them.

It runs after the commit, outside the transaction (VACUUM cannot run inside one, and a checkpoint
cannot copy what is not committed). A failure is logged and never undoes the committed erasure.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from sqlalchemy import Connection, Engine, event
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from guestgraph import db
from guestgraph.db.models import Base

log = logging.getLogger(__name__)
_PENDING = "guestgraph.privacy.purge"


def with_cascades(tables: Iterable[str]) -> set[str]:
    """`tables` and every table whose rows go with theirs (ON DELETE CASCADE), transitively."""
    names = set(tables)
    grew = True
    while grew:
        more = {
            t.name
            for t in Base.metadata.sorted_tables
            for fk in t.foreign_keys
            if (fk.ondelete or "").upper() == "CASCADE" and fk.column.table.name in names
        }
        grew = not more <= names
        names |= more
    return names


def purge_after_commit(session: Session, tables: Iterable[str]) -> None:
    """Have the freed space of `tables` purged once `session`'s transaction commits (not on rollback)."""
    pending: set[str] | None = session.info.get(_PENDING)
    if pending is None:
        pending = session.info[_PENDING] = set()
        if not event.contains(session, "after_commit", _after_commit):
            event.listen(session, "after_commit", _after_commit)
            event.listen(session, "after_rollback", _after_rollback)
    pending.update(with_cascades(tables))


def _after_rollback(session: Session) -> None:
    session.info.pop(_PENDING, None)


def _after_commit(session: Session) -> None:
    tables = session.info.pop(_PENDING, None)
    if tables:
        purge_now(session.get_bind(), tables)


def purge_now(bind: Engine | Connection, tables: Iterable[str]) -> list[db.Purge]:
    """Purge the data database's `tables` now; what could not be done is logged."""
    engine = bind.engine if isinstance(bind, Connection) else bind
    done: list[db.Purge] = []
    targets = [(engine, set(tables))]
    for target, names in targets:
        try:
            done.append(db.purge_freed(target, names))
        except SQLAlchemyError:
            log.exception("Could not purge freed space after an erasure (%s)", target.url.render_as_string())
    return done
