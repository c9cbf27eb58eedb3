"""Engine settings that matter for speed: PostgreSQL connections run without JIT compilation (it cost
100–400 ms on the front-desk search statements, more than the queries themselves)."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from guestgraph.db import make_engine
from tests.conftest import BACKENDS


@pytest.mark.skipif("postgresql" not in BACKENDS, reason="PostgreSQL is not configured for this run")
def test_postgresql_connections_have_jit_off(scratch_db) -> None:  # type: ignore[no-untyped-def]
    engine = make_engine(scratch_db("postgresql"))
    try:
        with engine.connect() as conn:
            assert conn.execute(text("SHOW jit")).scalar() == "off"
    finally:
        engine.dispose()
