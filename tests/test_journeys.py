"""Journeys end to end in one process, on both databases, with aiosmtpd as the mail peer: triggers
enrol guests set-based, steps run in order with an injected clock, the consent gate, suppression,
erasure, quiet hours and the frequency cap decide every send, pause and resume keep guests at their
step, and every step lands on the guest's timeline."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from guestgraph import engage, journeys, privacy, service
from guestgraph.access import DataScope
from guestgraph.db import make_session_factory
from guestgraph.db.models import (
    ConsentDecision,
    Guest,
    GuestMetrics,
    GuestStageHistory,
    GuestTag,
    JourneyEnrolment,
    JourneyStatus,
    ServiceTicket,
    StayStatus,
)
from guestgraph.privacy import Channel, ConsentInput, Purpose
from tests.factories import make_guest, make_stay, timeline_texts
from tests.smtp_peer import Collector, free_port, smtp_peer

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
    english = make_guest(
        s,
        full_name="Anna Smith",
        family_name="Smith",
        given_name="Anna",
        gender="F",
        nationality="GB",
        name_pinyin=None,
    )
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
    notes = timeline_texts(s, yes)
    assert any("邮件已发送: 感谢您入住" in n and "{{" not in n for n in notes) and any(
        "wait" in n for n in notes
    )

    third = run(engine, port, T0 + timedelta(days=3))
    assert third.steps == 0 and len(collector.received) == 2  # nobody twice


def test_pause_keeps_guests_at_their_step_and_resume_goes_on(
    demo_group: Session, engine: Engine, peer: tuple[Collector, int]
) -> None:
    s, (collector, port) = demo_group, peer
    guest = make_guest(s)
    consent(s, guest)
    checked_out(s, guest)
    journey = start(s, "post_stay")
    run(engine, port, T0)
    journeys.set_status(s, journey.id, scope=GROUP, status=JourneyStatus.PAUSED, now=T0)
    s.commit()

    paused = run(engine, port, T0 + timedelta(days=2))
    assert (paused.enrolled, paused.steps, collector.received) == (0, 0, [])
    assert runs(s, journey.id).at_step == {"thanks": 1}
    with pytest.raises(journeys.JourneyStateConflict):
        journeys.set_status(s, journey.id, scope=GROUP, status=JourneyStatus.PAUSED, now=T0)
    journeys.set_status(s, journey.id, scope=GROUP, status=JourneyStatus.ACTIVE, now=T0 + timedelta(days=2))
    s.commit()

    resumed = run(engine, port, T0 + timedelta(days=2))
    assert resumed.outcomes == {"sent": 1} and resumed.enrolled == 0
    assert collector.recipients() == [guest.email]
    assert runs(s, journey.id).by_status == {"done": 1}


def test_quiet_hours_put_a_send_off_until_they_end(
    demo_group: Session, engine: Engine, peer: tuple[Collector, int]
) -> None:
    s, (collector, port) = demo_group, peer
    guest = make_guest(s)
    consent(s, guest)
    checked_out(s, guest)
    journey = start(s, "post_stay")
    run(engine, port, T0)
    late = datetime(2026, 11, 21, 14, 0, tzinfo=UTC)  # 22:00 in Shanghai (SHA01)

    assert run(engine, port, late).outcomes == {"deferred": 1}
    assert collector.received == []
    (line,) = journeys.journey_guests(s, journey.id, scope=GROUP)
    assert line.reason == "quiet hours: waiting until they end" and line.status == "waiting"
    assert run(engine, port, datetime(2026, 11, 22, 0, 59, tzinfo=UTC)).steps == 0  # 08:59 local
    assert run(engine, port, datetime(2026, 11, 22, 1, 0, tzinfo=UTC)).outcomes == {"sent": 1}
    assert collector.recipients() == [guest.email]


def test_frequency_cap_counts_journey_mails(
    demo_group: Session, engine: Engine, peer: tuple[Collector, int]
) -> None:
    s, (collector, port) = demo_group, peer
    guest = make_guest(s)
    consent(s, guest)
    checked_out(s, guest)
    journey = start(s, "post_stay")
    run(engine, port, T0, cap=1)
    make_stay(s, "SHA01", guest, arrival=T0.date() - timedelta(days=2), departure=T0.date())
    s.commit()
    # the first stay's mail goes out; the second stay's (same day) meets the cap of one
    assert run(engine, port, T0 + timedelta(days=1, minutes=1), cap=1).outcomes == {"sent": 1, "wait": 1}
    assert run(engine, port, T0 + timedelta(days=2, minutes=1), cap=1).outcomes == {"skipped": 1}
    assert len(collector.received) == 1
    assert runs(s, journey.id).reasons == {"frequency cap reached": 1}
    assert (
        engage.reason_to_skip(
            s,
            guest,
            purpose=Purpose.MARKETING,
            channel=Channel.EMAIL,
            now=T0 + timedelta(days=2),
            policy=policy_for(port, cap=1).engage,
        )
        == "frequency cap reached"
    )


def _dormant(s: Session, guest: Guest, *, m_score: int) -> None:
    s.add(GuestMetrics(guest_id=guest.id, stage="dormant", m_score=m_score, computed_on=T0.date()))
    s.add(
        GuestStageHistory(guest_id=guest.id, stage="dormant", previous_stage="at_risk", entered_on=T0.date())
    )


def test_win_back_tags_mails_then_branches_on_who_came_back(
    demo_group: Session, engine: Engine, peer: tuple[Collector, int]
) -> None:
    s, (collector, port) = demo_group, peer
    back, away, low = make_guest(s), make_guest(s), make_guest(s)
    for g in (back, away, low):
        consent(s, g)
        make_stay(s, "SHA01", g, arrival=date(2026, 3, 1))
    _dormant(s, back, m_score=5)
    _dormant(s, away, m_score=4)
    _dormant(s, low, m_score=2)  # not high-value: not enrolled
    journey = start(s, "win_back")

    first = run(engine, port, T0)
    assert first.enrolled == 2 and first.outcomes == {"add_tag": 2, "sent": 2, "wait": 2}
    tagged = set(s.scalars(select(GuestTag.guest_id).where(GuestTag.tag == "win_back")))
    assert tagged == {back.id, away.id}
    s.get(GuestMetrics, back.id).stage = "active"  # type: ignore[union-attr]
    s.commit()

    later = run(engine, port, T0 + timedelta(days=14, minutes=1))
    assert later.outcomes == {"condition": 2, "sent": 1}
    assert sorted(collector.recipients()) == sorted([str(back.email), str(away.email), str(away.email)])
    counts = runs(s, journey.id)
    assert counts.steps["still_away"] == {"matched": 1, "unmatched": 1}
    assert counts.by_status == {"done": 1, "exited": 1}


def test_vip_arrival_alerts_the_duty_manager(
    demo_group: Session, engine: Engine, peer: tuple[Collector, int]
) -> None:
    s, (_collector, port) = demo_group, peer
    vip, plain = make_guest(s, vip_level="V2"), make_guest(s)
    for g in (vip, plain):
        make_stay(
            s,
            "SHA01",
            g,
            arrival=T0.date(),
            departure=T0.date() + timedelta(days=2),
            status=StayStatus.IN_HOUSE,
        )
    journey = start(s, "vip_arrival")

    assert run(engine, port, T0).outcomes == {"create_task": 1}
    (ticket,) = s.scalars(select(ServiceTicket))
    assert ticket.guest_id == vip.id and ticket.team == "duty_manager" and ticket.priority == "high"
    assert ticket.hotel_id == s.scalar(select(JourneyEnrolment.hotel_id))
    assert "VIP arrival" in (service.ticket_titles(s, [ticket])[0] or "")
    assert runs(s, journey.id).steps == {"alert": {"done": 1}}
    assert run(engine, port, T0 + timedelta(hours=1)).steps == 0  # once per stay


def test_birthday_and_first_stay_triggers(
    demo_group: Session, engine: Engine, peer: tuple[Collector, int]
) -> None:
    s, (collector, port) = demo_group, peer
    soon = make_guest(s, birth_date=date(1990, 11, 27))  # T0 + 7 days
    other = make_guest(s, birth_date=date(1990, 5, 1))
    newcomer, regular = make_guest(s), make_guest(s)
    for g in (soon, other, newcomer, regular):
        consent(s, g)
    make_stay(s, "SHA01", regular, arrival=date(2025, 5, 1))
    for g in (newcomer, regular):
        make_stay(
            s,
            "SHA01",
            g,
            arrival=T0.date(),
            departure=T0.date() + timedelta(days=1),
            status=StayStatus.IN_HOUSE,
        )
    start(s, "birthday")
    start(s, "first_stay")

    report = run(engine, port, T0)
    assert report.enrolled == 2
    assert sorted(collector.recipients()) == sorted([str(soon.email), str(newcomer.email)])
    assert run(engine, port, T0 + timedelta(hours=2)).enrolled == 0  # once a year, once per stay
    assert s.scalar(select(GuestTag.guest_id).where(GuestTag.tag == "birthday_greeted")) == soon.id


def test_a_definition_that_branches_backwards_is_refused(demo_group: Session) -> None:
    bad = {
        "trigger": {"type": "checked_out"},
        "steps": [
            {"key": "a", "type": "wait", "days": 1},
            {"key": "b", "type": "condition", "condition": {"type": "tag", "tag": "x"}, "otherwise": "a"},
        ],
    }
    with pytest.raises(journeys.JourneyInvalid, match="later step"):
        journeys.create_journey(
            demo_group, scope=GROUP, name="loop", definition=bad, hotel_code=None, created_by_id=None, now=T0
        )


def test_mail_server_down_hands_the_guests_back_and_they_are_sent_later(
    demo_group: Session, engine: Engine, peer: tuple[Collector, int]
) -> None:
    s, (collector, port) = demo_group, peer
    guests = [make_guest(s) for _ in range(3)]
    for g in guests:
        consent(s, g)
    checked_out(s, *guests)
    journey = start(s, "post_stay")
    run(engine, port, T0)

    with pytest.raises(engage.DeliveryError):
        run(engine, free_port(), T0 + timedelta(days=1, minutes=1))  # nothing listens there
    counts = runs(s, journey.id)
    assert counts.by_status == {"waiting": 3} and counts.at_step == {"thanks": 3}
    assert "thanks" not in counts.steps  # no step run left behind: the mails did not leave

    assert run(engine, port, T0 + timedelta(days=1, minutes=2)).outcomes == {"sent": 3}
    assert sorted(collector.recipients()) == sorted(str(g.email) for g in guests)


def test_a_guest_the_lifecycle_refresh_makes_dormant_gets_the_win_back_mail(
    demo_group: Session, engine: Engine, peer: tuple[Collector, int]
) -> None:
    """End to end with the real analytics refresh on an injected day: big spenders whose last stay was
    long ago become dormant, and only they (high-value) get the win-back offer, once."""
    from decimal import Decimal

    from guestgraph import analytics

    s, (collector, port) = demo_group, peer
    big = [make_guest(s) for _ in range(3)]
    small = [make_guest(s) for _ in range(10)]
    for g in big + small:
        consent(s, g)
    gone = T0.date() - timedelta(days=200)
    for n, g in enumerate(big):
        make_stay(s, "SHA01", g, arrival=gone - timedelta(days=3), departure=gone, amount=Decimal(30000 + n))
    for n, g in enumerate(small):
        make_stay(
            s,
            "SHA01",
            g,
            arrival=T0.date() - timedelta(days=12),
            departure=T0.date() - timedelta(days=10),
            amount=Decimal(300 + n),
        )
    s.commit()
    month_ago = T0 - timedelta(days=30)
    analytics.refresh(engine, settings=analytics.AnalyticsSettings(), as_of=month_ago.date(), now=month_ago)
    journey = journeys.create_from_template(
        s, scope=GROUP, code="win_back", locale="zh_CN", hotel_code=None, created_by_id=None, now=month_ago
    )
    journeys.set_status(s, journey.id, scope=GROUP, status=JourneyStatus.ACTIVE, now=month_ago)
    s.commit()
    assert run(engine, port, month_ago).enrolled == 0  # at risk then, not dormant yet

    analytics.refresh(engine, settings=analytics.AnalyticsSettings(), as_of=T0.date(), now=T0)
    s.expire_all()
    dormant_high = set(
        s.scalars(
            select(GuestMetrics.guest_id).where(GuestMetrics.stage == "dormant", GuestMetrics.m_score >= 4)
        )
    )
    assert dormant_high == {g.id for g in big}
    report = run(engine, port, T0)
    assert report.enrolled == 3 and report.outcomes["sent"] == 3
    assert sorted(collector.recipients()) == sorted(str(g.email) for g in big)
    assert all(m.message["Subject"].endswith("我们想念您") for m in collector.received)
    assert run(engine, port, T0 + timedelta(hours=1)).enrolled == 0  # the same stage change enrols once


def test_pre_arrival_waits_until_three_days_before_arrival_at_ten_local(
    demo_group: Session, engine: Engine, peer: tuple[Collector, int]
) -> None:
    s, (collector, port) = demo_group, peer
    later, soon = make_guest(s), make_guest(s)
    for g in (later, soon):
        consent(s, g)
    for g, days in ((later, 10), (soon, 2)):
        arrival = T0.date() + timedelta(days=days)
        make_stay(
            s,
            "SHA01",
            g,
            arrival=arrival,
            departure=arrival + timedelta(days=2),
            status=StayStatus.BOOKED,
            created_at=T0 - timedelta(hours=1),
        )
    journey = journeys.create_from_template(
        s, scope=GROUP, code="pre_arrival", locale="en", hotel_code=None, created_by_id=None, now=T0
    )
    journeys.set_status(s, journey.id, scope=GROUP, status=JourneyStatus.ACTIVE, now=T0 - timedelta(days=1))
    s.commit()

    first = run(engine, port, T0)
    assert first.enrolled == 2 and first.outcomes == {"wait": 2, "sent": 1}  # 3 days before `soon` is past
    assert collector.recipients() == [soon.email]
    due = datetime.combine(T0.date() + timedelta(days=7), datetime.min.time(), UTC) + timedelta(hours=2)
    assert run(engine, port, due - timedelta(minutes=1)).steps == 0  # 09:59 in Shanghai
    assert run(engine, port, due).outcomes == {"sent": 1}  # 10:00 in Shanghai, 7 days on
    (mail,) = collector.to(str(later.email))
    assert "2026年11月30日" in mail.text()  # {{ arrival }}


def test_segment_entered_enrols_who_entered_after_activation(
    demo_group: Session, engine: Engine, peer: tuple[Collector, int]
) -> None:
    from guestgraph.db.models import Segment, SegmentMember

    s, (_collector, port) = demo_group, peer
    before, after, left = make_guest(s), make_guest(s), make_guest(s)
    segment = Segment(name="vip", definition={}, kind="dynamic", created_by="test")
    s.add(segment)
    s.flush()
    s.add(SegmentMember(segment_id=segment.id, guest_id=before.id, entered_at=T0 - timedelta(days=5)))
    s.add(SegmentMember(segment_id=segment.id, guest_id=after.id, entered_at=T0 + timedelta(hours=1)))
    s.add(
        SegmentMember(
            segment_id=segment.id,
            guest_id=left.id,
            entered_at=T0 + timedelta(hours=1),
            left_at=T0 + timedelta(hours=2),
        )
    )
    definition = {
        "trigger": {"type": "segment_entered", "segment_id": segment.id},
        "steps": [{"key": "tag", "type": "add_tag", "tag": "vip_welcome"}],
    }
    journey = journeys.create_journey(
        s, scope=GROUP, name="seg", definition=definition, hotel_code=None, created_by_id=None, now=T0
    )
    journeys.set_status(s, journey.id, scope=GROUP, status=JourneyStatus.ACTIVE, now=T0)
    s.commit()

    assert run(engine, port, T0 + timedelta(hours=3)).outcomes == {"add_tag": 1}
    assert set(s.scalars(select(GuestTag.guest_id).where(GuestTag.tag == "vip_welcome"))) == {after.id}
    # the same journey counting everyone already in the segment
    definition["trigger"] = {"type": "segment_entered", "segment_id": segment.id, "include_existing": True}
    everyone = journeys.create_journey(
        s, scope=GROUP, name="seg all", definition=definition, hotel_code=None, created_by_id=None, now=T0
    )
    journeys.set_status(s, everyone.id, scope=GROUP, status=JourneyStatus.ACTIVE, now=T0)
    s.commit()
    assert run(engine, port, T0 + timedelta(hours=4)).enrolled == 2  # before and after; not who left


def test_the_post_stay_survey_journey_sends_each_stay_its_survey_once(
    demo_group: Session, engine: Engine, peer: tuple[Collector, int]
) -> None:
    from guestgraph.db.models import Survey

    s, (collector, port) = demo_group, peer
    yes, unknown = make_guest(s), make_guest(s)
    consent(s, yes)
    checked_out(s, yes, unknown)
    journey = start(s, "post_stay_survey")
    run(engine, port, T0)
    second = run(engine, port, T0 + timedelta(days=1, minutes=1))
    assert second.outcomes == {"send_survey": 2}
    (mail,) = collector.received
    assert mail.rcpt_tos == [str(yes.email)] and "https://gg.example/s/" in mail.text()
    s.expire_all()
    surveys = [(x.guest_id, x.sent_at is not None, x.skip_reason) for x in s.scalars(select(Survey))]
    assert sorted(surveys) == sorted([(yes.id, True, None), (unknown.id, False, "no consent recorded")])
    assert runs(s, journey.id).by_status == {"done": 2}
    notes = timeline_texts(s, yes)
    assert any("survey sent" in n for n in notes)
    assert run(engine, port, T0 + timedelta(days=3)).steps == 0 and len(collector.received) == 1
