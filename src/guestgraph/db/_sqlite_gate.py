"""SQLite's writers queue in the process, not in SQLite's busy handler.

SQLite has one writer at a time. A connection that finds the write lock taken waits in SQLite's busy
handler, which polls: it sleeps 1, 2, 5, 10 … up to 100 ms between tries, so a waiter often sleeps
long after the lock came free. With sixteen concurrent requests that each write a little (an audit
event for a profile read, a session touch, a push), those sleeps made the tail: profile pages over
HTTP at p99 1.5 s where the work takes 15 ms.

So each database file gets one gate per process. A connection takes it before its first write (or
`BEGIN IMMEDIATE`) and gives it back when its transaction ends (commit, rollback, close), so the
threads of one process wait in order on a lock that wakes the next one at once. Another process (a
CLI import, the worker) still meets SQLite's own lock and busy timeout, as before. A wait longer than
the busy timeout raises the same "database is locked" error SQLite would.

The driver starts a transaction (its implicit `BEGIN`) only before a statement that begins with
INSERT, UPDATE, DELETE or REPLACE. A write that begins with a common table expression (`WITH … INSERT
INTO …`, as the analytics refresh and the bulk paths compile them) ran outside any transaction: it
committed on its own, and a later failure could not roll it back. The gate starts the transaction for
such a statement, as the driver does for the others.
"""

from __future__ import annotations

import re
import sqlite3
import threading
from typing import Any

from sqlalchemy import Engine, event

_GATES: dict[str, threading.Lock] = {}
_GATES_LOCK = threading.Lock()
# Statements that take SQLite's write lock: everything but reads, pragmas and savepoint bookkeeping.
_READS = re.compile(
    r"\s*(SELECT|PRAGMA|EXPLAIN|SAVEPOINT|RELEASE|ROLLBACK|COMMIT|BEGIN\s*$|BEGIN\s+DEFERRED)", re.I
)
# A statement led by common table expressions. SQLite allows no writes inside a CTE, so such a
# statement writes exactly when its main statement is an INSERT, UPDATE, DELETE or REPLACE.
_WITH = re.compile(r"\s*WITH\b", re.I)
_WRITE_WORD = re.compile(r"\b(INSERT|UPDATE|DELETE|REPLACE)\b", re.I)


def gate_for(database: str) -> threading.Lock:
    """The write gate of the SQLite file `database` (an absolute path) in this process."""
    with _GATES_LOCK:
        return _GATES.setdefault(database, threading.Lock())


class GatedConnection(sqlite3.Connection):
    """A sqlite3 connection that gives its process's write gate back when its transaction ends."""

    gate: threading.Lock | None = None
    holds_gate = False
    wait_seconds = 30.0

    def begin_if_idle(self) -> None:
        """Start the transaction the driver would not start for a write led by `WITH`."""
        if self.isolation_level is not None and not self.in_transaction:
            self.execute("BEGIN")

    def enter_gate(self) -> None:
        if self.gate is None or self.holds_gate:
            return
        if not self.gate.acquire(timeout=self.wait_seconds):
            raise sqlite3.OperationalError("database is locked (waited for this process's other writers)")
        self.holds_gate = True

    def leave_gate(self) -> None:
        if self.holds_gate and self.gate is not None:
            self.holds_gate = False
            self.gate.release()

    def commit(self) -> None:
        try:
            super().commit()
        finally:
            self.leave_gate()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self.leave_gate()

    def close(self) -> None:
        try:
            super().close()
        finally:
            self.leave_gate()


def install_write_gate(engine: Engine, database: str, wait_seconds: float) -> None:
    """Gate the writes of `engine`'s connections to the SQLite file `database` (an absolute path)."""
    gate = gate_for(database)

    @event.listens_for(engine, "connect")
    def _attach(dbapi_connection: Any, _record: Any) -> None:
        if isinstance(dbapi_connection, GatedConnection):
            dbapi_connection.gate = gate
            dbapi_connection.wait_seconds = wait_seconds

    @event.listens_for(engine, "before_cursor_execute")
    def _before_write(conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if _READS.match(statement):
            return
        led_by_with = _WITH.match(statement) is not None
        if led_by_with and not _WRITE_WORD.search(statement):
            return  # WITH … SELECT: a read
        dbapi_connection = conn.connection.dbapi_connection
        if isinstance(dbapi_connection, GatedConnection):
            dbapi_connection.enter_gate()
            if led_by_with:
                dbapi_connection.begin_if_idle()
