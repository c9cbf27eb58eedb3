"""`guestgraph analytics refresh` and the demo load's refresh, as an operator runs them."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from guestgraph.db import make_engine
from guestgraph.db.models import GuestMetrics, GuestTag
from tests.conftest import BACKENDS
from tests.test_cli import run


@pytest.mark.parametrize("backend", BACKENDS)
def test_demo_load_refreshes_analytics_and_the_command_refreshes_again(
    backend: str, scratch_db, tmp_path: Path
) -> None:
    url = scratch_db(backend)
    env = {
        "GUESTGRAPH_DATABASE_URL": url,
        "GUESTGRAPH_DATA_DIR": str(tmp_path),
        "GUESTGRAPH_DEMO_GUESTS": "50",
    }
    assert run("migrate", env=env).returncode == 0
    assert run("load-demo", env=env).returncode == 0
    engine = make_engine(url)
    with engine.connect() as conn:
        scored = conn.scalar(select(func.count()).where(GuestMetrics.r_score.is_not(None)))
        tags = conn.scalar(select(func.count()).select_from(GuestTag))
    assert scored and scored > 10 and tags and tags > 10  # the demo shows RFM and tags right after loading
    done = run("analytics", "refresh", "--as-of", "2026-11-01", env=env)
    assert done.returncode == 0, done.stderr
    assert "as of 2026-11-01" in done.stderr and "stage changes" in done.stderr
    with engine.connect() as conn:
        days = conn.scalar(select(func.min(GuestMetrics.computed_on)))
    engine.dispose()
    assert str(days) == "2026-11-01"
    again = run("analytics", "refresh", "--as-of", "2026-11-01", "--incremental", env=env)
    assert again.returncode == 0 and "(incremental, " in again.stderr, again.stderr
    bad = run("analytics", "refresh", "--as-of", "yesterday", env=env)
    assert bad.returncode != 0 and "not a date" in bad.stderr
