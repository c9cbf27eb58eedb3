"""Retention (LG-04) with an injected clock, and the audit search."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from pydantic import ValidationError
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from guestgraph.audit import AuditChainBroken, AuditEvent, prune, record, search_events, verify
from guestgraph.audit._checkpoints import append_checkpoint
from guestgraph.config import load_settings
from guestgraph.errors import ConfigurationError
from guestgraph.paging import PageRequest
from tests.audit_helpers import add_events, audit_settings, rows, triggers_off

NOW = datetime(2030, 6, 1, tzinfo=UTC)


def _at(days_ago: int) -> datetime:
    return NOW - timedelta(days=days_ago)


def _seed(session: Session) -> None:
    """seq 1-2 security 400 days old, 3 sensitive 1200 days old, 4 security 300 days old,
    5 sensitive 1000 days old (still due: 3 years = 1096), 6 security 10 days old."""
    for action, days in [
        ("auth.login", 400),
        ("auth.logout", 400),
        ("guest.reveal", 1200),
        ("auth.login", 300),
        ("export.guests", 1000),
        ("auth.login", 10),
    ]:
        record(session, AuditEvent(action, actor_user_id=3), now=_at(days))
    session.commit()


def test_prune_keeps_what_each_policy_still_holds_and_verifies_after(
    session: Session, tmp_path: Path, db_url: str
) -> None:
    settings = audit_settings(tmp_path, db_url)
    _seed(session)
    result = prune(session, settings=settings, now=NOW, actor_username="os:ops")
    session.commit()
    assert (result.through_seq, result.deleted, result.prune_seq) == (4, 4, 7)
    assert [r[0] for r in rows(session.connection())] == [5, 6, 7]  # the sensitive export stops it
    report = verify(session, settings=settings)
    assert report.ok, report.problem
    assert (report.anchored_at, report.first_seq, report.events_checked) == (4, 5, 3)
    pruned = search_events(session, action="audit.prune", paging=PageRequest()).items[0]
    assert pruned.event.details["through_seq"] == 4 and pruned.event.actor_username == "os:ops"
    # a year later the export is due too; the chain still verifies from the newer checkpoint
    later = prune(session, settings=settings, now=NOW + timedelta(days=400))
    session.commit()
    assert (later.through_seq, later.deleted) == (7, 3)
    assert verify(session, settings=settings).anchored_at == 7


def test_longer_retention_keeps_more(session: Session, tmp_path: Path, db_url: str) -> None:
    settings = audit_settings(tmp_path, db_url, audit_security_retention_days=500)
    _seed(session)
    assert prune(session, settings=settings, now=NOW).through_seq == 0
    session.commit()
    assert len(rows(session.connection())) == 7
    assert verify(session, settings=settings).ok


def test_retention_below_the_law_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="PIPL art. 56"):
        audit_settings(tmp_path, "sqlite://", audit_sensitive_retention_days=180)
    with pytest.raises(ConfigurationError, match="Cybersecurity Law"):
        load_settings(_env_file=None, data_dir=tmp_path, audit_security_retention_days=90)


def test_prefix_deleted_outside_prune_is_caught(
    session: Session, engine: Engine, tmp_path: Path, db_url: str
) -> None:
    settings = audit_settings(tmp_path, db_url)
    add_events(session, 6)
    second = rows(session.connection())[1][2]
    session.rollback()
    with triggers_off(engine) as conn:
        conn.execute(text("DELETE FROM audit_event WHERE seq <= 2"))
    report = verify(session, settings=settings)
    assert not report.ok and report.first_bad_seq == 3 and "anchors it" in str(report.problem)
    session.rollback()
    append_checkpoint(settings, 2, second)  # even with a genuine checkpoint at seq 2 (every N events)
    report = verify(session, settings=settings)
    assert not report.ok and report.first_bad_seq == 3 and "no audit.prune event" in str(report.problem)


def test_prune_refuses_a_broken_chain(session: Session, engine: Engine, tmp_path: Path, db_url: str) -> None:
    settings = audit_settings(tmp_path, db_url)
    _seed(session)
    with triggers_off(engine) as conn:  # make the export prunable: a security event
        payload = rows(conn)[4][1].replace(b'"category":"sensitive"', b'"category":"security"')
        conn.execute(text("UPDATE audit_event SET payload = :p WHERE seq = 5"), {"p": payload})
    with pytest.raises(AuditChainBroken, match="first bad seq: 5"):
        prune(session, settings=settings, now=NOW)
    session.rollback()
    assert len(rows(session.connection())) == 6


def test_search_by_user_guest_action_and_time(session: Session) -> None:
    add_events(session, 6)
    record(session, AuditEvent("guest.reveal", actor_user_id=2, guest_public_id="G42", purpose="service"))
    record(session, AuditEvent("auth.login", outcome="failed", actor_username="nobody"))
    session.commit()
    by_user = search_events(session, user=2, paging=PageRequest(size=2))
    assert by_user.total == 4 and [r.seq for r in by_user.items] == [7, 6]
    assert by_user.items[0].event.purpose == "service" and by_user.items[0].event.category == "sensitive"
    assert [r.seq for r in search_events(session, user="nobody", paging=PageRequest()).items] == [8]
    assert [r.seq for r in search_events(session, guest="G42", paging=PageRequest()).items] == [7]
    assert search_events(session, action="guest.", paging=PageRequest()).total == 1
    assert search_events(session, action="auth.login", paging=PageRequest()).total == 7
    beijing = timezone(timedelta(hours=8))
    window = search_events(
        session,
        since=datetime(2026, 11, 1, 17, 1, tzinfo=beijing),  # 09:01 UTC
        until=datetime(2026, 11, 1, 9, 3, tzinfo=UTC),
        paging=PageRequest(),
    )
    assert [r.seq for r in window.items] == [3, 2]
    assert window.items[0].time == datetime(2026, 11, 1, 9, 2, tzinfo=UTC)
    assert window.items[0].event.details == {"n": 2}
