"""What the inbox pages and the API show: conversations in the caller's data scope, newest first,
the counterpart masked, and one conversation's messages opened for the agent working it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from guestgraph import audit, pii
from guestgraph.access import DataScope, hotel_id_visible, mask_email, mask_name, mask_phone
from guestgraph.db.models import Channel, Conversation, Guest, Hotel, InboxMessage, StaffUser
from guestgraph.inbox._errors import ConversationNotFound
from guestgraph.inbox._receive import CHANNELS
from guestgraph.inbox._seal import unseal

PAGE = 100
STATUSES = ("open", "closed")


@dataclass(frozen=True)
class ConversationLine:
    id: int
    hotel: str
    channel: str
    counterpart: str | None  # masked
    subject: str | None
    guest_id: str | None
    guest_name: str | None  # masked
    match: str
    candidates: int
    status: str
    unread: int
    ticket_id: int | None
    last_message_at: datetime


@dataclass(frozen=True)
class MessageLine:
    id: int
    direction: str
    at: datetime
    text: str | None
    staff: str | None
    delivery: str
    error: str | None


@dataclass(frozen=True)
class ConversationView:
    conversation: ConversationLine
    messages: list[MessageLine]


def masked(channel: str, contact: str | None) -> str | None:
    if contact is None:
        return None
    if channel == Channel.EMAIL:
        return mask_email(contact)
    if channel in (Channel.SMS, Channel.PHONE):
        return mask_phone(contact)
    return contact[:3] + "*" * max(len(contact) - 3, 1)


def _select(scope: DataScope):  # type: ignore[no-untyped-def]
    return (
        select(Conversation, Hotel.code, Guest.public_id, Guest.full_name)
        .join(Hotel, Hotel.id == Conversation.hotel_id)
        .join(Guest, Guest.id == Conversation.guest_id, isouter=True)
        .where(hotel_id_visible(Conversation.hotel_id, scope))
    )


def _line(
    session: Session, c: Conversation, hotel: str, public_id: str | None, name: str | None
) -> ConversationLine:
    vault = pii.vault_of(session)
    contact = unseal(vault, c.key_ref, c.id, "counterpart_enc", c.counterpart_enc)
    subject = unseal(vault, c.key_ref, c.id, "subject_enc", c.subject_enc)
    return ConversationLine(
        c.id, hotel, c.channel, masked(c.channel, contact), subject, public_id, mask_name(name), c.match,
        c.candidates, c.status, c.unread, c.ticket_id, c.last_message_at,
    )  # fmt: skip


def list_conversations(
    session: Session,
    *,
    scope: DataScope,
    status: str | None = "open",
    hotel_code: str | None = None,
    channel: str | None = None,
    guest_id: int | None = None,
    limit: int = PAGE,
) -> list[ConversationLine]:
    """Conversations in scope, the latest message first (index `ix_conversation_hotel_last`)."""
    query = _select(scope)
    if status in STATUSES:
        query = query.where(Conversation.status == status)
    if hotel_code:
        query = query.where(Hotel.code == hotel_code)
    if channel in CHANNELS:
        query = query.where(Conversation.channel == channel)
    if guest_id is not None:
        query = query.where(Conversation.guest_id == guest_id)
    rows = session.execute(
        query.order_by(Conversation.last_message_at.desc(), Conversation.id.desc()).limit(limit)
    )
    found = rows.all()
    pii.preload(pii.vault_of(session), (c.key_ref for c, *_ in found))
    return [_line(session, c, hotel, pid, name) for c, hotel, pid, name in found]


def _missing(conversation_id: int) -> ConversationNotFound:
    return ConversationNotFound(
        f"No conversation {conversation_id} in your data scope.", hint="Open it from the inbox list."
    )


def conversation_row(session: Session, scope: DataScope, conversation_id: int) -> Conversation:
    found = session.scalar(
        select(Conversation).where(
            Conversation.id == conversation_id, hotel_id_visible(Conversation.hotel_id, scope)
        )
    )
    if found is None:
        raise _missing(conversation_id)
    return found


def get_conversation(
    session: Session, *, scope: DataScope, conversation_id: int, mark_read: bool = False
) -> ConversationView:
    """The conversation and its messages opened (reading it is an `inbox.read` audit event when it
    is about a guest; `mark_read` clears its unread count)."""
    found = session.execute(_select(scope).where(Conversation.id == conversation_id)).first()
    if found is None:
        raise _missing(conversation_id)
    c, hotel, public_id, name = found
    staff = aliased(StaffUser)
    rows = session.execute(
        select(InboxMessage, staff.display_name)
        .join(staff, staff.id == InboxMessage.staff_user_id, isouter=True)
        .where(InboxMessage.conversation_id == c.id)
        .order_by(InboxMessage.at, InboxMessage.id)
    ).all()
    vault = pii.vault_of(session)
    messages = [
        MessageLine(
            m.id,
            m.direction,
            m.at,
            unseal(vault, c.key_ref, c.id, "body_enc", m.body_enc, row=m.id),
            who,
            m.delivery,
            m.error,
        )  # fmt: skip
        for m, who in rows
    ]
    if mark_read and c.unread:
        c.unread = 0
    if public_id is not None:
        audit.log_event(
            session, "inbox.read", guest_public_id=public_id, object_type="conversation", object_id=str(c.id)
        )
    return ConversationView(_line(session, c, hotel, public_id, name), messages)
