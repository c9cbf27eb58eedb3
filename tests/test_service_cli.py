"""`guestgraph service …` as an operator runs it, as a real process on a real database."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import func, select

from guestgraph.db import make_engine
from guestgraph.db.models import Hotel, ServiceHours, SlaPolicy
from tests.conftest import BACKENDS
from tests.test_cli import run


@pytest.mark.parametrize("backend", BACKENDS)
def test_load_policies_set_hours_and_check_breaches(backend: str, scratch_db, tmp_path: Path) -> None:
    url = scratch_db(backend)
    env = {
        "GUESTGRAPH_DATABASE_URL": url,
        "GUESTGRAPH_DATA_DIR": str(tmp_path),
        "GUESTGRAPH_DEMO_GUESTS": "20",
    }
    assert run("migrate", env=env).returncode == 0
    assert run("load-demo", "--if-empty", env=env).returncode == 0
    loaded = run("service", "load-sla", env=env)
    assert loaded.returncode == 0 and "28 SLA policy row(s) written" in loaded.stderr, loaded.stderr
    assert "0 SLA policy row(s)" in run("service", "load-sla", env=env).stderr
    engine = make_engine(url)
    with engine.connect() as conn:
        code = conn.scalar(select(Hotel.code).order_by(Hotel.code))
        assert conn.scalar(select(func.count()).select_from(SlaPolicy)) == 28
    assert code is not None
    set_hours = run("service", "hours", code, "07:00-23:30", env=env)
    assert set_hours.returncode == 0, set_hours.stderr
    refused = run("service", "hours", code, "7-23", env=env)
    assert refused.returncode != 0 and "HH:MM" in refused.stderr
    # The demo's complaint arrived three hours before the load: whether its first response is overdue
    # depends on the hotel's service hours at the time the test runs, so the count is not fixed; each
    # breach is escalated once, so a second check escalates nothing new.
    checked = run("service", "check-breaches", env=env)
    assert checked.returncode == 0 and re.search(r"\d+ respond and \d+ resolve breach", checked.stderr), (
        checked.stderr
    )
    again = run("service", "check-breaches", env=env)
    assert again.returncode == 0 and "; 0 escalation(s)" in again.stderr, again.stderr
    with engine.connect() as conn:
        assert conn.execute(select(ServiceHours.opens, ServiceHours.closes)).all() == [("07:00", "23:30")]
    engine.dispose()
