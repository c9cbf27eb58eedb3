"""Campaigns over real SMTP (aiosmtpd as the peer): consent before every send, exactly one mail per
guest across two senders, the unsubscribe link withdrawing consent (checklist PR-01)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from guestgraph import engage, privacy
from guestgraph.access import DataScope
from guestgraph.db import make_session_factory
from guestgraph.db.models import CampaignMessage, ConsentDecision, Guest
from guestgraph.privacy import Channel, ConsentInput, Purpose
from tests.factories import hotel, make_guest, make_stay
from tests.smtp_peer import Collector, smtp_peer
from tests.test_cli import run

GROUP = DataScope.group()
KEY = b"k" * 32


def now() -> datetime:
    return datetime.now(UTC)


@pytest.fixture
def peer() -> Iterator[tuple[Collector, int]]:
    with smtp_peer() as p:
        yield p


def policy_for(port: int, *, cap: int = 5) -> engage.EngagePolicy:
    smtp = engage.SmtpConfig("127.0.0.1", port, None, None, False, "Hotel <news@hotel.example>", 10)
    return engage.EngagePolicy(smtp, cap, timedelta(days=7), "https://gg.example", KEY)


def consent(session: Session, guest: Guest, decision: ConsentDecision, *, at: datetime | None = None) -> None:
    entry = ConsentInput(Purpose.MARKETING, Channel.EMAIL, decision, "test")
    when = at or now() - timedelta(days=1)
    privacy.record_consent(session, guest_id=guest.id, entry=entry, recorded_by_id=None, now=when)


def campaign(session: Session, **overrides: object) -> engage.CampaignRow:
    values: dict[str, object] = {
        "name": "Spring",
        "subject_zh": "{{ name }}，{{ hotel }}欢迎您再次光临",
        "subject_en": "{{ name }}, {{ hotel }} welcomes you back",
        "body_zh": "尊敬的{{ name }}：\n\n感谢您于{{ arrival }}入住。",
        "body_en": "Dear {{ name }},\n\nThank you for staying from {{ arrival }} to {{ departure }}.",
    }
    values.update(overrides)
    spec = engage.CampaignInput(**values)  # type: ignore[arg-type]
    return engage.create_campaign(session, scope=GROUP, spec=spec, created_by_id=None, now=now())


def send(engine: Engine, port: int, **kwargs: object) -> engage.SendReport:
    factory = make_session_factory(engine)
    return engage.send_queued(factory, policy=policy_for(port, **kwargs), clock=now)  # type: ignore[arg-type]


def statuses(session: Session) -> dict[int, tuple[str, str | None]]:
    session.expire_all()
    rows = session.execute(select(CampaignMessage.guest_id, CampaignMessage.status, CampaignMessage.reason))
    return {g: (s.value, r) for g, s, r in rows}


def test_only_guests_with_consent_get_mail_in_their_language(
    demo_group: Session, engine: Engine, peer: tuple[Collector, int]
) -> None:
    s, (collector, port) = demo_group, peer
    wang = make_guest(s, gender="M")
    smith = make_guest(
        s, full_name="Anna Smith", family_name="Smith", given_name="Anna", gender="F", nationality="GB",
        name_pinyin=None,
    )  # fmt: skip
    unknown, withdrawn, erased = make_guest(s), make_guest(s), make_guest(s)
    for g in (wang, smith, withdrawn, erased):
        consent(s, g, ConsentDecision.GRANTED, at=now() - timedelta(days=2))
    consent(s, withdrawn, ConsentDecision.WITHDRAWN)
    for g in (wang, smith, unknown, withdrawn, erased):
        make_stay(s, "SHA01", g, arrival=date(2026, 9, 1))
    c = campaign(s)
    assert engage.queue_campaign(s, c.id, scope=GROUP, now=now()) == 5
    privacy.erase_guest(s, guest_id=erased.id, now=now())
    s.commit()

    report = send(engine, port)

    assert sorted(collector.recipients()) == sorted([wang.email, smith.email])
    (zh,) = collector.to(str(wang.email))
    assert zh.message["Subject"].startswith("王先生，")
    assert "尊敬的王先生" in zh.text() and "2026年9月1日" in zh.text()
    assert zh.message["List-Unsubscribe"].startswith("<https://gg.example/u/")
    assert zh.message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    (en,) = collector.to(str(smith.email))
    assert "Dear Ms Smith" in en.text() and en.message["Subject"].startswith("Ms Smith, ")
    assert (report.sent, report.skipped) == (2, 2)  # the erased guest's row went with the erasure
    got = statuses(s)
    assert got[unknown.id] == ("skipped", "no consent recorded")
    assert got[withdrawn.id] == ("skipped", "consent withdrawn")
    assert erased.id not in got
    results = engage.campaign_results(s, c.id, scope=GROUP)
    assert results.counts == {"sent": 2, "skipped": 2}
    assert results.reasons == {"no consent recorded": 1, "consent withdrawn": 1}


def test_withdrawal_after_queueing_means_no_mail(
    demo_group: Session, engine: Engine, peer: tuple[Collector, int]
) -> None:
    """PR-01: a campaign is queued, one guest withdraws before the sender runs: nothing reaches them."""
    s, (collector, port) = demo_group, peer
    stays, leaves = make_guest(s), make_guest(s)
    for g in (stays, leaves):
        consent(s, g, ConsentDecision.GRANTED)
    c = campaign(s)
    engage.queue_campaign(s, c.id, scope=GROUP, now=now(), guest_ids=[stays.id, leaves.id])
    s.commit()
    actor = privacy.Actor(user_id=None, manages_privacy=False, front_desk=True)
    privacy.withdraw_guest_consents(
        s, scope=GROUP, public_id=leaves.public_id, actor=actor, source="front_desk", evidence=None, now=now()
    )
    s.commit()

    send(engine, port)

    assert collector.recipients() == [stays.email]
    assert statuses(s)[leaves.id] == ("skipped", "consent withdrawn")


def test_unsubscribe_link_withdraws_consent_and_stops_further_mail(
    demo_group: Session, engine: Engine, peer: tuple[Collector, int]
) -> None:
    s, (collector, port) = demo_group, peer
    guest = make_guest(s)
    consent(s, guest, ConsentDecision.GRANTED)
    first = campaign(s)
    engage.queue_campaign(s, first.id, scope=GROUP, now=now(), guest_ids=[guest.id])
    s.commit()
    send(engine, port)
    (mail,) = collector.to(str(guest.email))
    token = mail.message["List-Unsubscribe"].strip("<>").rsplit("/u/", 1)[1]
    assert f"/u/{token}" in mail.text()

    engage.unsubscribe(s, token, key=KEY, now=now())
    engage.unsubscribe(s, token, key=KEY, now=now())  # a second click records nothing more
    s.commit()
    second = campaign(s, name="Summer")
    engage.queue_campaign(s, second.id, scope=GROUP, now=now(), guest_ids=[guest.id])
    s.commit()
    send(engine, port)

    assert len(collector.to(str(guest.email))) == 1
    assert engage.campaign_results(s, second.id, scope=GROUP).reasons == {"consent withdrawn": 1}
    history = privacy.consent_history(s, guest_id=guest.id)
    assert [(h.decision, h.source) for h in history] == [
        ("withdrawn", "unsubscribe_link"),
        ("granted", "test"),
    ]
    with pytest.raises(engage.InvalidToken):
        engage.unsubscribe(s, token[:-1] + ("A" if token[-1] != "A" else "B"), key=KEY, now=now())


def test_two_senders_at_once_send_each_guest_exactly_one_mail(
    demo_group: Session, engine: Engine, peer: tuple[Collector, int]
) -> None:
    s, (collector, port) = demo_group, peer
    guests = [make_guest(s) for _ in range(40)]
    for g in guests:
        consent(s, g, ConsentDecision.GRANTED)
    c = campaign(s)
    engage.queue_campaign(s, c.id, scope=GROUP, now=now(), guest_ids=[g.id for g in guests])
    s.commit()
    factory = make_session_factory(engine)
    reports: list[engage.SendReport] = []

    def run() -> None:
        reports.append(
            engage.send_queued(factory, policy=policy_for(port), clock=now, batch=3, connections=2)
        )

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)

    assert sorted(collector.recipients()) == sorted(str(g.email) for g in guests)
    assert sum(r.sent for r in reports) == 40 and len(reports) == 2
    assert send(engine, port).sent == 0  # a restart finds nothing left to send
    assert len(collector.received) == 40


def test_a_message_interrupted_mid_send_is_never_sent_again(
    demo_group: Session, engine: Engine, peer: tuple[Collector, int]
) -> None:
    s, (collector, port) = demo_group, peer
    crashed, fresh = make_guest(s), make_guest(s)
    for g in (crashed, fresh):
        consent(s, g, ConsentDecision.GRANTED)
    c = campaign(s)
    engage.queue_campaign(s, c.id, scope=GROUP, now=now(), guest_ids=[crashed.id])
    s.commit()
    assert len(engage.claim(s, worker="dead", batch=10, now=now() - timedelta(hours=1))) == 1
    engage.queue_campaign(s, c.id, scope=GROUP, now=now(), guest_ids=[fresh.id])
    s.commit()

    report = send(engine, port)

    assert collector.recipients() == [fresh.email]
    assert report.interrupted == 1
    assert statuses(s)[crashed.id] == ("failed", "interrupted while sending (not retried)")


def test_frequency_cap_and_refused_recipient(
    demo_group: Session, engine: Engine, peer: tuple[Collector, int]
) -> None:
    s, (collector, port) = demo_group, peer
    guest, bounced = make_guest(s), make_guest(s)
    for g in (guest, bounced):
        consent(s, g, ConsentDecision.GRANTED)
    collector.refuse.add(str(bounced.email))
    for name in ("One", "Two"):
        c = campaign(s, name=name)
        engage.queue_campaign(s, c.id, scope=GROUP, now=now(), guest_ids=[guest.id, bounced.id])
        s.commit()
        send(engine, port, cap=1)
    assert len(collector.to(str(guest.email))) == 1
    assert engage.campaign_results(s, c.id, scope=GROUP).reasons == {
        "frequency cap reached": 1,
        "refused by the mail server": 1,
    }


def test_audience_filter_by_hotel_and_last_stay_within_scope(demo_group: Session) -> None:
    s = demo_group
    recent, old, elsewhere = make_guest(s), make_guest(s), make_guest(s)
    make_stay(s, "SHA01", recent, arrival=date(2026, 10, 1))
    make_stay(s, "SHA01", old, arrival=date(2025, 1, 1))
    make_stay(s, "SHA01", old, arrival=date(2026, 6, 1), hotel_id=hotel(s, "PEK01").id)
    make_stay(s, "PEK01", elsewhere, arrival=date(2026, 10, 1))
    c = campaign(s, hotel_code="SHA01", last_stay_from=date(2026, 1, 1))
    engage.queue_campaign(s, c.id, scope=GROUP, now=now())
    assert set(statuses(s)) == {recent.id}
    scoped = DataScope.hotels(hotel(s, "PEK01").id)
    with pytest.raises(engage.CampaignNotFound):
        engage.queue_campaign(s, c.id, scope=scoped, now=now())
    everyone = campaign(s, name="All")
    engage.queue_campaign(s, everyone.id, scope=GROUP, now=now(), guest_ids=[old.id, elsewhere.id])
    rows = s.scalars(select(CampaignMessage.guest_id).where(CampaignMessage.campaign_id == everyone.id))
    assert set(rows) == {old.id, elsewhere.id}


def test_templates_are_sandboxed_and_escaped(demo_group: Session, peer: tuple[Collector, int]) -> None:
    s, (collector, port) = demo_group, peer
    guest = make_guest(s, full_name="<b>Evil</b>", family_name="<b>", gender=None, nationality="GB")
    c = campaign(s, body_en="Hello {{ name }}")
    policy = policy_for(port)
    shown = engage.preview(s, c.id, scope=GROUP, guest_public_id=guest.public_id, policy=policy)
    assert "&lt;b&gt;Evil&lt;/b&gt;" in shown.html and "<b>Evil</b>" in shown.text
    engage.send_test(
        s, c.id, scope=GROUP, guest_public_id=guest.public_id, to="me@hotel.example", policy=policy_for(port)
    )
    assert collector.recipients() == ["me@hotel.example"]
    assert collector.received[0].message["Subject"].startswith("[TEST] ")
    for bad in ("{{ ''.__class__.__mro__ }}", "{{ nosuchfield }}"):
        broken = campaign(s, name="Bad", body_en=bad)
        with pytest.raises(engage.TemplateInvalid):
            engage.preview(s, broken.id, scope=GROUP, guest_public_id=guest.public_id, policy=policy)
    with pytest.raises(engage.TemplateInvalid):
        campaign(s, subject_en="{% if %}")


def test_a_template_that_cannot_be_filled_fails_the_message_not_the_sender(
    demo_group: Session, engine: Engine, peer: tuple[Collector, int]
) -> None:
    s, (collector, port) = demo_group, peer
    english, chinese = make_guest(s, nationality="GB"), make_guest(s)
    for g in (english, chinese):
        consent(s, g, ConsentDecision.GRANTED)
    c = campaign(s, body_en="Dear {{ nosuchfield }}")
    engage.queue_campaign(s, c.id, scope=GROUP, now=now(), guest_ids=[english.id, chinese.id])
    s.commit()
    assert send(engine, port).failed == 1
    assert collector.recipients() == [chinese.email]
    assert statuses(s)[english.id] == ("failed", "the template could not be filled in")


def test_the_sender_as_a_worker_process(
    demo_group: Session, db_url: str, peer: tuple[Collector, int], tmp_path: Path
) -> None:
    s, (collector, port) = demo_group, peer
    guests = [make_guest(s) for _ in range(3)]
    for g in guests:
        consent(s, g, ConsentDecision.GRANTED)
    c = campaign(s)
    engage.queue_campaign(s, c.id, scope=GROUP, now=now(), guest_ids=[g.id for g in guests])
    s.commit()
    env = {
        "GUESTGRAPH_DATABASE_URL": db_url,
        "GUESTGRAPH_DATA_DIR": str(tmp_path),
        "GUESTGRAPH_SMTP_PORT": str(port),
        "GUESTGRAPH_PUBLIC_BASE_URL": "https://gg.example",
    }
    done = run("campaigns", "send", "--campaign", str(c.id), env=env)
    assert done.returncode == 0, done.stderr
    assert "3 sent, 0 skipped, 0 failed" in done.stderr
    assert sorted(collector.recipients()) == sorted(str(g.email) for g in guests)
    assert "0 sent" in run("campaigns", "send", env=env).stderr
    late = make_guest(s)
    consent(s, late, ConsentDecision.GRANTED)
    engage.queue_campaign(s, c.id, scope=GROUP, now=now(), guest_ids=[late.id])
    s.commit()
    down = run("campaigns", "send", env={**env, "GUESTGRAPH_SMTP_PORT": "1"})
    assert down.returncode != 0 and "Cannot reach the SMTP server 127.0.0.1:1" in down.stderr
    assert statuses(s)[late.id] == ("queued", None)  # released, sent by the next run
    assert "1 sent" in run("campaigns", "send", env=env).stderr
