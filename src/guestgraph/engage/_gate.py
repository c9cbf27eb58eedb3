"""The question asked before every send: may this guest get this message now? A reason when not.

Asked for a batch of guests at once (`gate`: a handful of set-based queries, the consent ledger read
by `privacy.consent_answers`, the batch form of `privacy.may_use`: unknown is no), or for one guest
(`reason_to_skip`)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from guestgraph.db.models import (
    Campaign,
    CampaignMessage,
    Guest,
    GuestStatus,
    JourneyStepRun,
    MessageStatus,
)
from guestgraph.engage._policy import EngagePolicy
from guestgraph.privacy import Channel, Purpose, consent_answers

# The reasons recorded on a skipped or failed message (translated on the results page).
NO_CONSENT = "no consent recorded"
WITHDRAWN = "consent withdrawn"
ERASED = "guest erased"
MERGED = "guest merged into another"
CAPPED = "frequency cap reached"
NO_ADDRESS = "no e-mail address"
INTERRUPTED = "interrupted while sending (not retried)"
REFUSED = "refused by the mail server"
TEMPLATE = "the template could not be filled in"
NO_PHONE = "no phone number"
NO_GATEWAY = "no gateway configured"  # SMS/WeChat: nothing leaves without the channel's gateway
GATEWAY_REFUSED = "refused by the gateway"
GATEWAY_NO_ANSWER = "no answer from the gateway (not retried)"
TOO_LONG = "too long for a text message"
BOUNCED = "address bounced"  # a campaign mail to the guest's current address hard-bounced (DSN 5.x.x)
REASONS = (
    NO_CONSENT, WITHDRAWN, ERASED, MERGED, CAPPED, NO_ADDRESS, INTERRUPTED, REFUSED, TEMPLATE,
    NO_PHONE, NO_GATEWAY, GATEWAY_REFUSED, GATEWAY_NO_ANSWER, TOO_LONG, BOUNCED,
)  # fmt: skip


def sent_recently(
    session: Session, guest_id: int, purpose: str, *, now: datetime, policy: EngagePolicy
) -> int:
    """Messages of `purpose` sent to the guest within the cap's window: by campaigns and by journeys."""
    return _recent(session, [guest_id], purpose, now=now, policy=policy).get(guest_id, 0)


def _recent(
    session: Session, guest_ids: list[int], purpose: str, *, now: datetime, policy: EngagePolicy
) -> Counter[int]:
    """`sent_recently` for many guests: two grouped counts."""
    since = now - policy.frequency_window
    campaigns = (
        select(CampaignMessage.guest_id, func.count())
        .join(Campaign, Campaign.id == CampaignMessage.campaign_id)
        .where(
            CampaignMessage.guest_id.in_(guest_ids),
            CampaignMessage.status == MessageStatus.SENT,
            CampaignMessage.sent_at >= since,
            Campaign.purpose == purpose,
        )
        .group_by(CampaignMessage.guest_id)
    )
    journeys = (
        select(JourneyStepRun.guest_id, func.count())
        .where(
            JourneyStepRun.guest_id.in_(guest_ids),
            JourneyStepRun.outcome == "sent",
            JourneyStepRun.sent_at >= since,
            JourneyStepRun.purpose == purpose,
        )
        .group_by(JourneyStepRun.guest_id)
    )
    counts: Counter[int] = Counter()
    for query in (campaigns, journeys):
        for guest_id, n in session.execute(query):
            counts[guest_id] += n
    return counts


def _bounced(session: Session, guest_ids: list[int]) -> set[int]:
    """Guests whose current e-mail address hard-bounced a campaign message (DSN status 5.x.x)."""
    query = (
        select(CampaignMessage.guest_id)
        .join(Guest, Guest.id == CampaignMessage.guest_id)
        .where(CampaignMessage.guest_id.in_(guest_ids), CampaignMessage.bounced_bidx == Guest.email_bidx)
        .distinct()
    )
    return set(session.scalars(query))


@dataclass(frozen=True)
class Gate:
    """The gate's answer for a batch of guests, asked in a handful of set-based queries. `reasons`
    holds every guest who may not be sent anything now; the frequency cap is applied by `reason`,
    adding what the batch itself has sent the guest since (`sent_since`)."""

    reasons: dict[int, str]
    recent: Counter[int]
    cap: int

    def reason(self, guest_id: int, *, sent_since: int = 0) -> str | None:
        if guest_id in self.reasons:
            return self.reasons[guest_id]
        return CAPPED if self.recent[guest_id] + sent_since >= self.cap else None


def gate(
    session: Session,
    guests: Sequence[Guest],
    *,
    purpose: Purpose,
    channel: Channel,
    now: datetime,
    policy: EngagePolicy,
) -> Gate:
    """May each of these guests be sent a message of `purpose` over `channel` now? (See `Gate`.)"""
    reasons: dict[int, str] = {}
    for g in guests:
        if g.status is GuestStatus.ERASED:
            reasons[g.id] = ERASED
        elif g.status is GuestStatus.MERGED:
            reasons[g.id] = MERGED
    asked = [g.id for g in guests if g.id not in reasons]
    answers = consent_answers(session, asked, purpose, channel, now=now)
    for g in guests:
        if g.id in reasons:
            continue
        answer = answers.get(g.id, "unknown")
        if answer == "unknown":
            reasons[g.id] = NO_CONSENT
        elif answer != "granted":
            reasons[g.id] = WITHDRAWN
        # sealed: whether the address is there is known without opening it; WeChat is addressed by
        # the mobile number the guest's WeChat account is bound to (we hold no openid)
        elif channel is Channel.EMAIL and g.email_enc is None:
            reasons[g.id] = NO_ADDRESS
        elif channel in (Channel.SMS, Channel.WECHAT) and g.phone_enc is None:
            reasons[g.id] = NO_PHONE
    if channel is Channel.EMAIL:
        for guest_id in _bounced(session, [g.id for g in guests if g.id not in reasons]):
            reasons[guest_id] = BOUNCED
    left = [g.id for g in guests if g.id not in reasons]
    recent = _recent(session, left, purpose.value, now=now, policy=policy) if left else Counter()
    return Gate(reasons, recent, policy.frequency_cap)


def reason_to_skip(
    session: Session,
    guest: Guest,
    *,
    purpose: Purpose,
    channel: Channel,
    now: datetime,
    policy: EngagePolicy,
) -> str | None:
    """None when the guest may be sent this message now; otherwise the reason to record."""
    answer = gate(session, [guest], purpose=purpose, channel=channel, now=now, policy=policy)
    return answer.reason(guest.id)
