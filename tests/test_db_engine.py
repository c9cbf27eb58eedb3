"""What each backend's engine sets on every connection: SQLite enforces foreign keys in WAL mode;
PostgreSQL runs without JIT compilation (it cost 100–400 ms on the front-desk search statements, more
than the queries themselves)."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from guestgraph.db import make_engine
from tests.conftest import BACKENDS

SETTING = {
    "sqlite": ("PRAGMA foreign_keys", 1),
    "postgresql": ("SHOW jit", "off"),
}


@pytest.mark.parametrize("backend", BACKENDS)
def test_each_connection_gets_the_backends_settings(backend: str, scratch_db) -> None:  # type: ignore[no-untyped-def]
    engine = make_engine(scratch_db(backend))
    query, expected = SETTING[backend]
    try:
        with engine.connect() as conn:
            assert conn.execute(text(query)).scalar() == expected
    finally:
        engine.dispose()
