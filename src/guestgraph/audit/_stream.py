"""Reading the log in seq order, in batches, at the speed `verify` needs (10 M events < 60 s).

This is the one place that goes below SQLAlchemy to the driver's cursor: a PostgreSQL server-side
(named) cursor in binary mode, or SQLite's own cursor, fetched `batch_size` rows at a time, so memory
stays flat however long the log. The database rebuilds each payload's header from the search columns
up to the username (plain ASCII values, see `_event.HEADER_FIELDS`); `verify` compares it with the
stored bytes, so a search column that disagrees with its payload is caught in the same pass.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from typing import Any

from sqlalchemy.orm import Session

Row = tuple[
    int, bytes | None, str | None, bytes, bytes
]  # seq, header up to username, username, payload, hash

_HEADER = """'{{"seq":' || seq || ',"time":"' || {time} || '","action":"' || action
    || '","outcome":"' || outcome || '","category":"' || category
    || '","actor_user_id":' || coalesce({user_id}, 'null')
    || ',"guest_public_id":' || coalesce('"' || guest_public_id || '"', 'null') || ',"actor_username":'"""
_POSTGRES_HEADER = _HEADER.format(
    time="""to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')""",
    user_id="actor_user_id::text",
)
_SQLITE_HEADER = _HEADER.format(time="replace(occurred_at, ' ', 'T') || 'Z'", user_id="actor_user_id")
_POSTGRES = (
    "SELECT seq, convert_to(" + _POSTGRES_HEADER + ", 'UTF8'), actor_username, payload, hash "
    "FROM audit_event WHERE seq >= %s ORDER BY seq"
)
_SQLITE = (
    "SELECT seq, CAST(" + _SQLITE_HEADER + " AS BLOB), actor_username, payload, hash "
    "FROM audit_event WHERE seq >= ? ORDER BY seq"
)


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
