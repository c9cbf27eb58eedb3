"""Per-engine snapshot and load: SQLite through the online backup API, PostgreSQL through pg_dump /
pg_restore on an exported snapshot, so the row counts in the header describe exactly the payload."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess  # noqa: S404 - pg_dump and pg_restore, argument lists only
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Connection, func, inspect, select, table, text
from sqlalchemy.engine import URL, make_url

from guestgraph.db import make_engine
from guestgraph.ops._errors import BackupError, RestoreTargetNotEmpty

PG_DUMP_TIMEOUT = 6 * 3600


@dataclass(frozen=True)
class Snapshot:
    engine: str
    payload: str
    schema_revision: str | None
    row_counts: dict[str, int]


def engine_name(url: str) -> str:
    return make_url(url).get_backend_name()


def row_counts(conn: Connection) -> dict[str, int]:
    """Rows per table, in the connection's current transaction."""
    names = sorted(inspect(conn).get_table_names())
    return {n: int(conn.execute(select(func.count()).select_from(table(n))).scalar_one()) for n in names}


def _revision(conn: Connection, counts: dict[str, int]) -> str | None:
    if "alembic_version" not in counts:
        return None
    value = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    return str(value) if value is not None else None


def database_counts(url: str) -> tuple[str | None, dict[str, int]]:
    """Schema revision and rows per table of a database (for verifying a restore)."""
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            counts = row_counts(conn)
            return _revision(conn, counts), counts
    finally:
        engine.dispose()


def snapshot(url: str, dest: Path) -> Snapshot:
    """Write a consistent copy of the database at `url` to `dest` while the app keeps writing."""
    if engine_name(url) == "sqlite":
        return _snapshot_sqlite(url, dest)
    return _snapshot_postgres(url, dest)


def _sqlite_path(url: str) -> str:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise BackupError(f"Cannot back up the SQLite database {url!r}: it has no file.")
    return database


def _snapshot_sqlite(url: str, dest: Path) -> Snapshot:
    path = _sqlite_path(url)
    if not Path(path).exists():
        raise BackupError(
            f"The SQLite database {path} does not exist.", hint="Check GUESTGRAPH_DATABASE_URL."
        )
    source, copy = sqlite3.connect(path, timeout=30), sqlite3.connect(dest)
    try:
        source.backup(copy)  # one step: a single read transaction, so one consistent moment
    finally:
        source.close()
        copy.close()
    revision, counts = database_counts(f"sqlite:///{dest}")
    for extra in (Path(f"{dest}-wal"), Path(f"{dest}-shm")):
        extra.unlink(missing_ok=True)
    return Snapshot("sqlite", "sqlite-database", revision, counts)


def _libpq(url: str) -> tuple[str, dict[str, str]]:
    """A libpq connection URI without the password, and the environment that carries it."""
    parsed: URL = make_url(url)
    env = dict(os.environ)
    if parsed.password:
        env["PGPASSWORD"] = str(parsed.password)
    plain = parsed.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def _tool(name: str) -> str:
    found = shutil.which(name) or (f"/usr/bin/{name}" if Path(f"/usr/bin/{name}").exists() else None)
    if found is None:
        raise BackupError(
            f"{name} is not installed.",
            hint="Install the PostgreSQL client tools of the server's major version (postgresql-client).",
        )
    return found


def _run(args: list[str], env: dict[str, str], what: str) -> None:
    done = subprocess.run(args, env=env, capture_output=True, text=True, timeout=PG_DUMP_TIMEOUT, check=False)  # noqa: S603
    if done.returncode != 0:
        raise BackupError(
            f"{what} failed (exit {done.returncode}): {done.stderr.strip()[-500:]}",
            hint="Check that the PostgreSQL client tools match the server version and the URL is right.",
        )


def _snapshot_postgres(url: str, dest: Path) -> Snapshot:
    uri, env = _libpq(url)
    engine = make_engine(url, isolation_level="REPEATABLE READ")
    try:
        with engine.connect() as conn:
            snap = str(conn.execute(text("SELECT pg_export_snapshot()")).scalar_one())
            counts = row_counts(conn)  # same snapshot as the dump below
            revision = _revision(conn, counts)
            args = [_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges"]
            _run([*args, f"--snapshot={snap}", f"--file={dest}", f"--dbname={uri}"], env, "pg_dump")
            conn.rollback()
    finally:
        engine.dispose()
    return Snapshot("postgresql", "pg_dump-custom", revision, counts)


def check_empty(url: str) -> None:
    """Refuse a target database that already holds tables."""
    _revision_, counts = database_counts(url)
    if counts:
        raise RestoreTargetNotEmpty(
            f"The target database already holds {len(counts)} tables "
            f"({sum(counts.values())} rows); a restore goes into an empty database.",
            hint="Create an empty database (or file) and pass it with --into, or add --force to "
            "replace the target's content.",
        )


def load(payload: Path, url: str, *, force: bool) -> None:
    """Load a decrypted payload into the database at `url`."""
    if engine_name(url) == "sqlite":
        Path(_sqlite_path(url)).parent.mkdir(parents=True, exist_ok=True)
        source, target = sqlite3.connect(payload), sqlite3.connect(_sqlite_path(url), timeout=30)
        try:
            source.backup(target)
        finally:
            source.close()
            target.close()
        return
    uri, env = _libpq(url)
    args = [_tool("pg_restore"), "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction"]
    if force:
        args += ["--clean", "--if-exists"]
    _run([*args, f"--dbname={uri}", str(payload)], env, "pg_restore")


def clear(url: str) -> None:
    """Empty a target again after a refused restore: drop every table (SQLite), or every table,
    sequence, function and type of the `public` schema (PostgreSQL), so no unchecked copy of the
    backup's data is left behind and the target can take another restore."""
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            if engine_name(url) == "sqlite":
                conn.exec_driver_sql("PRAGMA foreign_keys = OFF")
                for name in inspect(conn).get_table_names():
                    conn.exec_driver_sql(f'DROP TABLE IF EXISTS "{name}"')
            else:
                for sql in conn.execute(text(_PG_DROPS)).scalars().all():
                    conn.exec_driver_sql(sql)
    finally:
        engine.dispose()


_PG_DROPS = """
SELECT format('DROP TABLE IF EXISTS public.%I CASCADE', tablename) FROM pg_tables WHERE schemaname = 'public'
UNION ALL
SELECT format('DROP SEQUENCE IF EXISTS public.%I CASCADE', sequencename) FROM pg_sequences
 WHERE schemaname = 'public'
UNION ALL
SELECT format('DROP FUNCTION IF EXISTS %s CASCADE', p.oid::regprocedure) FROM pg_proc p
  JOIN pg_namespace n ON n.oid = p.pronamespace
 WHERE n.nspname = 'public'
   AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e')
UNION ALL
SELECT format('DROP TYPE IF EXISTS public.%I CASCADE', t.typname) FROM pg_type t
  JOIN pg_namespace n ON n.oid = t.typnamespace
 WHERE n.nspname = 'public' AND t.typtype IN ('e', 'd')
   AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = t.oid AND d.deptype = 'e')
"""
