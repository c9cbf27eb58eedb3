"""Taking a message in: route it to its hotel, thread it into the counterpart's conversation (by the
e-mail's In-Reply-To/References, else the open conversation with the same contact), match the
conversation to a guest, seal it, put it on the guest's timeline, and open a ticket when the first
message of a conversation reads as a complaint. Redelivery of the same message changes nothing."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from guestgraph import audit, feedback, pii, profiles, service
from guestgraph.access import DataScope
from guestgraph.crypto import Vault
from guestgraph.db.models import (
    Channel,
    Conversation,
    Guest,
    Hotel,
    InboxMessage,
)
from guestgraph.errors import HotelNotFound
from guestgraph.inbox._contact import canonical, contact_index, match_guest
from guestgraph.inbox._errors import InvalidMessage
from guestgraph.inbox._seal import seal

CHANNELS = tuple(c.value for c in Channel)
THREAD_WINDOW = timedelta(days=14)  # a message from the same contact within this joins the open thread
MAX_BODY = 20_000
MAX_SUBJECT = 200
MAX_EXTERNAL_ID = 255
TIMELINE_KIND = {Channel.EMAIL: "email", Channel.SMS: "chat", Channel.WECHAT: "chat", Channel.PHONE: "call"}


@dataclass(frozen=True)
class Inbound:
    """A message as a gateway, the mail server or a member of staff hands it over."""

    channel: str
    hotel_code: str
    sender: str  # e-mail address, phone number or messaging account
    body: str
    external_id: str  # Message-ID or the gateway's id: the same id twice is one message
    at: datetime
    subject: str | None = None
    references: tuple[str, ...] = field(default=())  # Message-IDs this one answers (e-mail)
    direction: str = "in"  # a logged call may be outgoing
    staff_user_id: int | None = None


@dataclass(frozen=True)
class Received:
    conversation_id: int
    message_id: int
    guest_public_id: str | None
    match: str
    new_conversation: bool
    duplicate: bool
    ticket_id: int | None


def _check(message: Inbound) -> None:
    if message.channel not in CHANNELS:
        raise InvalidMessage(
            f"Unknown channel {message.channel!r}.", hint=f"Use one of: {', '.join(CHANNELS)}."
        )
    if not message.body.strip() and not (message.subject or "").strip():
        raise InvalidMessage("The message has no text.", hint="Send the message text in `text`.")
    if len(message.body) > MAX_BODY:
        raise InvalidMessage(
            f"The message text has {len(message.body)} characters; at most {MAX_BODY} are taken.",
            hint="Send long documents as an attachment to the hotel's e-mail instead.",
        )
    if not message.external_id or len(message.external_id) > MAX_EXTERNAL_ID:
        raise InvalidMessage(
            "The message id is missing or longer than 255 characters.",
            hint="Send the gateway's message id in `id` (it makes a redelivery harmless).",
        )


def _hotel(session: Session, code: str) -> int:
    found = session.scalar(select(Hotel.id).where(Hotel.code == code.upper()))
    if found is None:
        raise HotelNotFound(
            f"No hotel with code {code!r} to deliver the message to.",
            hint="Check the hotel code in the gateway's webhook address or the inbound e-mail address.",
        )
    return found


def _thread(session: Session, message: Inbound, hotel_id: int, bidx: str) -> Conversation | None:
    if message.references:
        replied = session.scalar(
            select(Conversation)
            .join(InboxMessage, InboxMessage.conversation_id == Conversation.id)
            .where(
                InboxMessage.channel == message.channel,
                InboxMessage.external_id.in_(message.references[-20:]),
                Conversation.hotel_id == hotel_id,
            )
            .limit(1)
        )
        if replied is not None:
            return replied
    return session.scalar(
        select(Conversation)
        .where(
            Conversation.counterpart_bidx == bidx,
            Conversation.channel == message.channel,
            Conversation.hotel_id == hotel_id,
            Conversation.status == "open",
            Conversation.last_message_at >= message.at - THREAD_WINDOW,
        )
        .order_by(Conversation.last_message_at.desc())
        .limit(1)
    )


def _open(
    session: Session, vault: Vault, message: Inbound, hotel_id: int, contact: str, bidx: str
) -> Conversation:
    guest_id, how, holders = match_guest(session, vault, message.channel, contact)
    key_ref = vault.new_guest_key()
    conversation = Conversation(
        hotel_id=hotel_id, channel=message.channel, key_ref=key_ref, counterpart_bidx=bidx,
        guest_id=guest_id, match=how, candidates=holders, status="open", created_at=message.at,
        last_message_at=message.at, unread=0,
    )  # fmt: skip
    session.add(conversation)
    session.flush()
    conversation.counterpart_enc = seal(vault, conversation, "counterpart_enc", contact)
    subject = (message.subject or "").strip()[:MAX_SUBJECT] or None
    conversation.subject_enc = seal(vault, conversation, "subject_enc", subject)
    return conversation


def receive(
    session: Session, message: Inbound, *, default_hours: str, rules: feedback.Rules | None = None
) -> Received:
    """Store one message (in the caller's transaction) and say where it went."""
    _check(message)
    existing = session.execute(
        select(InboxMessage.id, InboxMessage.conversation_id).where(
            InboxMessage.channel == message.channel, InboxMessage.external_id == message.external_id
        )
    ).first()
    if existing is not None:
        conv = session.get(Conversation, existing.conversation_id)
        assert conv is not None
        return Received(
            conv.id,
            existing.id,
            public_id_of(session, conv.guest_id),
            conv.match,
            False,
            True,
            conv.ticket_id,
        )
    vault = pii.vault_of(session)
    hotel_id = _hotel(session, message.hotel_code)
    contact = canonical(message.channel, message.sender)
    bidx = contact_index(vault, message.channel, contact)
    conversation = _thread(session, message, hotel_id, bidx)
    new = conversation is None
    if conversation is None:
        conversation = _open(session, vault, message, hotel_id, contact, bidx)
    row = InboxMessage(
        conversation_id=conversation.id, channel=message.channel, direction=message.direction,
        external_id=message.external_id, at=message.at, staff_user_id=message.staff_user_id,
        delivery="logged" if message.channel == Channel.PHONE else "received",
    )  # fmt: skip
    session.add(row)
    session.flush()
    row.body_enc = seal(vault, conversation, "body_enc", message.body.strip() or None, row=row.id)
    conversation.status = "open"
    conversation.last_message_at = max(conversation.last_message_at, message.at)
    if message.direction == "in":
        conversation.unread += 1
    complaint = _complaint(session, conversation, message, new, rules)
    title = _title(message) if complaint else None
    interaction = _on_timeline(session, conversation, message, complaint=title)
    ticket_id = _ticket(session, conversation, message, complaint, title, interaction, default_hours)
    public_id = public_id_of(session, conversation.guest_id)
    audit.log_event(
        session, "inbox.message", guest_public_id=public_id, object_type="conversation",
        object_id=str(conversation.id), actor_username=f"inbound {message.channel}",
        details={"match": conversation.match, "new_conversation": new, "ticket": ticket_id},
    )  # fmt: skip
    return Received(conversation.id, row.id, public_id, conversation.match, new, False, ticket_id)


def public_id_of(session: Session, guest_id: int | None) -> str | None:
    """The guest's public ID (None for no guest)."""
    return None if guest_id is None else session.scalar(select(Guest.public_id).where(Guest.id == guest_id))


def _title(message: Inbound) -> str:
    return (message.subject or message.body).strip().splitlines()[0][:MAX_SUBJECT] or "Complaint"


def _complaint(
    session: Session, conversation: Conversation, message: Inbound, new: bool, rules: feedback.Rules | None
) -> feedback.Classification | None:
    """The classification of a new conversation's first message from the guest, when it reads as a
    complaint (a later message, a reply or a logged call is never classified)."""
    if not new or message.direction != "in" or message.channel == Channel.PHONE:
        return None
    found = feedback.classify(
        f"{message.subject or ''}\n{message.body}", rules or feedback.current_rules(session)
    )
    return found if found.sentiment == "complaint" else None


def _on_timeline(
    session: Session, conversation: Conversation, message: Inbound, *, complaint: str | None
) -> int | None:
    """The guest's timeline notes the contact, never its text (that stays sealed in the inbox); a
    complaint is logged as one, with its subject, so the arrivals list flags it on the next stay."""
    if conversation.guest_id is None:
        return None
    label = {"email": "E-mail", "sms": "SMS", "wechat": "WeChat", "phone": "Phone call"}[message.channel]
    way = "from" if message.direction == "in" else "to"
    text = f"{label} {way} the guest (inbox conversation {conversation.id})"
    kind = TIMELINE_KIND[Channel(message.channel)]
    if complaint is not None:
        text, kind = f"{complaint}\n({label}, inbox conversation {conversation.id})", "complaint"
    entry = profiles.NewInteraction(
        guest_id=conversation.guest_id, hotel_id=conversation.hotel_id, channel=message.channel,
        direction=message.direction, kind=kind, text=text, occurred_at=message.at,
        staff_user_id=message.staff_user_id,
    )  # fmt: skip
    return profiles.store_interactions(session, [entry])[0]


def _ticket(
    session: Session,
    conversation: Conversation,
    message: Inbound,
    complaint: feedback.Classification | None,
    title: str | None,
    interaction_id: int | None,
    default_hours: str,
) -> int | None:
    """The conversation's ticket: a later message is noted on it; the first message of a
    conversation that reads as a complaint opens one (the words that decided it are on the ticket)."""
    if conversation.ticket_id is not None:
        if message.direction == "in":
            note = f"New {message.channel} message from the guest (inbox conversation {conversation.id})"
            event = service.NewEvent(conversation.ticket_id, message.at, "message", note)
            service.record_events(session, [event])
        return conversation.ticket_id
    if complaint is None or title is None:
        return None
    code = session.scalar(select(Hotel.code).where(Hotel.id == conversation.hotel_id))
    spec = service.NewTicket(
        title=title,
        category=feedback.CATEGORY_OF_TOPIC.get(complaint.topic, "other"),
        priority="high",
        hotel_code=code,
        description=f"Opened from inbox conversation {conversation.id}: a complaint "
        f"(words: {', '.join(complaint.matched)}).",
        guest_public_id=public_id_of(session, conversation.guest_id),
        interaction_id=interaction_id,
    )
    ticket = service.create_ticket(
        session,
        scope=DataScope.group(),
        ticket=spec,
        actor_id=None,
        now=message.at,
        default_hours=default_hours,
    )
    conversation.ticket_id = ticket.id
    return ticket.id
