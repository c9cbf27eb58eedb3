"""Engine and session factory. SQLite runs in WAL mode with foreign keys enforced and `secure_delete`
on: deleted rows are overwritten with zeros in the file, not only unlinked (PR-03, see `_purge`)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from guestgraph.db._checkpoint import install_wal_mode
from guestgraph.db._sqlite_gate import GatedConnection, install_write_gate
from guestgraph.errors import ConfigurationError


def _json_dumps(value: Any) -> str:
    return orjson.dumps(value).decode("utf-8")


POOL_SIZE = 16
BUSY_SECONDS = 30  # how long a SQLite writer waits for another before "database is locked"
POOL_OVERFLOW = 24
# ON, not FAST: FAST leaves whole freed pages (overflow pages of a long raw payload) as they were
SECURE_DELETE = "ON"


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create an engine for `url`; the SQLite file's folder is created when missing."""
    kwargs.setdefault("json_serializer", _json_dumps)
    kwargs.setdefault("json_deserializer", orjson.loads)
    kwargs.setdefault("hide_parameters", True)  # guest data never reaches logs through SQL errors
    # Connections kept open for the app's worker threads: with the default 5 (+10 opened and closed
    # again on demand) sixteen concurrent pushes spent a tenth of their time connecting.
    if "poolclass" not in kwargs:  # a pool given by the caller (StaticPool, NullPool) takes no size
        kwargs.setdefault("pool_size", POOL_SIZE)
        kwargs.setdefault("max_overflow", POOL_OVERFLOW)
    try:
        parsed = make_url(url)
    except Exception as e:
        raise ConfigurationError(
            f"GUESTGRAPH_DATABASE_URL is not a database URL: {url!r}",
            hint="Use sqlite:///path/to/file.db or postgresql+psycopg://user@host:5432/dbname",
        ) from e
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(parsed.database, url, **kwargs)
    if parsed.get_backend_name() == "postgresql":
        if parsed.drivername == "postgresql":
            url = parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
        # JIT off: our queries are short; PostgreSQL compiled the costlier search statements at
        # 100-400 ms each (front-desk search p99 at 1M guests 390 ms with JIT, 72 ms without)
        connect_args = {"options": "-c jit=off", **kwargs.pop("connect_args", {})}
        return create_engine(url, pool_pre_ping=True, connect_args=connect_args, **kwargs)
    raise ConfigurationError(
        f"Unsupported database {parsed.get_backend_name()!r} in GUESTGRAPH_DATABASE_URL.",
        hint="guestgraph runs on SQLite (embedded) or PostgreSQL (production).",
    )


def _sqlite_engine(database: str | None, url: str, **kwargs: Any) -> Engine:
    connect_args = {"timeout": BUSY_SECONDS, **kwargs.pop("connect_args", {})}
    if not database or database == ":memory:":  # one database per connection: no pool, no gate
        kwargs.pop("pool_size", None), kwargs.pop("max_overflow", None)
        return _with_pragmas(create_engine(url, connect_args=connect_args, **kwargs))
    Path(database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"factory": GatedConnection, **connect_args}, **kwargs)
    install_write_gate(engine, str(Path(database).resolve()), BUSY_SECONDS)
    install_wal_mode(engine)  # a WalCheckpointer can take the checkpoints off the commits (_checkpoint)
    return _with_pragmas(engine)


def _with_pragmas(engine: Engine) -> Engine:
    event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute(f"PRAGMA secure_delete={SECURE_DELETE}")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_SECONDS * 1000}")
    cursor.close()


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)


@contextmanager
def session_scope(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A unit of work: commit on success, roll back on error, always close."""
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
