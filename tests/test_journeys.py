"""Journeys end to end in one process, on both databases, with aiosmtpd as the mail peer: triggers
enrol guests set-based, steps run in order with an injected clock, the consent gate, suppression,
erasure, quiet hours and the frequency cap decide every send, pause and resume keep guests at their
step, and every step lands on the guest's timeline."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from guestgraph import engage, journeys, privacy
from guestgraph.access import DataScope
from guestgraph.db import make_session_factory
from guestgraph.db.models import (
    ConsentDecision,
    Guest,
    GuestTag,
    Interaction,
    JourneyStatus,
)
from guestgraph.privacy import Channel, ConsentInput, Purpose
from tests.factories import make_guest, make_stay
from tests.smtp_peer import Collector, smtp_peer

GROUP = DataScope.group()
KEY = b"k" * 32
T0 = datetime(2026, 11, 20, 3, 0, tzinfo=UTC)  # 11:00 in Shanghai: outside quiet hours


@pytest.fixture
def peer() -> Iterator[tuple[Collector, int]]:
    with smtp_peer() as p:
        yield p


def policy_for(port: int, *, cap: int = 5, quiet: str = "21:00-09:00") -> journeys.JourneyPolicy:
    smtp = engage.SmtpConfig("127.0.0.1", port, None, None, False, "Hotel <news@hotel.example>", 10)
    mail = engage.EngagePolicy(smtp, cap, timedelta(days=7), "https://gg.example", KEY)
    return journeys.JourneyPolicy(mail, journeys.QuietHours.parse(quiet), "Asia/Shanghai")


def run(engine: Engine, port: int, at: datetime, **kw: Any) -> journeys.PassReport:
    return journeys.run_pass(make_session_factory(engine), policy=policy_for(port, **kw), clock=lambda: at)


def consent(s: Session, guest: Guest, decision: ConsentDecision = ConsentDecision.GRANTED) -> None:
    entry = ConsentInput(Purpose.MARKETING, Channel.EMAIL, decision, "test")
    privacy.record_consent(
        s, guest_id=guest.id, entry=entry, recorded_by_id=None, now=T0 - timedelta(days=30)
    )


def start(s: Session, template: str, *, hotel: str | None = None) -> journeys.JourneyRow:
    row = journeys.create_from_template(
        s, scope=GROUP, code=template, locale="en", hotel_code=hotel, created_by_id=None, now=T0
    )
    journeys.set_status(s, row.id, scope=GROUP, status=JourneyStatus.ACTIVE, now=T0)
    s.commit()
    return row


def checked_out(s: Session, *guests: Guest) -> None:
    for g in guests:
        make_stay(
            s, "SHA01", g, arrival=T0.date() - timedelta(days=3), departure=T0.date() - timedelta(days=1)
        )


def runs(s: Session, journey_id: int) -> journeys.JourneyCounts:
    s.expire_all()
    return journeys.journey_counts(s, journey_id, scope=GROUP)


def test_post_stay_mail_goes_only_where_the_gate_allows(
    demo_group: Session, engine: Engine, peer: tuple[Collector, int]
) -> None:
    s, (collector, port) = demo_group, peer
    yes, unknown, withdrawn, suppressed, erased = (make_guest(s) for _ in range(5))
    english = make_guest(s, full_name="Anna Smith", family_name="Smith", given_name="Anna", gender="F",
                         nationality="GB", name_pinyin=None)  # fmt: skip
    for g in (yes, withdrawn, suppressed, erased, english):
        consent(s, g)
    consent(s, withdrawn, ConsentDecision.WITHDRAWN)
    s.add(GuestTag(guest_id=suppressed.id, tag=journeys.SUPPRESS_TAG, kind="manual", since=T0))
    checked_out(s, yes, unknown, withdrawn, suppressed, erased, english)
    journey = start(s, "post_stay")

    first = run(engine, port, T0)
    assert first.enrolled == 6 and first.outcomes == {"wait": 6}
    assert collector.received == []
    privacy.erase_guest(s, guest_id=erased.id, now=T0)
    s.commit()
    assert run(engine, port, T0 + timedelta(hours=12)).steps == 0  # still waiting a day

    second = run(engine, port, T0 + timedelta(days=1, minutes=1))
    assert sorted(collector.recipients()) == sorted([str(yes.email), str(english.email)])
    (zh,) = collector.to(str(yes.email))
    assert zh.message["Subject"].startswith("感谢您入住") and "尊敬的王先生" in zh.text()
    assert zh.message["List-Unsubscribe"].startswith("<https://gg.example/u/j")
    (en,) = collector.to(str(english.email))
    assert "Dear Ms Smith" in en.text()
    assert second.outcomes == {"sent": 2, "skipped": 3}
    counts = runs(s, journey.id)
    assert counts.sent == 2 and counts.skipped == 4
    assert counts.by_status == {"done": 5, "stopped": 1}  # the erased guest's enrolment, kept anonymised
    assert counts.reasons == {
        "no consent recorded": 1,
        "consent withdrawn": 1,
        "guest suppressed (do_not_contact)": 1,
        "guest erased": 1,
    }
    lines = {g.public_id: g for g in journeys.journey_guests(s, journey.id, scope=GROUP)}
    assert lines[unknown.public_id].reason == "no consent recorded"
    assert lines[suppressed.public_id].reason == "guest suppressed (do_not_contact)"
    assert lines[yes.public_id].last_outcome == "sent"
    notes = list(s.scalars(select(Interaction.text).where(Interaction.guest_id == yes.id)))
    assert any("邮件已发送" in n for n in notes) and any("wait" in n for n in notes)

    third = run(engine, port, T0 + timedelta(days=3))
    assert third.steps == 0 and len(collector.received) == 2  # nobody twice
