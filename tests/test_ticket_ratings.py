"""The guest's rating of a resolved ticket, in the service layer on both databases: a rating opens on
resolution, its link is e-mailed (aiosmtpd) only for the guest's own request and never to an erased,
merged or suppressed guest, at most once; one answer per link, expiry; a score of 1 or 2 reopens the
ticket with a history line and an audit event; the rating on the timeline, the ticket and the SLA
dashboard; export and erasure include it."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from guestgraph import audit, engage, feedback, privacy, profiles, selfservice, service
from guestgraph.access import DataScope
from guestgraph.db.models import (
    ConsentDecision,
    Guest,
    GuestTag,
    Hotel,
    ServiceTicket,
    TicketEvent,
    TicketRating,
)
from guestgraph.paging import PageRequest
from guestgraph.privacy import Channel, ConsentInput, Purpose
from tests.factories import make_guest, make_interaction
from tests.smtp_peer import Collector, smtp_peer

GROUP = DataScope.group()
HOURS = "00:00-24:00"
NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
LINK = re.compile(r"https://gg\.example/t/([A-Za-z0-9_-]+)\?lang=(zh_CN|en)")


@pytest.fixture
def peer() -> Iterator[tuple[Collector, int]]:
    with smtp_peer() as p:
        yield p


def policy_for(port: int) -> feedback.RatingPolicy:
    smtp = engage.SmtpConfig("127.0.0.1", port, None, None, False, "Hotel <care@hotel.example>", 10)
    return feedback.RatingPolicy(
        engage.EngagePolicy(smtp, 5, timedelta(days=7), "https://gg.example", b"k" * 32)
    )


def send(session: Session, port: int, now: datetime = NOW) -> feedback.RatingReport:
    return feedback.send_rating_links(session, policy=policy_for(port), clock=lambda: now)


def first_hotel(session: Session) -> Hotel:
    found = session.scalars(select(Hotel).order_by(Hotel.code)).first()
    assert found is not None
    return found


def self_service_ticket(session: Session, h: Hotel, guest: Guest, kind: str = "repair") -> tuple[str, int]:
    """A request the guest files on their self-service page: (the link's token, the ticket id)."""
    issued = selfservice.issue_link(
        session, scope=GROUP, guest_public_id=guest.public_id, hotel_code=h.code, base_url="https://gg.example",
        valid_for=timedelta(days=30), actor_id=None, now=NOW,
    )  # fmt: skip
    ticket_id = selfservice.file_request(
        session, issued.token, kind=kind, text="The desk lamp flickers", now=NOW, default_hours=HOURS
    )
    return issued.token, ticket_id


def email_ticket(session: Session, h: Hotel, guest: Guest) -> int:
    """A ticket made from the guest's e-mail (as the inbox does: a complaint interaction by e-mail)."""
    mail = make_interaction(
        session, guest, "Shower is cold\nRoom 1203", kind="complaint", hotel_id=h.id, channel="email",
        occurred_at=NOW,
    )  # fmt: skip
    return service.ticket_from_interaction(
        session, scope=GROUP, interaction_id=mail, actor_id=None, now=NOW, default_hours=HOURS
    ).id


def staff_ticket(session: Session, h: Hotel, guest: Guest) -> int:
    spec = service.NewTicket("Minibar restock", "fnb", "normal", h.code, None, guest.public_id)
    return service.create_ticket(
        session, scope=GROUP, ticket=spec, actor_id=None, now=NOW, default_hours=HOURS
    ).id


def resolve(session: Session, ticket_id: int, now: datetime = NOW) -> None:
    service.change_status(session, scope=GROUP, ticket_id=ticket_id, to="resolved", actor_id=None, now=now)


def token_of(collector: Collector, address: str) -> str:
    [mail] = collector.to(address)
    found = LINK.search(mail.text())
    assert found, mail.text()
    return found.group(1)


def test_resolution_mails_the_guest_one_link_and_a_low_score_reopens_the_ticket(
    demo_group: Session, peer: tuple[Collector, int]
) -> None:
    collector, port = peer
    h = first_hotel(demo_group)
    guest = make_guest(demo_group, email="lamp@example.com")
    withdrawn = ConsentInput(Purpose.MARKETING, Channel.EMAIL, ConsentDecision.WITHDRAWN, "test")
    privacy.record_consent(demo_group, guest_id=guest.id, entry=withdrawn, recorded_by_id=None, now=NOW)
    _, ticket_id = self_service_ticket(demo_group, h, guest)
    resolve(demo_group, ticket_id)
    demo_group.commit()

    report = send(demo_group, port)  # a service message: withdrawn marketing consent does not stop it
    assert (report.sent, report.skipped, report.failed) == (1, 0, 0)
    [mail] = collector.to("lamp@example.com")
    assert "报修" in mail.message["Subject"] and "lang=zh_CN" in mail.text()
    token = token_of(collector, "lamp@example.com")
    stored = demo_group.scalars(select(TicketRating)).one()
    assert stored.token_hash and token not in stored.token_hash and len(stored.token_hash) == 64
    assert stored.sent_at == NOW and stored.expires_at == NOW + service.RATING_VALID_FOR
    assert send(demo_group, port).sent == 0 and len(collector.received) == 1  # once only

    later = NOW + timedelta(hours=2)
    form = feedback.rating_form(demo_group, token, now=later)
    assert (form.state, form.kind, form.title) == ("open", "repair", "Repair") and h.name_zh in form.hotel
    done = feedback.rate_ticket(demo_group, token, score=2, comment="Still flickering", now=later)
    demo_group.commit()
    assert done.reopened and done.ticket_id == ticket_id
    ticket = demo_group.get_one(ServiceTicket, ticket_id)
    assert (ticket.status, ticket.resolved_at) == ("open", None)
    events = demo_group.scalars(
        select(TicketEvent).where(TicketEvent.ticket_id == ticket_id).order_by(TicketEvent.id)
    ).all()
    rating_event = next(e for e in events if e.kind == "rating")
    (rating_text,) = service.event_texts(demo_group, ticket.key_ref, [rating_event])
    assert (rating_text, rating_event.actor_id) == ("guest rated 2/5: Still flickering", None)
    assert (events[-1].kind, events[-1].from_status, events[-1].to_status) == ("status", "resolved", "open")
    timeline = profiles.list_interactions(demo_group, scope=DataScope.hotels(h.id), guest_id=guest.id)
    rated = [i for i in timeline if i.kind == "rating"]
    assert len(rated) == 1 and "rated 2/5 (reopened)" in rated[0].text and "Still flickering" in rated[0].text
    for action in ("ticket.rate", "ticket.reopen"):
        [event] = audit.search_events(demo_group, action=action, paging=PageRequest(page=1, size=10)).items
        assert event.event.guest_public_id == guest.public_id
        assert "Still flickering" not in str(event.event.details)  # never the guest's words
    lines = service.ticket_ratings(demo_group, scope=DataScope.hotels(h.id), ticket_id=ticket_id, now=later)
    assert [(r.state, r.score, r.comment) for r in lines] == [("rated", 2, "Still flickering")]

    with pytest.raises(feedback.RatingAnswered):
        feedback.rate_ticket(demo_group, token, score=5, comment=None, now=later)
    demo_group.rollback()
    assert feedback.rating_form(demo_group, token, now=later).state == "rated"
    with pytest.raises(feedback.RatingLinkInvalid):
        feedback.rating_form(demo_group, token[:-1] + ("A" if token[-1] != "A" else "B"), now=later)

    # the loop starts again: resolved once more, a new rating and a new link
    resolve(demo_group, ticket_id, later + timedelta(hours=1))
    demo_group.commit()
    assert send(demo_group, port, later + timedelta(hours=1)).sent == 1
    assert len(collector.to("lamp@example.com")) == 2
    assert demo_group.scalar(select(func.count()).select_from(TicketRating)) == 2


def test_who_gets_a_link_and_why_not(demo_group: Session, peer: tuple[Collector, int]) -> None:
    collector, port = peer
    h = first_hotel(demo_group)
    by_mail = make_guest(demo_group, email="mail@example.com", language="en", full_name="Ann Lee")
    by_staff = make_guest(demo_group, email="staff@example.com")
    no_address = make_guest(demo_group, email=None)
    suppressed = make_guest(demo_group, email="quiet@example.com")
    demo_group.add(GuestTag(guest_id=suppressed.id, tag="do_not_contact", kind="manual"))
    refused = make_guest(demo_group, email="bounce@example.com")
    collector.refuse.add("bounce@example.com")
    tickets = {
        "mail": email_ticket(demo_group, h, by_mail),
        "staff": staff_ticket(demo_group, h, by_staff),
        "no_address": self_service_ticket(demo_group, h, no_address)[1],
        "suppressed": self_service_ticket(demo_group, h, suppressed)[1],
        "refused": self_service_ticket(demo_group, h, refused)[1],
    }
    nobody = service.create_ticket(
        demo_group, scope=GROUP, ticket=service.NewTicket("Lobby lamp", hotel_code=h.code), actor_id=None,
        now=NOW, default_hours=HOURS,
    )  # fmt: skip
    for ticket_id in [*tickets.values(), nobody.id]:
        resolve(demo_group, ticket_id)
    demo_group.commit()
    report = send(demo_group, port)
    assert (report.sent, report.skipped, report.failed) == (1, 3, 1)
    assert collector.recipients() == ["mail@example.com"]
    [mail] = collector.received
    assert "Shower is cold" in mail.message["Subject"] and "lang=en" in mail.text()
    reasons = dict(demo_group.execute(select(TicketRating.ticket_id, TicketRating.skip_reason)).all())
    assert reasons == {
        tickets["mail"]: None,
        tickets["staff"]: "not the guest's own request (self-service or e-mail)",
        tickets["no_address"]: "no e-mail address",
        tickets["suppressed"]: "guest suppressed (do_not_contact)",
        tickets["refused"]: "refused by the mail server",
    }  # a ticket about no guest has no rating
    assert (
        demo_group.scalar(select(TicketRating.token_hash).where(TicketRating.ticket_id == tickets["refused"]))
        is None
    )
    assert set(feedback.SKIP_REASONS) >= {r for r in reasons.values() if r}
    assert send(demo_group, port).sent == 0 and len(collector.received) == 1


def test_a_good_score_keeps_it_resolved_and_a_late_one_is_refused(demo_group: Session) -> None:
    h = first_hotel(demo_group)
    guest = make_guest(demo_group)
    token, ticket_id = self_service_ticket(demo_group, h, guest, "towels")
    resolve(demo_group, ticket_id)
    resolve_again = service.change_status(
        demo_group, scope=GROUP, ticket_id=ticket_id, to="open", actor_id=None, now=NOW
    )
    assert resolve_again.status == "open"
    resolve(demo_group, ticket_id)  # one rating still waits: no second one
    demo_group.commit()
    assert demo_group.scalar(select(func.count()).select_from(TicketRating)) == 1
    page = selfservice.request_page(demo_group, token, now=NOW)
    [request] = page.requests
    assert (request.status, request.rating) == ("done", "open")
    done = selfservice.rate_request(demo_group, token, request.id, score=4, comment="  ", now=NOW)
    assert not done.reopened
    assert demo_group.get_one(ServiceTicket, ticket_id).status == "resolved"
    assert selfservice.request_page(demo_group, token, now=NOW).requests[0].rating == "rated"
    with pytest.raises(feedback.RatingAnswered):  # the same rating as the e-mailed link
        selfservice.rate_request(demo_group, token, request.id, score=1, comment=None, now=NOW)
    demo_group.rollback()
    with pytest.raises(feedback.InvalidFeedbackInput):
        selfservice.rate_request(demo_group, token, request.id, score=6, comment=None, now=NOW)
    other_guest = make_guest(demo_group)
    other_token, _ = self_service_ticket(demo_group, h, other_guest)
    with pytest.raises(selfservice.LinkInvalid):  # a request is rated only through its own link
        selfservice.rating_form(demo_group, other_token, request.id, now=NOW)

    late_token, late_ticket = self_service_ticket(demo_group, h, make_guest(demo_group))
    resolve(demo_group, late_ticket)
    late_request = selfservice.request_page(demo_group, late_token, now=NOW).requests[0]
    after = NOW + service.RATING_VALID_FOR
    assert selfservice.rating_form(demo_group, late_token, late_request.id, now=after).state == "expired"
    with pytest.raises(feedback.RatingExpired):
        selfservice.rate_request(demo_group, late_token, late_request.id, score=1, comment=None, now=after)


def test_dashboard_average_export_and_erasure(demo_group: Session) -> None:
    a, b = list(demo_group.scalars(select(Hotel).order_by(Hotel.code)))[:2]
    guests = [make_guest(demo_group) for _ in range(3)]
    scores = [(a, guests[0], 5), (a, guests[1], 2), (b, guests[2], 4)]
    for h, g, score in scores:
        token, ticket_id = self_service_ticket(demo_group, h, g)
        resolve(demo_group, ticket_id)
        request = selfservice.request_page(demo_group, token, now=NOW).requests[0]
        selfservice.rate_request(demo_group, token, request.id, score=score, comment="ok", now=NOW)
    demo_group.commit()
    rows = {(r.hotel, r.category): r for r in service.sla_dashboard(demo_group, scope=GROUP)}
    assert (rows[(a.code, "room")].ratings, rows[(a.code, "room")].average_rating) == (2, 3.5)
    assert (rows[(b.code, "room")].ratings, rows[(b.code, "room")].average_rating) == (1, 4.0)
    only_b = service.sla_dashboard(demo_group, scope=DataScope.hotels(b.id))
    assert [(r.hotel, r.average_rating) for r in only_b] == [(b.code, 4.0)]

    exported = privacy.export_guest(
        demo_group, scope=GROUP, public_id=guests[1].public_id, actor_id=None, now=NOW
    )
    [row] = exported["tables"]["ticket_rating"]
    assert (row["score"], row["comment"]) == (2, "ok")
    outcome = privacy.erase_guest(demo_group, guest_id=guests[1].id, now=NOW)
    assert outcome.counts["ticket_rating"] == 1
    assert demo_group.scalar(select(func.count()).select_from(TicketRating)) == 2


def test_the_ratings_comment_is_sealed_under_the_guests_key_and_shredded_on_erasure(
    demo_group: Session,
) -> None:
    """The guest's comment on a rating may name a phone number or a health complaint: the table holds
    it sealed under the guest's key; the ticket page's ratings and the guest's export open it; the SLA
    dashboard's mean still counts the score; after erasure a backup's copy of the row opens to nothing."""
    from types import SimpleNamespace

    from sqlalchemy import text

    h = first_hotel(demo_group)
    guest = make_guest(demo_group)
    _, ticket_id = self_service_ticket(demo_group, h, guest)
    resolve(demo_group, ticket_id)
    rating_id = demo_group.scalars(select(TicketRating.id)).one()
    words = "花生过敏 was ignored, call 13812345678"
    feedback.rate_for(demo_group, rating_id, score=4, comment=words, now=NOW + timedelta(hours=1))
    demo_group.commit()
    dumped = repr(demo_group.execute(text("SELECT * FROM ticket_rating")).all())
    assert "13812345678" not in dumped and "花生过敏" not in dumped
    rating = demo_group.get_one(TicketRating, rating_id)
    assert rating.key_ref == guest.key_ref and rating.score == 4
    lines = service.ticket_ratings(demo_group, scope=GROUP, ticket_id=ticket_id, now=NOW + timedelta(hours=2))
    assert [(r.score, r.comment) for r in lines] == [(4, words)]
    sla = [(r.ratings, r.average_rating) for r in service.sla_dashboard(demo_group, scope=GROUP) if r.ratings]
    assert sla == [(1, 4.0)]
    exported = privacy.export_guest(
        demo_group, scope=GROUP, public_id=guest.public_id, actor_id=None, now=NOW
    )
    (row,) = exported["tables"]["ticket_rating"]
    assert row["comment"] == words and "comment_enc" not in row and "key_ref" not in row
    backup = SimpleNamespace(id=rating.id, key_ref=rating.key_ref, comment_enc=rating.comment_enc)

    privacy.erase_guest(demo_group, guest_id=guest.id, now=NOW)
    assert service.rating_comments(demo_group, [backup]) == [None]
