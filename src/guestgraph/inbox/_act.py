"""What an agent does with a conversation: reply through the channel it came by, log a phone call,
turn it into a ticket, link it to the right guest, close or reopen it. Each is audited.

A reply is a service message to the guest's own message: consent and quiet hours, which gate
marketing, do not apply (the issue's rule); an erased guest's conversations no longer exist."""

from __future__ import annotations

import smtplib
import uuid
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from sqlalchemy import select
from sqlalchemy.orm import Session

from guestgraph import audit, pii, service
from guestgraph.access import DataScope, hotel_in_scope
from guestgraph.db.models import Channel, Conversation, Hotel, InboxMessage
from guestgraph.engage import DeliveryError, SmtpTransport
from guestgraph.gateway import GatewayError
from guestgraph.inbox._errors import CannotReply, InvalidMessage
from guestgraph.inbox._policy import InboxPolicy
from guestgraph.inbox._receive import MAX_BODY, Inbound, Received, public_id_of, receive
from guestgraph.inbox._seal import seal, unseal
from guestgraph.inbox._views import MessageLine, conversation_row
from guestgraph.profiles import visible_guest


@dataclass(frozen=True)
class Sent:
    message: MessageLine
    delivered: bool


def _references(session: Session, conversation_id: int) -> list[str]:
    return list(
        session.scalars(
            select(InboxMessage.external_id)
            .where(InboxMessage.conversation_id == conversation_id, InboxMessage.channel == Channel.EMAIL)
            .order_by(InboxMessage.at, InboxMessage.id)
        )
    )


def _mail(
    policy: InboxPolicy, hotel: Hotel, to: str, subject: str | None, text: str, refs: list[str], msgid: str
) -> EmailMessage:
    mail = EmailMessage()
    mail["From"] = f"{hotel.name_zh} / {hotel.name_en} <{policy.hotel_address(hotel.code)}>"
    mail["To"] = to
    base = subject or hotel.name_en
    mail["Subject"] = base if base.lower().startswith("re:") else f"Re: {base}"
    mail["Date"] = formatdate(localtime=False)
    mail["Message-ID"] = msgid
    if refs:
        mail["In-Reply-To"] = refs[-1]
        mail["References"] = " ".join(refs[-10:])
    mail.set_content(text)
    return mail


def _deliver(
    session: Session, policy: InboxPolicy, c: Conversation, text: str, external_id: str
) -> tuple[str, str | None]:
    """(external id, error) — the error is kept on the message, never raised past the record."""
    vault = pii.vault_of(session)
    contact = unseal(vault, c.key_ref, c.id, "counterpart_enc", c.counterpart_enc)
    if contact is None:
        raise CannotReply(f"Conversation {c.id} has no contact left (erased).", hint="Nothing can be sent.")
    if c.channel == Channel.EMAIL:
        hotel = session.get(Hotel, c.hotel_id)
        assert hotel is not None
        subject = unseal(vault, c.key_ref, c.id, "subject_enc", c.subject_enc)
        mail = _mail(policy, hotel, contact, subject, text, _references(session, c.id), external_id)
        try:
            with SmtpTransport(policy.smtp) as smtp:
                smtp.send(mail)
        except (DeliveryError, smtplib.SMTPException, OSError) as e:
            return external_id, str(e)[:300]
        return external_id, None
    gateway = policy.gateways.get(c.channel)
    if gateway is None:
        raise CannotReply(
            f"No {c.channel} gateway is configured, so the reply cannot be sent.",
            hint=f"Set GUESTGRAPH_{c.channel.upper()}_GATEWAY_URL and GUESTGRAPH_GATEWAY_SECRET.",
        )
    try:
        return gateway.send(to=contact, text=text, reference=external_id), None
    except GatewayError as e:
        return external_id, e.message[:300]


def reply(
    session: Session,
    *,
    scope: DataScope,
    conversation_id: int,
    text: str,
    actor_id: int | None,
    now: datetime,
    policy: InboxPolicy,
) -> Sent:
    """Send the agent's reply through the conversation's channel and keep it (sealed) in the thread;
    a failed delivery is kept as failed with the gateway's or server's answer. The reply counts as
    the first response on the conversation's ticket."""
    body = text.strip()
    if not body or len(body) > MAX_BODY:
        raise InvalidMessage(f"The reply needs 1 to {MAX_BODY} characters.", hint="Write the reply.")
    c = conversation_row(session, scope, conversation_id)
    if c.channel == Channel.PHONE:
        raise CannotReply(
            "A logged phone call cannot be answered from the inbox.", hint="Call the guest and log the call."
        )
    domain = policy.address.partition("@")[2] or "localhost"
    external_id, error = _deliver(session, policy, c, body, make_msgid(domain=domain))
    row = InboxMessage(
        conversation_id=c.id, channel=c.channel, direction="out", external_id=external_id, at=now,
        staff_user_id=actor_id, delivery="failed" if error else "sent", error=error,
    )  # fmt: skip
    session.add(row)
    session.flush()
    row.body_enc = seal(pii.vault_of(session), c, "body_enc", body, row=row.id)
    c.last_message_at, c.unread = max(c.last_message_at, now), 0
    if c.ticket_id is not None and error is None:
        service.add_comment(
            session, scope=scope, ticket_id=c.ticket_id, actor_id=actor_id, now=now,
            text=f"Replied to the guest by {c.channel} (inbox conversation {c.id}).",
        )  # fmt: skip
    audit.log_event(
        session, "inbox.reply", guest_public_id=public_id_of(session, c.guest_id), object_type="conversation",
        object_id=str(c.id), details={"channel": c.channel, "delivered": error is None},
    )  # fmt: skip
    line = MessageLine(row.id, "out", now, body, None, row.delivery, error)
    return Sent(line, error is None)


def log_call(
    session: Session,
    *,
    scope: DataScope,
    hotel_code: str,
    phone: str,
    direction: str,
    notes: str,
    actor_id: int | None,
    now: datetime,
    default_hours: str,
) -> Received:
    """Log a phone call with a guest: it joins the caller's open conversation (or starts one),
    matched to the guest by the number."""
    if direction not in ("in", "out"):
        raise InvalidMessage(f"Unknown call direction {direction!r}.", hint="Use in or out.")
    code = hotel_code.upper()
    hotel_in_scope(session, scope, code)
    message = Inbound(
        channel=Channel.PHONE, hotel_code=code, sender=phone, body=notes, external_id=f"call-{uuid.uuid4()}",
        at=now, direction=direction, staff_user_id=actor_id,
    )  # fmt: skip
    return receive(session, message, default_hours=default_hours)


def to_ticket(
    session: Session,
    *,
    scope: DataScope,
    conversation_id: int,
    category: str,
    priority: str,
    actor_id: int | None,
    now: datetime,
    default_hours: str,
    title: str | None = None,
) -> int:
    """The conversation's ticket, opened now if it has none (once per conversation)."""
    c = conversation_row(session, scope, conversation_id)
    if c.ticket_id is not None:
        return c.ticket_id
    vault = pii.vault_of(session)
    subject = unseal(vault, c.key_ref, c.id, "subject_enc", c.subject_enc)
    first = session.scalar(
        select(InboxMessage).where(InboxMessage.conversation_id == c.id).order_by(InboxMessage.at).limit(1)
    )
    opening = unseal(vault, c.key_ref, c.id, "body_enc", first.body_enc, row=first.id) if first else None
    heading = (title or subject or (opening or "").strip().split("\n")[0] or f"{c.channel} conversation")[
        :200
    ]
    code = session.scalar(select(Hotel.code).where(Hotel.id == c.hotel_id))
    spec = service.NewTicket(
        title=heading, category=category, priority=priority, hotel_code=code,
        description=f"From inbox conversation {c.id}.", guest_public_id=public_id_of(session, c.guest_id),
    )  # fmt: skip
    ticket = service.create_ticket(
        session, scope=scope, ticket=spec, actor_id=actor_id, now=now, default_hours=default_hours
    )
    c.ticket_id = ticket.id
    audit.log_event(
        session, "inbox.ticket", guest_public_id=public_id_of(session, c.guest_id),
        object_type="conversation", object_id=str(c.id), details={"ticket": ticket.id},
    )  # fmt: skip
    return ticket.id


def link_guest(session: Session, *, scope: DataScope, conversation_id: int, guest_public_id: str) -> str:
    """Link the conversation to a guest the agent identified (an unknown or shared contact)."""
    c = conversation_row(session, scope, conversation_id)
    guest = visible_guest(session, scope, guest_public_id)
    c.guest_id, c.match = guest.id, "linked"
    audit.log_event(
        session,
        "inbox.link",
        guest_public_id=guest.public_id,
        object_type="conversation",
        object_id=str(c.id),
    )
    return guest.public_id


def set_status(session: Session, *, scope: DataScope, conversation_id: int, status: str) -> str:
    if status not in ("open", "closed"):
        raise InvalidMessage(f"Unknown conversation status {status!r}.", hint="Use open or closed.")
    c = conversation_row(session, scope, conversation_id)
    c.status = status
    if status == "closed":
        c.unread = 0
    return status
