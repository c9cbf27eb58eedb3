"""Physical remnants of deleted rows (checklist PR-03).

A DELETE or UPDATE leaves the old bytes behind until something overwrites them. On SQLite every
connection runs with `secure_delete` on (see `_engine`), so the freed cells and pages of the main
file are zeroed; the page images written before the change still sit in the `-wal` file, which
`truncate_wal` empties once everything is checkpointed into the main file. On PostgreSQL the old row
versions stay as dead tuples until VACUUM; `vacuum_tables` runs it on the tables a change touched.
VACUUM frees them for reuse but does not zero them: bytes can remain in freed heap and index space,
in the WAL and in backups until overwritten (see docs/architecture.md, "Erasure").
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import Engine, text

from guestgraph.db._engine import BUSY_SECONDS

log = logging.getLogger(__name__)
CHECKPOINT_TRIES = 5
CHECKPOINT_PAUSE = 0.2  # seconds between tries while readers hold old snapshots
CHECKPOINT_BUSY_MS = 1000  # one try waits this long for the writer lock, not the 30 s of a write
VACUUM_LOCK_TIMEOUT = "5s"  # an import's ANALYZE or autovacuum holds the same lock for a moment


@dataclass(frozen=True)
class Purge:
    """What a purge did: `complete` is False when it had to leave remnants for a later run."""

    backend: str
    complete: bool
    detail: str


def purge_freed(engine: Engine, tables: Iterable[str]) -> Purge:
    """Remove what deleted rows of `tables` left in the database's files, as far as the backend allows."""
    if engine.dialect.name == "sqlite":
        return truncate_wal(engine)
    return vacuum_tables(engine, tables)


def truncate_wal(engine: Engine, *, tries: int = CHECKPOINT_TRIES) -> Purge:
    """Checkpoint the SQLite WAL into the main file and truncate it to zero bytes. A reader holding
    an older snapshot makes the checkpoint busy; it is retried, and logged if it never completes."""
    if not engine.url.database or engine.url.database == ":memory:":
        return Purge("sqlite", True, "in memory: no files")
    busy, frames = 1, -1
    for attempt in range(tries):
        if attempt:
            time.sleep(CHECKPOINT_PAUSE * attempt)
        with engine.connect() as conn:
            conn.exec_driver_sql(f"PRAGMA busy_timeout={CHECKPOINT_BUSY_MS}")
            try:
                busy, frames, _done = conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").one()
            finally:
                conn.exec_driver_sql(f"PRAGMA busy_timeout={BUSY_SECONDS * 1000}")
        if not busy:
            return Purge("sqlite", True, f"WAL checkpointed ({frames} frames) and truncated")
    detail = (
        f"WAL not truncated after {tries} tries: another connection still reads an older snapshot "
        f"({frames} frames); the next erasure or retention run truncates it"
    )
    log.warning("%s (%s)", detail, engine.url.database)
    return Purge("sqlite", False, detail)


def vacuum_tables(engine: Engine, tables: Iterable[str]) -> Purge:
    """VACUUM `tables` on PostgreSQL (outside any transaction), index entries included. Row versions
    a transaction older than the VACUUM can still see stay; such a transaction is reported."""
    names = sorted(set(tables))
    if not names:
        return Purge(engine.dialect.name, True, "no tables")
    quote = engine.dialect.identifier_preparer.quote
    listed = ", ".join(quote(n) for n in names)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("SELECT set_config('lock_timeout', :t, false)"), {"t": VACUUM_LOCK_TIMEOUT})
        started = conn.execute(text("SELECT clock_timestamp()")).scalar_one()
        conn.exec_driver_sql(f"VACUUM (INDEX_CLEANUP ON) {listed}")
        older = conn.execute(_OLDER_SNAPSHOTS, {"started": started}).scalar_one()
    if older:
        detail = (
            f"VACUUM of {len(names)} tables ran while {older} older transactions were open: the row "
            "versions they still see stay until autovacuum or the next retention run"
        )
        log.warning(detail)
        return Purge("postgresql", False, detail)
    return Purge("postgresql", True, f"VACUUM of {len(names)} tables")


_OLDER_SNAPSHOTS = text(
    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
    "AND pid <> pg_backend_pid() AND backend_xmin IS NOT NULL AND xact_start < :started"
)
