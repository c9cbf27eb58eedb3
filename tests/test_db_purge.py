"""PR-03: the purge after an erasure, when another connection still reads an older snapshot. SQLite's
WAL cannot be truncated then: the checkpoint is retried, reported incomplete and logged, and the next
purge truncates it. PostgreSQL's VACUUM runs but reports the open transaction whose rows it must keep."""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from guestgraph import db


def _write(engine: Engine, step: int) -> None:
    """A real change, undone by the opposite step."""
    with engine.begin() as conn:
        conn.execute(text("UPDATE audit_control SET prune_through = prune_through + :s"), {"s": step})


def test_a_purge_blocked_by_an_older_reader_is_reported_and_the_next_one_completes(
    engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    _write(engine, 1)  # something in the WAL
    sqlite = engine.dialect.name == "sqlite"
    if sqlite:
        reader: sqlite3.Connection | None = sqlite3.connect(str(engine.url.database), isolation_level=None)
        reader.execute("BEGIN")
        reader.execute("SELECT count(*) FROM audit_control").fetchall()  # holds its snapshot
        other = None
    else:
        reader = None
        other = engine.connect()
        other.exec_driver_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        other.exec_driver_sql("SELECT count(*) FROM audit_control").all()
    _write(engine, -1)
    with caplog.at_level(logging.WARNING, logger="guestgraph.db._purge"):
        blocked = db.truncate_wal(engine, tries=2) if sqlite else db.vacuum_tables(engine, ["audit_control"])
    assert not blocked.complete and caplog.records, blocked
    if reader is not None:
        reader.execute("COMMIT")
        reader.close()
    if other is not None:
        other.rollback()
        other.close()
    done = db.purge_freed(engine, ["audit_control"])
    assert done.complete, done
    if sqlite:
        wal = Path(str(engine.url.database) + "-wal")
        assert not wal.exists() or wal.stat().st_size == 0
