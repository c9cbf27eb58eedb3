"""Unsubscribe by the link in a mail (a consent withdrawal for that purpose and channel, no login),
or by answering an SMS with TD (a withdrawal of marketing by SMS)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import literal, select, update
from sqlalchemy.orm import Session

from guestgraph.db.models import Campaign, CampaignMessage, ConsentDecision, Guest, JourneyStepRun
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
        if target.kind == "campaign":  # counted on the campaign's results
            session.execute(
                update(CampaignMessage)
                .where(CampaignMessage.id == target.message_id, CampaignMessage.unsubscribed_at.is_(None))
                .values(unsubscribed_at=now)
                .execution_options(synchronize_session=False)
            )
    return Unsubscription(
        target.message_id, target.guest_id, target.purpose, target.channel, False, target.kind
    )


REPLY_SOURCE = "sms_reply"
OPT_OUT_WORDS = frozenset({"TD", "退订", "STOP", "UNSUBSCRIBE"})


def opt_out_by_reply(
    session: Session, *, guest_public_id: str, text: str, evidence: str, now: datetime
) -> bool:
    """An SMS from the guest that says only TD (退订, STOP): their marketing consent for SMS is
    withdrawn (once). True when a withdrawal was recorded."""
    if text.strip().upper() not in OPT_OUT_WORDS:
        return False
    guest_id = session.scalar(select(Guest.id).where(Guest.public_id == guest_public_id))
    if guest_id is None:
        return False
    answer = may_use(session, guest_id, Purpose.MARKETING, Channel.SMS, now=now)
    if answer.answer == "denied":
        return False
    entry = ConsentInput(
        Purpose.MARKETING, Channel.SMS, ConsentDecision.WITHDRAWN, REPLY_SOURCE, evidence=evidence
    )
    record_consent(session, guest_id=guest_id, entry=entry, recorded_by_id=None, now=now)
    return True
