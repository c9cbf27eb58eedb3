"""Unsubscribe by the link in a mail: a consent withdrawal for that purpose and channel, no login."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from guestgraph.db.models import Campaign, CampaignMessage, ConsentDecision
from guestgraph.engage._errors import InvalidToken
from guestgraph.engage._tokens import message_of
from guestgraph.privacy import Channel, ConsentInput, Purpose, may_use, record_consent

SOURCE = "unsubscribe_link"


@dataclass(frozen=True)
class Unsubscription:
    message_id: int
    guest_id: int
    purpose: str
    channel: str
    subscribed: bool  # consent for purpose x channel is in force right now


def unsubscription(session: Session, token: str, *, key: bytes, now: datetime) -> Unsubscription:
    """What the link is for, and whether the guest is still subscribed."""
    message_id = message_of(key, token)
    row = session.execute(
        select(CampaignMessage.guest_id, Campaign.purpose, Campaign.channel)
        .join(Campaign, Campaign.id == CampaignMessage.campaign_id)
        .where(CampaignMessage.id == message_id)
    ).first()
    if row is None:
        raise InvalidToken(
            "This unsubscribe link no longer names a message.",
            hint="Your data may have been erased already; nothing more will be sent.",
        )
    guest_id, purpose, channel = row
    answer = may_use(session, guest_id, Purpose(purpose), Channel(channel), now=now)
    return Unsubscription(message_id, guest_id, purpose, channel, answer.granted)


def unsubscribe(session: Session, token: str, *, key: bytes, now: datetime) -> Unsubscription:
    """Record the withdrawal (once: a second click changes nothing) in the consent ledger."""
    target = unsubscription(session, token, key=key, now=now)
    if target.subscribed:
        entry = ConsentInput(
            Purpose(target.purpose),
            Channel(target.channel),
            ConsentDecision.WITHDRAWN,
            SOURCE,
            evidence=f"unsubscribe link of message {target.message_id}",
        )
        record_consent(session, guest_id=target.guest_id, entry=entry, recorded_by_id=None, now=now)
    return Unsubscription(target.message_id, target.guest_id, target.purpose, target.channel, False)
