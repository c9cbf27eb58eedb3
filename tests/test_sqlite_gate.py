"""SQLite only (PostgreSQL has row locks and no busy handler): the writers of one process queue at the
database file's gate, and every way a transaction ends gives the gate back."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import IntegrityError, OperationalError

from guestgraph.db import make_engine
from guestgraph.db._sqlite_gate import gate_for as _gate_for


@pytest.fixture
def gated(tmp_path: Path) -> Engine:
    engine = make_engine(f"sqlite:///{tmp_path / 'gate.db'}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (x INTEGER PRIMARY KEY)"))
    return engine


def _gate(tmp_path: Path) -> threading.Lock:
    return _gate_for(str((tmp_path / "gate.db").resolve()))


def test_a_second_writer_waits_at_the_gate_not_in_sqlite(gated: Engine, tmp_path: Path) -> None:
    done = threading.Event()
    started_in_sqlite: list[bool] = []

    raw: list[object] = []

    def second_writer() -> None:
        with gated.begin() as conn:
            raw.append(conn.connection.dbapi_connection)
            conn.execute(text("INSERT INTO t VALUES (2)"))
            started_in_sqlite.append(True)
        done.set()

    with gated.connect() as first:
        first.execute(text("INSERT INTO t VALUES (1)"))
        assert _gate(tmp_path).locked()
        writer = threading.Thread(target=second_writer)
        writer.start()
        time.sleep(0.3)
        assert not done.is_set() and started_in_sqlite == []
        assert raw and not raw[0].in_transaction  # type: ignore[attr-defined]  # no BEGIN sent to SQLite yet
        first.commit()
    writer.join(timeout=10)
    assert done.is_set()
    assert not _gate(tmp_path).locked()
    with gated.connect() as conn:
        assert conn.scalars(text("SELECT x FROM t ORDER BY x")).all() == [1, 2]


def test_every_end_of_a_transaction_gives_the_gate_back(gated: Engine, tmp_path: Path) -> None:
    gate = _gate(tmp_path)
    conn = gated.connect()
    conn.execute(text("INSERT INTO t VALUES (1)"))
    conn.close()  # back to the pool without a commit: rolled back
    assert not gate.locked()
    with pytest.raises(IntegrityError), gated.begin() as conn:
        conn.execute(text("INSERT INTO t VALUES (5)"))
        conn.execute(text("INSERT INTO t VALUES (5)"))
    assert not gate.locked()
    with gated.connect() as conn:
        conn.execute(text("SELECT count(*) FROM t"))  # a read takes no gate
        assert not gate.locked()
        assert conn.scalar(text("SELECT count(*) FROM t")) == 0
    gated.dispose()
    assert not gate.locked()


def test_a_writer_that_waits_too_long_gets_database_is_locked(gated: Engine) -> None:
    with gated.connect() as first:
        first.execute(text("INSERT INTO t VALUES (1)"))
        with gated.connect() as second:
            second.connection.dbapi_connection.wait_seconds = 0.2  # type: ignore[union-attr]
            with pytest.raises(OperationalError, match="database is locked"):
                second.execute(text("INSERT INTO t VALUES (2)"))
        first.commit()


def test_a_write_led_by_with_is_rolled_back_with_its_transaction(gated: Engine, tmp_path: Path) -> None:
    """The driver sends no BEGIN before `WITH … INSERT`: without the gate's own BEGIN the row committed
    at once and survived the rollback (the first write of an analytics refresh is such a statement)."""
    with gated.connect() as conn:
        conn.execute(text("WITH s(x) AS (SELECT 7) INSERT INTO t SELECT x FROM s"))
        assert conn.connection.dbapi_connection.in_transaction  # type: ignore[union-attr]
        conn.execute(text("WITH s(x) AS (SELECT 8) INSERT INTO t SELECT x FROM s"))
        conn.rollback()
    assert not _gate(tmp_path).locked()
    with gated.connect() as conn:
        assert conn.scalars(text("SELECT x FROM t")).all() == []
    with gated.begin() as conn:  # and a committed one stays
        conn.execute(text("WITH s(x) AS (SELECT 9) UPDATE t SET x = x WHERE x IN (SELECT x FROM s)"))
        conn.execute(text("WITH s(x) AS (SELECT 9) INSERT INTO t SELECT x FROM s"))
    with gated.connect() as conn:
        assert conn.scalars(text("SELECT x FROM t")).all() == [9]


def test_a_read_led_by_with_leaves_the_gate_open(gated: Engine, tmp_path: Path) -> None:
    with gated.connect() as conn:
        assert conn.scalar(text("WITH s(x) AS (SELECT 3) SELECT x FROM s")) == 3
        assert not _gate(tmp_path).locked()
        assert not conn.connection.dbapi_connection.in_transaction  # type: ignore[union-attr]
