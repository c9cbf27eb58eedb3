"""Unsubscribe by the link in a mail: a consent withdrawal for that purpose and channel, no login."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import literal, select
from sqlalchemy.orm import Session

from guestgraph.db.models import Campaign, CampaignMessage, ConsentDecision, JourneyStepRun
from guestgraph.engage._errors import InvalidToken
from guestgraph.engage._tokens import target_of
from guestgraph.privacy import Channel, ConsentInput, Purpose, may_use, record_consent

SOURCE = "unsubscribe_link"


@dataclass(frozen=True)
class Unsubscription:
    message_id: int
    guest_id: int
    purpose: str
    channel: str
    subscribed: bool  # consent for purpose x channel is in force right now
    kind: str = "campaign"  # or "journey": the message was a journey step's


def unsubscription(session: Session, token: str, *, key: bytes, now: datetime) -> Unsubscription:
    """What the link is for, and whether the guest is still subscribed."""
    kind, message_id = target_of(key, token)
    if kind == "journey":
        row = session.execute(
            select(JourneyStepRun.guest_id, JourneyStepRun.purpose, literal("email")).where(
                JourneyStepRun.id == message_id, JourneyStepRun.purpose.is_not(None)
            )
        ).first()
    else:
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
    purpose = str(purpose)
    answer = may_use(session, guest_id, Purpose(purpose), Channel(channel), now=now)
    return Unsubscription(message_id, guest_id, purpose, channel, answer.granted, kind)


def unsubscribe(session: Session, token: str, *, key: bytes, now: datetime) -> Unsubscription:
    """Record the withdrawal (once: a second click changes nothing) in the consent ledger."""
    target = unsubscription(session, token, key=key, now=now)
    if target.subscribed:
        entry = ConsentInput(
            Purpose(target.purpose),
            Channel(target.channel),
            ConsentDecision.WITHDRAWN,
            SOURCE,
            evidence=f"unsubscribe link of {target.kind} message {target.message_id}",
        )
        record_consent(session, guest_id=target.guest_id, entry=entry, recorded_by_id=None, now=now)
    return Unsubscription(
        target.message_id, target.guest_id, target.purpose, target.channel, False, target.kind
    )
