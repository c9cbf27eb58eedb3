"""Reading the log in seq order, in batches, at the speed `verify` needs (10 M events < 60 s).

This is the one place that goes below SQLAlchemy to the driver's cursor: a PostgreSQL server-side
(named) cursor in binary mode, or SQLite's own cursor, fetched `batch_size` rows at a time, so memory
stays flat however long the log.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from typing import Any

from sqlalchemy.orm import Session

Row = tuple[int, bytes, bytes]  # seq, payload, hash
_POSTGRES = "SELECT seq, payload, hash FROM audit_event WHERE seq >= %s ORDER BY seq"
_SQLITE = "SELECT seq, payload, hash FROM audit_event WHERE seq >= ? ORDER BY seq"


def stream_rows(session: Session, start: int, batch_size: int) -> Iterator[list[Row]]:
    """Batches of rows with seq >= start, in the caller's transaction. The next batch is fetched in a
    helper thread while the caller hashes this one (the driver releases the GIL while it waits)."""
    connection = session.connection()
    raw: Any = connection.connection.dbapi_connection
    if connection.dialect.name == "postgresql":
        cursor = raw.cursor(name="guestgraph_audit_verify", binary=True)
        cursor.itersize = batch_size
        query = _POSTGRES
    else:
        cursor = raw.cursor()  # file databases: SQLAlchemy opens them with check_same_thread=False
        query = _SQLITE
    try:
        cursor.execute(query, (start,))
        yield from _prefetched(cursor, batch_size)
    finally:
        cursor.close()


def _prefetched(cursor: Any, batch_size: int) -> Iterator[list[Row]]:
    ready: queue.Queue[list[Row] | BaseException | None] = queue.Queue(maxsize=2)
    stop = threading.Event()

    def fetch() -> None:
        try:
            while not stop.is_set() and (batch := cursor.fetchmany(batch_size)):
                _put(batch)
            _put(None)
        except BaseException as e:  # handed to the reader, raised there
            _put(e)

    def _put(item: list[Row] | BaseException | None) -> None:
        while not stop.is_set():
            try:
                ready.put(item, timeout=0.02)
                return
            except queue.Full:
                continue

    worker = threading.Thread(target=fetch, name="audit-verify-fetch", daemon=True)
    worker.start()
    try:
        while (item := ready.get()) is not None:
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        worker.join()
