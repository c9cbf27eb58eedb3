"""Escalation by e-mail, on both databases, with a real SMTP peer (aiosmtpd) and an injected clock: a
ticket past its respond deadline reaches the hotel manager in exactly one e-mail however often the
check runs; an escalation to nobody records why; an unreachable server leaves it for the next run;
`guestgraph service check-breaches --now …` does both steps as an operator runs it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from guestgraph import engage, service
from guestgraph.access import DataScope
from guestgraph.db import make_session_factory
from guestgraph.db.models import Hotel, TicketEscalation
from guestgraph.pii import open_engine
from tests.auth_helpers import make_staff
from tests.conftest import BACKENDS, make_settings
from tests.smtp_peer import Collector, free_port, smtp_peer
from tests.test_cli import run

NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai
HOURS = "08:00-22:00"
BASE = "https://gg.example"


@pytest.fixture
def peer() -> Iterator[tuple[Collector, int]]:
    with smtp_peer() as p:
        yield p


def smtp(port: int) -> engage.SmtpConfig:
    return engage.SmtpConfig("127.0.0.1", port, None, None, False, "guestgraph <sla@hotel.example>", 10)


def _open(session: Session, h: Hotel, title: str = "No hot water in 1203") -> service.TicketView:
    spec = service.NewTicket(title, "room", "urgent", h.code)
    return service.create_ticket(
        session, scope=DataScope.group(), ticket=spec, actor_id=None, now=NOW, default_hours=HOURS
    )


def check(session: Session, port: int, now: datetime) -> service.EscalationMailReport:
    """What the CLI does each minute: mark and escalate, commit, then mail the new escalations."""
    service.check_breaches(session, now)
    session.commit()
    return service.send_escalations(session, smtp=smtp(port), base_url=BASE + "/", clock=lambda: now)


def test_the_manager_gets_exactly_one_mail_per_escalation(
    demo_group: Session, peer: tuple[Collector, int]
) -> None:
    collector, port = peer
    a, b, c = list(demo_group.scalars(select(Hotel).order_by(Hotel.code)))[:3]
    manager = make_staff(demo_group, role="hotel_manager", scope=DataScope.hotels(a.id))
    manager.email = "manager@hotel.example"
    no_mail = make_staff(demo_group, role="hotel_manager", scope=DataScope.hotels(c.id))
    late = _open(demo_group, a)
    unmanaged = _open(demo_group, b)
    unaddressed = _open(demo_group, c)
    demo_group.commit()

    assert check(demo_group, port, late.respond_due_at).sent == 0  # not yet past the deadline
    after = late.respond_due_at + timedelta(seconds=1)
    first = check(demo_group, port, after)
    assert (first.sent, first.skipped, first.failed) == (1, 2, 0)
    again = check(demo_group, port, after + timedelta(minutes=1))  # the check runs twice (and more)
    assert (again.sent, again.skipped) == (0, 0)
    assert collector.recipients() == ["manager@hotel.example"]
    [mail] = collector.received
    assert "No hot water in 1203" in mail.text() and a.name_zh in mail.text() and a.code in mail.text()
    assert f"{BASE}/service/tickets/{late.id}" in mail.text() and "响应时限" in mail.message["Subject"]
    assert "Asia/Shanghai" in mail.text() and "UTC" in mail.text()
    rows = {
        e.ticket_id: (e.escalated_to_id, e.sent_at, e.skip_reason)
        for e in demo_group.scalars(select(TicketEscalation))
    }
    assert rows == {
        late.id: (manager.id, after, None),
        unmanaged.id: (None, None, "no manager at the hotel"),
        unaddressed.id: (no_mail.id, None, "manager has no e-mail address"),
    }

    manager.locale = "en"  # the resolve deadline is a new escalation: one more mail, in English
    demo_group.commit()
    way_after = late.resolve_due_at + timedelta(minutes=1)
    assert check(demo_group, port, way_after).sent == 1
    assert check(demo_group, port, way_after + timedelta(minutes=1)).sent == 0
    assert len(collector.to("manager@hotel.example")) == 2
    english = collector.to("manager@hotel.example")[1]
    assert "resolve deadline passed" in english.message["Subject"] and a.name_en in english.text()


def test_an_unreachable_server_leaves_the_escalation_for_the_next_run(
    demo_group: Session, peer: tuple[Collector, int]
) -> None:
    collector, port = peer
    a = demo_group.scalars(select(Hotel).order_by(Hotel.code)).first()
    assert a is not None
    manager = make_staff(demo_group, role="hotel_manager", scope=DataScope.hotels(a.id))
    manager.email = "m@hotel.example"
    ticket = _open(demo_group, a)
    demo_group.commit()
    after = ticket.respond_due_at + timedelta(minutes=1)
    with pytest.raises(engage.DeliveryError):
        check(demo_group, free_port(), after)  # nothing listens there
    demo_group.expire_all()
    assert demo_group.scalars(select(TicketEscalation.sent_at)).one() is None
    assert check(demo_group, port, after + timedelta(minutes=1)).sent == 1
    assert collector.recipients() == ["m@hotel.example"]


def test_old_escalations_are_not_mailed_after_the_upgrade(
    demo_group: Session, peer: tuple[Collector, int]
) -> None:
    """Escalations from before the e-mail (migration 0024 marks them) stay unmailed; new ones go."""
    collector, port = peer
    a = demo_group.scalars(select(Hotel).order_by(Hotel.code)).first()
    assert a is not None
    manager = make_staff(demo_group, role="hotel_manager", scope=DataScope.hotels(a.id))
    manager.email = "m@hotel.example"
    ticket = _open(demo_group, a)
    service.check_breaches(demo_group, ticket.respond_due_at + timedelta(minutes=1))
    for e in demo_group.scalars(select(TicketEscalation)):
        e.skip_reason = "escalated before e-mail escalation existed"
    demo_group.commit()
    report = service.send_escalations(
        demo_group, smtp=smtp(port), base_url=BASE, clock=lambda: NOW + timedelta(days=1)
    )
    assert (report.sent, report.skipped) == (0, 0) and collector.received == []


@pytest.mark.parametrize("backend", BACKENDS)
def test_check_breaches_from_the_command_line_mails_the_manager_once(
    backend: str, scratch_db, tmp_path: Path
) -> None:
    url = scratch_db(backend)
    env = {
        "GUESTGRAPH_DATABASE_URL": url,
        "GUESTGRAPH_DATA_DIR": str(tmp_path),
        "GUESTGRAPH_DEMO_GUESTS": "20",
    }
    assert run("migrate", env=env).returncode == 0
    assert run("load-demo", "--if-empty", env=env).returncode == 0
    engine = open_engine(make_settings(tmp_path, url))
    with make_session_factory(engine)() as session:
        a = session.scalars(select(Hotel).order_by(Hotel.code)).first()
        assert a is not None
        manager = make_staff(session, role="hotel_manager", scope=DataScope.hotels(a.id))
        manager.email = "duty-manager@hotel.example"
        for old in session.scalars(select(TicketEscalation)):  # the demo's own, if any
            old.skip_reason = "escalated before e-mail escalation existed"
        ticket = _open(session, a, "Guest stuck in lift")
        session.commit()
    engine.dispose()
    after = (ticket.respond_due_at + timedelta(minutes=1)).isoformat()
    with smtp_peer() as (collector, port):
        env |= {"GUESTGRAPH_SMTP_PORT": str(port), "GUESTGRAPH_PUBLIC_BASE_URL": "https://stay.example"}
        first = run("service", "check-breaches", "--now", after, env=env)
        assert first.returncode == 0 and "1 e-mailed" in first.stderr, first.stderr
        again = run("service", "check-breaches", "--now", after, env=env)
        assert again.returncode == 0 and "0 e-mailed" in again.stderr, again.stderr
        bad = run("service", "check-breaches", "--now", "soon", env=env)
        assert bad.returncode != 0 and "ISO" in bad.stderr
    mails = collector.to("duty-manager@hotel.example")
    assert len(mails) == 1 and "Guest stuck in lift" in mails[0].text()
    assert f"https://stay.example/service/tickets/{ticket.id}" in mails[0].text()
