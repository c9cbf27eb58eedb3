"""After an erasure (or a retention run) commits, remove what the deleted rows left in the database
files (checklist PR-03): SQLite's WAL is checkpointed and truncated (its main file zeroes deleted
content itself, `secure_delete`), PostgreSQL's touched tables are vacuumed. The key store is not
truncated: doing so broke later connections to a key store shared by many engines of one process
("disk I/O error" on `PRAGMA journal_mode=WAL`, found by the full test suite), so until that is
understood a shredded key's wrapped bytes can stay in the key store's `-wal` until SQLite's own
checkpoint overwrites them.

It runs after the commit, outside the transaction (VACUUM cannot run inside one, and a checkpoint
cannot copy what is not committed), on one background thread of the process: a VACUUM of the
erased tables takes seconds on a large or busy database (a CI run timed an erasure request out
at 10 s while it waited), and the person who asked for the erasure should not wait for it. Purges
run one at a time in the order asked; `wait_for_purges` waits for those asked so far (the CLI does,
and so does an orderly exit: the thread is joined at interpreter shutdown). A failure is logged and
never undoes the committed erasure; the next erasure or retention run purges the same tables again.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor, wait

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
        purge_later(session.get_bind(), tables)


_lock = threading.Lock()
_executor: ThreadPoolExecutor | None = None
_asked: list[Future[db.Purge | None]] = []


def purge_later(bind: Engine | Connection, tables: Iterable[str]) -> Future[db.Purge | None]:
    """Have the data database's `tables` purged on the background purge thread; returns at once."""
    global _executor
    engine = bind.engine if isinstance(bind, Connection) else bind
    with _lock:
        if _executor is None:
            _executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="guestgraph-purge")
        future = _executor.submit(purge_now, engine, set(tables))
        _asked[:] = [f for f in _asked if not f.done()] + [future]
    return future


def wait_for_purges(timeout: float | None = None) -> bool:
    """Wait until every purge asked so far has run; False if `timeout` seconds passed first."""
    with _lock:
        asked = list(_asked)
    return not wait(asked, timeout=timeout).not_done


def purge_now(engine: Engine, tables: Iterable[str]) -> db.Purge | None:
    """Purge the data database's `tables` now; None (and logged) when it could not be done."""
    try:
        return db.purge_freed(engine, set(tables))
    except (SQLAlchemyError, OSError):
        log.exception("Could not purge freed space after an erasure (%s)", engine.url.render_as_string())
        return None
