"""SQLite's WAL checkpoints off the commit path (`guestgraph.db._checkpoint`, issue 5).

The checkpointer is SQLite-only: the tests of the thread itself run on SQLite files. The tests that
go through the web server and the settings run on every backend, and check that PostgreSQL gets no
checkpointer and works as before.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from guestgraph.config import load_settings
from guestgraph.db import CheckpointPolicy, WalCheckpointer, background_checkpoints, make_engine
from guestgraph.errors import ConfigurationError
from tests.conftest import make_settings, serve

PAGE = 4096
IDLE = CheckpointPolicy(mode="background", seconds=60)  # started, but its timer never fires in a test
EAGER = CheckpointPolicy(mode="background", seconds=0.05)


@pytest.fixture
def sqlite_engine(tmp_path: Path) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{tmp_path / 'wal.db'}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, body BLOB)"))
    yield engine
    engine.dispose()


def wal_bytes(engine: Engine) -> int:
    path = Path(str(engine.url.database) + "-wal")
    return path.stat().st_size if path.exists() else 0


def write_pages(engine: Engine, pages: int, *, commits: int = 30) -> None:
    """About `pages` WAL pages in `commits` transactions (a 3,000-byte row takes most of a page)."""
    for _ in range(commits):
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO t (body) VALUES (randomblob(3000))"), [{}] * (pages // commits))


def autocheckpoint(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text("PRAGMA wal_autocheckpoint")).scalar_one())


def wait_for(condition: Callable[[], bool], seconds: float = 10.0) -> bool:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def test_without_a_checkpointer_commits_checkpoint_inline(sqlite_engine: Engine) -> None:
    """SQLite's default, kept by every process that starts no checkpointer: the WAL stays near 1,000 pages."""
    write_pages(sqlite_engine, 3000)
    assert autocheckpoint(sqlite_engine) == 1000
    assert wal_bytes(sqlite_engine) < 1300 * PAGE


def test_commits_do_not_checkpoint_while_the_checkpointer_runs(sqlite_engine: Engine) -> None:
    with background_checkpoints(sqlite_engine, IDLE) as checkpointer:
        assert checkpointer is not None and checkpointer.running
        assert autocheckpoint(sqlite_engine) == 0
        write_pages(sqlite_engine, 3000)
        # no commit copied its pages back: the WAL holds all of them
        assert wal_bytes(sqlite_engine) > 2500 * PAGE
        assert checkpointer.runs == 0


def test_the_thread_checkpoints_the_wal(sqlite_engine: Engine) -> None:
    with background_checkpoints(sqlite_engine, EAGER) as checkpointer:
        assert checkpointer is not None
        write_pages(sqlite_engine, 600, commits=6)
        assert wait_for(lambda: checkpointer.frames >= 600), checkpointer.frames
        with sqlite_engine.connect() as conn:  # nothing left for another checkpoint to copy
            busy, frames, done = conn.execute(text("PRAGMA wal_checkpoint(PASSIVE)")).one()
        assert (busy, done) == (0, frames)
        assert checkpointer.runs >= 1


def test_a_wal_past_the_limit_is_truncated(sqlite_engine: Engine) -> None:
    policy = CheckpointPolicy(mode="background", seconds=0.05, wal_limit_bytes=100 * PAGE)
    with background_checkpoints(sqlite_engine, IDLE):
        write_pages(sqlite_engine, 600, commits=6)  # the WAL file is now ~600 pages
    with background_checkpoints(sqlite_engine, policy) as checkpointer:
        assert checkpointer is not None
        write_pages(sqlite_engine, 300, commits=3)
        assert wal_bytes(sqlite_engine) > 200 * PAGE
        assert wait_for(lambda: wal_bytes(sqlite_engine) == 0), wal_bytes(sqlite_engine)


def test_with_the_write_gate_held_it_still_checkpoints_passively(sqlite_engine: Engine) -> None:
    """A process whose writers never leave the gate free still gets its WAL copied (PASSIVE needs no
    gate); only the truncation waits for a free moment. The writes come from a connection outside the
    gate (as another process's would)."""
    import sqlite3

    from guestgraph.db._sqlite_gate import gate_for

    path = Path(str(sqlite_engine.url.database)).resolve()
    policy = CheckpointPolicy(mode="background", seconds=0.05, wal_limit_bytes=100 * PAGE)
    with background_checkpoints(sqlite_engine, policy) as checkpointer, gate_for(str(path)):
        assert checkpointer is not None
        other = sqlite3.connect(path, isolation_level=None)
        other.execute("PRAGMA wal_autocheckpoint=0")
        for _ in range(3):
            other.execute(
                "INSERT INTO t (body) SELECT randomblob(3000) FROM (SELECT 1 UNION ALL SELECT 2) "
                "a, (SELECT 1 UNION ALL SELECT 2) b, (SELECT 1 UNION ALL SELECT 2) c, "
                "(SELECT 1 UNION ALL SELECT 2) d, (SELECT 1 UNION ALL SELECT 2) e, "
                "(SELECT 1 UNION ALL SELECT 2) f, (SELECT 1 UNION ALL SELECT 2) g"
            )  # 128 rows
        other.close()
        assert wait_for(lambda: checkpointer.frames >= 300), checkpointer.frames
        assert wal_bytes(sqlite_engine) > 200 * PAGE  # not truncated without the gate
    assert wal_bytes(sqlite_engine) == 0  # the final checkpoint, with the gate free again


def test_stopping_checkpoints_everything_and_gives_commits_their_checkpoints_back(
    sqlite_engine: Engine,
) -> None:
    with background_checkpoints(sqlite_engine, IDLE) as checkpointer:
        assert checkpointer is not None
        write_pages(sqlite_engine, 600, commits=6)
        assert wal_bytes(sqlite_engine) > 500 * PAGE
    assert not checkpointer.running
    assert wal_bytes(sqlite_engine) == 0  # TRUNCATE: every frame is in the main file
    with sqlite_engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM t")).scalar_one() == 600
    assert autocheckpoint(sqlite_engine) == 1000
    write_pages(sqlite_engine, 3000)
    assert wal_bytes(sqlite_engine) < 1300 * PAGE


def test_a_crashed_checkpointer_is_logged_and_commits_checkpoint_inline_again(
    sqlite_engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    checkpointer = WalCheckpointer(sqlite_engine, EAGER).start()
    try:
        assert autocheckpoint(sqlite_engine) == 0
        assert checkpointer._conn is not None
        checkpointer._conn.close()  # the thread's next checkpoint fails: its connection is gone
        with caplog.at_level(logging.ERROR, logger="guestgraph.db._checkpoint"):
            assert wait_for(lambda: not checkpointer.running)
        assert checkpointer.failed is not None
        assert "WAL checkpointer of wal.db stopped" in caplog.text
        assert "checkpoint inline again" in caplog.text
        assert autocheckpoint(sqlite_engine) == 1000
        write_pages(sqlite_engine, 3000)
        assert wal_bytes(sqlite_engine) < 1300 * PAGE
    finally:
        checkpointer.stop()


def test_inline_policy_and_memory_databases_start_nothing(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'inline.db'}")
    memory = make_engine("sqlite://")
    try:
        with background_checkpoints(engine, CheckpointPolicy(mode="inline")) as none:
            assert none is None
            assert autocheckpoint(engine) == 1000
        with background_checkpoints(memory, EAGER) as none:
            assert none is None
    finally:
        engine.dispose()
        memory.dispose()


def test_the_web_server_checkpoints_in_the_background_on_sqlite_only(db_url: str, tmp_path: Path) -> None:
    settings = make_settings(tmp_path, db_url, sqlite_checkpoint_seconds=0.05)
    assert settings.sqlite_checkpoint == "background"
    engine = make_engine(db_url)
    try:
        with serve(settings, engine) as server:
            checkpointer = server.app.state.wal_checkpointer
            with server.client(role=None) as client:
                assert client.get("/healthz").status_code == 200
            if engine.dialect.name != "sqlite":
                assert checkpointer is None
                return
            assert checkpointer.running
            served = server.app.state.engine
            assert autocheckpoint(served) == 0
            assert wait_for(lambda: checkpointer.runs >= 2)
        assert wait_for(lambda: not checkpointer.running)
        assert wal_bytes(served) == 0
    finally:
        engine.dispose()


@pytest.mark.parametrize(
    ("field", "value", "named"),
    [
        ("sqlite_checkpoint", "sometimes", "'inline' or 'background'"),
        ("sqlite_checkpoint_seconds", 0, "greater than 0"),
        ("sqlite_wal_limit_mb", 0, "greater than or equal to 1"),
    ],
)
def test_bad_checkpoint_settings_are_refused_by_name(
    tmp_path: Path, field: str, value: object, named: str
) -> None:
    with pytest.raises(ConfigurationError) as caught:
        load_settings(_env_file=None, data_dir=tmp_path, **{field: value})
    assert field in caught.value.message and named in caught.value.message


def test_a_policy_built_by_hand_is_checked_too() -> None:
    with pytest.raises(ConfigurationError, match="GUESTGRAPH_SQLITE_CHECKPOINT"):
        CheckpointPolicy(mode="sometimes")  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError, match="must be positive"):
        CheckpointPolicy(mode="background", seconds=0)
