"""`guestgraph survey send` as an operator runs it: a real process, a real database, real SMTP."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from guestgraph import privacy
from guestgraph.db import make_session_factory
from guestgraph.db.models import ConsentDecision, Hotel, Survey
from guestgraph.pii import open_engine
from guestgraph.privacy import Channel, ConsentInput, Purpose
from tests.conftest import BACKENDS, make_settings
from tests.factories import make_guest, make_stay
from tests.smtp_peer import smtp_peer
from tests.test_cli import run


@pytest.mark.parametrize("backend", BACKENDS)
def test_survey_send_mails_checked_out_guests_once(backend: str, scratch_db, tmp_path: Path) -> None:
    url = scratch_db(backend)
    env = {
        "GUESTGRAPH_DATABASE_URL": url,
        "GUESTGRAPH_DATA_DIR": str(tmp_path),
        "GUESTGRAPH_DEMO_GUESTS": "20",
    }
    assert run("migrate", env=env).returncode == 0
    assert run("load-demo", "--if-empty", env=env).returncode == 0
    engine = open_engine(make_settings(tmp_path, url))  # the run's keys, as the command uses
    with make_session_factory(engine)() as session:
        code = session.scalars(select(Hotel.code).order_by(Hotel.code)).first()
        assert code is not None
        guest = make_guest(session, email="cli@example.com")
        make_stay(session, code, guest, departure=date(2026, 11, 20))
        entry = ConsentInput(Purpose.MARKETING, Channel.EMAIL, ConsentDecision.GRANTED, "test")
        when = datetime.now(UTC) - timedelta(days=1)
        privacy.record_consent(session, guest_id=guest.id, entry=entry, recorded_by_id=None, now=when)
        session.commit()
    with smtp_peer() as (collector, port):
        env |= {"GUESTGRAPH_SMTP_PORT": str(port), "GUESTGRAPH_PUBLIC_BASE_URL": "https://stay.example"}
        first = run("survey", "send", "--checked-out-since", "2026-11-19", env=env)
        assert first.returncode == 0 and "1 sent" in first.stderr, first.stderr
        assert re.search(
            r"https://stay\.example/s/[A-Za-z0-9_-]{30,}\?lang=zh_CN", collector.received[0].text()
        )
        again = run("survey", "send", "--checked-out-since", "2026-11-19", env=env)
        assert again.returncode == 0 and "0 sent" in again.stderr
        bad = run("survey", "send", "--checked-out-since", "yesterday", env=env)
        assert bad.returncode != 0
    assert collector.recipients() == ["cli@example.com"]  # the demo guests gave no e-mail consent
    with engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(Survey).where(Survey.sent_at.is_not(None))) == 1
    engine.dispose()
