"""After an erasure (or a retention run) commits, remove what the deleted rows left in the database
files (checklist PR-03): SQLite's WAL is checkpointed and truncated (its main file zeroes deleted
content itself, `secure_delete`), PostgreSQL's touched tables are vacuumed. A SQLite key store's WAL
is truncated too, so the wrapped data keys the erasure shredded leave no copy in its `-wal`.

(An earlier attempt at the key store broke later connections with "disk I/O error". The cause was
in the test, not here: it read the database files' raw bytes in the same process, and closing any
file descriptor of a SQLite file drops every POSIX lock the process holds on it, SQLite's included;
see https://www.sqlite.org/howtocorrupt.html, 2.2. Tests read those files from another process.)

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

from guestgraph import db, pii
from guestgraph.db.models import Base
from guestgraph.errors import GuestgraphError

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
    """Purge the data database's `tables` now, and a SQLite key store's WAL; None (and logged) when
    the data database could not be purged."""
    done: db.Purge | None = None
    try:
        done = db.purge_freed(engine, set(tables))
    except (SQLAlchemyError, OSError):
        log.exception("Could not purge freed space after an erasure (%s)", engine.url.render_as_string())
    store = _key_store(engine)
    if store is not None and store.dialect.name == "sqlite":
        try:
            db.truncate_wal(store)
        except (SQLAlchemyError, OSError):
            log.exception("Could not truncate the key store's WAL after an erasure")
    return done


def _key_store(engine: Engine) -> Engine | None:
    """The key store's engine, when `engine` has a field-encryption vault attached."""
    try:
        return pii.vault_of(engine).store.engine
    except GuestgraphError:
        return None
