"""The unified inbox on both databases: matching by contact (one guest, shared, unknown), threading
(by e-mail reference and by contact), redelivery, complaints opening a ticket, sealing at rest, scope,
reply templates, logged calls, erasure and retention shredding the conversation's key."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from guestgraph import inbox, pii, privacy, service
from guestgraph.access import DataScope
from guestgraph.config import Settings
from guestgraph.db.models import Conversation, InboxMessage, Interaction, ServiceTicket, TicketEvent
from guestgraph.privacy._export import subject_of, table_rows
from tests.factories import hotel, make_guest, make_mention, make_stay, timeline_texts

NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
HOURS = "08:00-22:00"
POLICY = inbox.InboxPolicy.from_settings(Settings(_env_file=None, env="test"))  # type: ignore[call-arg]


def _mail(
    sender: str, subject: str, body: str, msgid: str, *, to: str = "service+sha01@localhost", refs: str = ""
) -> bytes:
    head = f"From: {sender}\r\nTo: {to}\r\nSubject: {subject}\r\nMessage-ID: {msgid}\r\n"
    if refs:
        head += f"In-Reply-To: {refs}\r\nReferences: {refs}\r\n"
    return (head + "Content-Type: text/plain; charset=utf-8\r\n\r\n" + body + "\r\n").encode("utf-8")


def _email(session: Session, raw: bytes, at: datetime = NOW) -> inbox.Received:
    return inbox.receive_email(session, raw, recipients=[], policy=POLICY, now=at)


def _sms(
    session: Session, sender: str, body: str, gid: str, at: datetime = NOW, hotel_code: str = "SHA01"
) -> inbox.Received:
    message = inbox.Inbound(
        channel="sms", hotel_code=hotel_code, sender=sender, body=body, external_id=gid, at=at
    )
    return inbox.receive(session, message, default_hours=HOURS)


def test_an_email_from_a_guest_is_matched_threaded_and_redelivery_changes_nothing(
    demo_group: Session,
) -> None:
    guest = make_guest(demo_group, email="Wang.Ming@Example.com")
    make_stay(demo_group, "SHA01", guest)
    first = _email(
        demo_group,
        _mail(
            "王明 <wang.ming@example.com>", "Airport pickup", "Can you pick us up at 9?", "<a1@mail.example>"
        ),
    )
    assert (first.match, first.guest_public_id, first.new_conversation, first.ticket_id) == (
        "matched",
        guest.public_id,
        True,
        None,
    )
    again = _email(
        demo_group,
        _mail("wang.ming@example.com", "Airport pickup", "Can you pick us up at 9?", "<a1@mail.example>"),
    )
    assert again.duplicate and again.message_id == first.message_id
    # a reply quoting the first message joins its conversation
    follow = _email(
        demo_group,
        _mail(
            "wang.ming@example.com",
            "Re: Airport pickup",
            "Two of us.",
            "<a2@mail.example>",
            refs="<a1@mail.example>",
        ),
        NOW + timedelta(days=20),  # outside the contact window: only the reference threads it
    )
    assert (follow.conversation_id, follow.new_conversation) == (first.conversation_id, False)
    view = inbox.get_conversation(demo_group, scope=DataScope.group(), conversation_id=first.conversation_id)
    assert [m.text for m in view.messages] == ["Can you pick us up at 9?", "Two of us."]
    assert view.conversation.counterpart == "w********@example.com"  # masked
    assert view.conversation.unread == 2
    timeline = timeline_texts(demo_group, guest)
    assert len(timeline) == 2 and all(f"conversation {first.conversation_id}" in t for t in timeline)
    assert demo_group.scalar(select(func.count()).select_from(InboxMessage)) == 2


def test_a_complaint_opens_a_high_priority_ticket_and_later_messages_are_noted_on_it(
    demo_group: Session,
) -> None:
    guest = make_guest(demo_group, phone="+8613900001111")
    got = _sms(demo_group, "139 0000 1111", "房间很脏，空调也坏了，非常失望", "gw-1")
    assert got.ticket_id is not None and got.guest_public_id == guest.public_id
    ticket = demo_group.get(ServiceTicket, got.ticket_id)
    assert ticket is not None and (ticket.priority, ticket.guest_id, ticket.hotel_id) == (
        "high",
        guest.id,
        hotel(demo_group, "SHA01").id,
    )
    again = _sms(demo_group, "+8613900001111", "还没有人来", "gw-2", NOW + timedelta(minutes=5))
    assert (again.conversation_id, again.ticket_id) == (got.conversation_id, got.ticket_id)
    kinds = demo_group.scalars(select(TicketEvent.kind).where(TicketEvent.ticket_id == got.ticket_id)).all()
    assert "message" in kinds
    # on the timeline as a complaint (so the next arrival is flagged), followed up by that ticket
    logged = demo_group.scalars(
        select(Interaction).where(Interaction.guest_id == guest.id).order_by(Interaction.id)
    ).all()
    assert [i.kind for i in logged] == ["complaint", "chat"] and ticket.interaction_id == logged[0].id
    assert timeline_texts(demo_group, guest)[0].startswith("房间很脏")
    assert service.complaints_without_ticket(demo_group, scope=DataScope.group(), guest_id=guest.id) == []
    # a plain request opens no ticket
    other = _sms(demo_group, "+8613900002222", "Could I have two more towels please", "gw-3")
    assert other.ticket_id is None and other.match == "unknown"


def test_a_shared_contact_is_not_guessed_and_an_agent_links_the_guest(demo_group: Session) -> None:
    a, b = make_guest(demo_group, phone="+8613700000000"), make_guest(demo_group, phone="+8613711111111")
    make_mention(demo_group, b, phone="+8613700000000")  # the household phone, on b's record too
    got = _sms(demo_group, "+8613700000000", "Is breakfast included?", "gw-10")
    assert (got.match, got.guest_public_id) == ("ambiguous", None)
    line = inbox.list_conversations(demo_group, scope=DataScope.group())[0]
    assert (line.match, line.candidates) == ("ambiguous", 2)
    linked = inbox.link_guest(
        demo_group, scope=DataScope.group(), conversation_id=got.conversation_id, guest_public_id=a.public_id
    )
    assert linked == a.public_id
    assert inbox.list_conversations(demo_group, scope=DataScope.group())[0].match == "linked"


def test_threads_by_contact_until_closed(demo_group: Session) -> None:
    one = _sms(demo_group, "+8613600000001", "hello", "gw-20")
    two = _sms(demo_group, "+8613600000001", "still there?", "gw-21", NOW + timedelta(hours=1))
    assert two.conversation_id == one.conversation_id
    other_hotel = _sms(demo_group, "+8613600000001", "hello", "gw-22", hotel_code="SHA02")
    assert other_hotel.conversation_id != one.conversation_id
    inbox.set_status(
        demo_group, scope=DataScope.group(), conversation_id=one.conversation_id, status="closed"
    )
    three = _sms(demo_group, "+8613600000001", "new question", "gw-23", NOW + timedelta(hours=2))
    assert three.new_conversation and three.conversation_id != one.conversation_id


def test_bad_messages_name_the_field_and_the_fix(demo_group: Session) -> None:
    with pytest.raises(inbox.InvalidMessage, match="not a phone number"):
        _sms(demo_group, "call me", "hi", "gw-30")
    with pytest.raises(inbox.InvalidMessage, match="Unknown channel"):
        inbox.receive(
            demo_group, inbox.Inbound("fax", "SHA01", "+8613600000001", "hi", "x", NOW), default_hours=HOURS
        )
    with pytest.raises(inbox.InvalidMessage, match="not addressed to the inbox"):
        _email(demo_group, _mail("a@example.com", "hi", "hi", "<x@y>", to="someone@elsewhere.example"))
    with pytest.raises(privacy_hotel_error()):
        _sms(demo_group, "+8613600000001", "hi", "gw-31", hotel_code="NOPE")


def privacy_hotel_error() -> type[Exception]:
    from guestgraph.errors import HotelNotFound

    return HotelNotFound


def test_messages_and_contacts_are_sealed_at_rest(demo_group: Session) -> None:
    got = _sms(demo_group, "+8613512345678", "CANARY-BODY-7731 my room key fails", "gw-40")
    demo_group.commit()
    rows = demo_group.execute(
        text("SELECT counterpart_enc, counterpart_bidx, subject_enc FROM conversation")
    ).all()
    bodies = demo_group.execute(text("SELECT body_enc FROM inbox_message")).scalars().all()
    stored = " ".join(str(v) for row in rows for v in row) + " ".join(bodies)
    assert "CANARY-BODY-7731" not in stored and "13512345678" not in stored
    view = inbox.get_conversation(demo_group, scope=DataScope.group(), conversation_id=got.conversation_id)
    assert view.messages[0].text == "CANARY-BODY-7731 my room key fails"


def test_scope_hides_another_hotels_conversations(demo_group: Session) -> None:
    got = _sms(demo_group, "+8613600000009", "hello", "gw-50", hotel_code="SHA01")
    other = DataScope.hotels(hotel(demo_group, "SHA02").id)
    assert inbox.list_conversations(demo_group, scope=other) == []
    with pytest.raises(inbox.ConversationNotFound):
        inbox.get_conversation(demo_group, scope=other, conversation_id=got.conversation_id)
    with pytest.raises(inbox.ConversationNotFound):
        inbox.reply(
            demo_group,
            scope=other,
            conversation_id=got.conversation_id,
            text="hi",
            actor_id=None,
            now=NOW,
            policy=POLICY,
        )
    own = DataScope.hotels(hotel(demo_group, "SHA01").id)
    assert [c.id for c in inbox.list_conversations(demo_group, scope=own)] == [got.conversation_id]


def test_calls_tickets_and_templates(demo_group: Session) -> None:
    guest = make_guest(demo_group, phone="+8613800009999", full_name="王明", family_name="王", gender="M")
    make_stay(demo_group, "SHA01", guest)
    call = inbox.log_call(
        demo_group, scope=DataScope.group(), hotel_code="sha01", phone="13800009999", direction="in",
        notes="Asked for a quiet room", actor_id=None, now=NOW, default_hours=HOURS,
    )  # fmt: skip
    assert (call.match, call.guest_public_id) == ("matched", guest.public_id)
    with pytest.raises(inbox.CannotReply):
        inbox.reply(
            demo_group,
            scope=DataScope.group(),
            conversation_id=call.conversation_id,
            text="x",
            actor_id=None,
            now=NOW,
            policy=POLICY,
        )
    ticket = inbox.to_ticket(
        demo_group, scope=DataScope.group(), conversation_id=call.conversation_id, category="room",
        priority="normal", actor_id=None, now=NOW, default_hours=HOURS,
    )  # fmt: skip
    again = inbox.to_ticket(
        demo_group, scope=DataScope.group(), conversation_id=call.conversation_id, category="room",
        priority="normal", actor_id=None, now=NOW, default_hours=HOURS,
    )  # fmt: skip
    assert ticket == again
    assert service.ticket_titles(demo_group, [demo_group.get_one(ServiceTicket, ticket)]) == [
        "Asked for a quiet room"
    ]
    filled = inbox.fill_template(
        demo_group, scope=DataScope.group(), conversation_id=call.conversation_id, key="received", lang=None
    )
    assert filled.startswith("王先生您好") and hotel(demo_group, "SHA01").name_zh in filled
    english = inbox.fill_template(
        demo_group, scope=DataScope.group(), conversation_id=call.conversation_id, key="received", lang="en"
    )
    assert english.startswith("Dear Mr Wang") and hotel(demo_group, "SHA01").name_en in english
    with pytest.raises(inbox.InvalidMessage, match="No reply template"):
        inbox.fill_template(
            demo_group, scope=DataScope.group(), conversation_id=call.conversation_id, key="nope", lang="en"
        )
    assert {t.key for t in inbox.reply_templates("zh-CN")} >= {"received", "apology", "resolved"}


def test_erasure_shreds_and_deletes_the_guests_conversations(demo_group: Session) -> None:
    guest = make_guest(demo_group, phone="+8613300000001", email="erase.me@example.com")
    keep = make_guest(demo_group, phone="+8613300000002")
    linked = _sms(demo_group, "+8613300000001", "my request", "gw-60")
    # a later e-mail from the guest's address; and someone else's conversation stays
    unlinked = _email(demo_group, _mail("erase.me@example.com", "hello", "hi", "<e1@x>"))
    theirs = _sms(demo_group, "+8613300000002", "other guest", "gw-61")
    demo_group.execute(
        Conversation.__table__.update()
        .where(Conversation.id == unlinked.conversation_id)
        .values(guest_id=None)
    )
    key = demo_group.scalar(select(Conversation.key_ref).where(Conversation.id == linked.conversation_id))
    stored = demo_group.scalar(select(InboxMessage.body_enc).where(InboxMessage.id == linked.message_id))
    privacy.erase_guest(demo_group, guest_id=guest.id, now=NOW)
    left = set(demo_group.scalars(select(Conversation.id)))
    assert left == {theirs.conversation_id} and keep.id is not None
    vault = pii.vault_of(demo_group)
    assert (
        pii.open_value(vault, key, "inbox_message", "body_enc", pii.message_row(linked.message_id), stored)
        is None
    )


def test_retention_deletes_conversations_past_their_period(demo_group: Session) -> None:
    old = _sms(demo_group, "+8613200000001", "old", "gw-70", NOW - timedelta(days=400))
    new = _sms(demo_group, "+8613200000002", "new", "gw-71", NOW - timedelta(days=10))
    dry = privacy.run_retention(demo_group, now=NOW, apply=False)
    assert dry.counts["conversations_deleted"] == 1
    privacy.run_retention(demo_group, now=NOW, apply=True)
    assert set(demo_group.scalars(select(Conversation.id))) == {new.conversation_id}
    assert old.conversation_id not in set(demo_group.scalars(select(InboxMessage.conversation_id)))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(raw=st.binary(max_size=2000) | st.text(max_size=2000).map(lambda t: t.encode("utf-8", "replace")))
def test_any_bytes_parse_or_are_refused_with_a_reason(raw: bytes) -> None:
    try:
        found = inbox.parse_email(raw, recipients=["service+sha01@localhost"], policy=POLICY, received_at=NOW)
    except inbox.InvalidMessage as e:
        assert e.hint
    else:
        assert found.channel == "email" and found.hotel_code == "SHA01" and "@" in found.sender


def test_the_data_subject_export_holds_the_guests_messages_opened(demo_group: Session) -> None:
    guest = make_guest(demo_group, phone="+8613100000001")
    got = _sms(demo_group, "+8613100000001", "Please keep my umbrella", "gw-80")
    rows = table_rows(demo_group, subject_of(demo_group, guest.id))
    [conversation] = rows["conversation"]
    assert conversation["id"] == got.conversation_id and conversation["counterpart"] == "+8613100000001"
    assert [m["text"] for m in rows["inbox_message"]] == ["Please keep my umbrella"]
    assert not any(k.endswith(("_enc", "_bidx")) or k == "key_ref" for k in conversation)
