"""Database access: engines, sessions, migrations and named locks. Models live in `guestgraph.db.models`."""

from guestgraph.db._bulk import insert_rows
from guestgraph.db._checkpoint import CheckpointPolicy, WalCheckpointer, background_checkpoints
from guestgraph.db._engine import make_engine, make_session_factory, session_scope
from guestgraph.db._lock import take_app_lock
from guestgraph.db._migrate import DatabaseStatus, current_revision, database_status, head_revision
from guestgraph.db._purge import Purge, purge_freed, truncate_wal, vacuum_tables

__all__ = [
    "CheckpointPolicy",
    "DatabaseStatus",
    "Purge",
    "WalCheckpointer",
    "background_checkpoints",
    "current_revision",
    "database_status",
    "head_revision",
    "insert_rows",
    "make_engine",
    "make_session_factory",
    "purge_freed",
    "session_scope",
    "take_app_lock",
    "truncate_wal",
    "vacuum_tables",
]
