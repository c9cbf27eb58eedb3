"""The question asked before every send: may this guest get this message now? A reason when not."""

from __future__ import annotations

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
from guestgraph.privacy import Channel, Purpose, may_use

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
REASONS = (
    NO_CONSENT, WITHDRAWN, ERASED, MERGED, CAPPED, NO_ADDRESS, INTERRUPTED, REFUSED, TEMPLATE,
    NO_PHONE, NO_GATEWAY, GATEWAY_REFUSED, GATEWAY_NO_ANSWER, TOO_LONG,
)  # fmt: skip


def sent_recently(
    session: Session, guest_id: int, purpose: str, *, now: datetime, policy: EngagePolicy
) -> int:
    """Messages of `purpose` sent to the guest within the cap's window: by campaigns and by journeys."""
    since = now - policy.frequency_window
    campaigns = (
        select(func.count())
        .select_from(CampaignMessage)
        .join(Campaign, Campaign.id == CampaignMessage.campaign_id)
        .where(
            CampaignMessage.guest_id == guest_id,
            CampaignMessage.status == MessageStatus.SENT,
            CampaignMessage.sent_at >= since,
            Campaign.purpose == purpose,
        )
    )
    journeys = select(func.count()).where(
        JourneyStepRun.guest_id == guest_id,
        JourneyStepRun.outcome == "sent",
        JourneyStepRun.sent_at >= since,
        JourneyStepRun.purpose == purpose,
    )
    return int(session.scalar(campaigns) or 0) + int(session.scalar(journeys) or 0)


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
    if guest.status is GuestStatus.ERASED:
        return ERASED
    if guest.status is GuestStatus.MERGED:
        return MERGED
    answer = may_use(session, guest.id, purpose, channel, now=now)
    if answer.answer == "unknown":
        return NO_CONSENT
    if not answer.granted:
        return WITHDRAWN
    # sealed: whether the address is there is known without opening it; WeChat is addressed by the
    # mobile number the guest's WeChat account is bound to (we hold no openid)
    if channel is Channel.EMAIL and guest.email_enc is None:
        return NO_ADDRESS
    if channel in (Channel.SMS, Channel.WECHAT) and guest.phone_enc is None:
        return NO_PHONE
    if sent_recently(session, guest.id, purpose.value, now=now, policy=policy) >= policy.frequency_cap:
        return CAPPED
    return None
