"""The schema migrates up and down on both backends and matches the models exactly."""

from __future__ import annotations

import pytest
from sqlalchemy import inspect, text

from guestgraph.db import current_revision, head_revision, make_engine
from guestgraph.db._migrate import check, downgrade, upgrade
from guestgraph.db.models import Base
from tests.conftest import BACKENDS


@pytest.mark.parametrize("backend", BACKENDS)
def test_upgrade_downgrade_upgrade_leaves_no_drift(backend: str, scratch_db) -> None:
    url = scratch_db(backend)
    engine = make_engine(url)
    try:
        upgrade(url)
        assert current_revision(engine) == head_revision()
        assert set(Base.metadata.tables) <= set(inspect(engine).get_table_names())
        check(url)  # raises when autogenerate would emit any operation
        downgrade(url, "base")
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
        upgrade(url)
        check(url)
    finally:
        engine.dispose()


def test_sqlite_runs_in_wal_mode_with_foreign_keys(scratch_db) -> None:
    url = scratch_db("sqlite")
    engine = make_engine(url)
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
    engine.dispose()
