"""The `{{ coupon }}` field of a campaign whose offer is set (guestgraph.offers): one coupon per
message, issued at send time after the consent gate, under the message's exactly-once claim.

The coupon is committed before the mail leaves, so a code a guest holds always exists: a sender that
dies after the send leaves the message `sending` (marked interrupted, never re-sent) and the coupon
valid. Issuing is keyed by the message, so a message queued again after the server could not be
reached gets the same coupon. A mail the server refuses, or a template that cannot be filled in,
voids its coupon. A guest already holding the offer's limit gets no coupon and no message: the message
is skipped with the reason "coupon limit reached" (likewise "offer paused", "offer ended",
"offer total limit reached"), never sent with an empty code.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from sqlalchemy.orm import Session

from guestgraph import offers
from guestgraph.db.models import CampaignMessage
from guestgraph.engage._render import GuestFields


def issue_for_message(session: Session, message: CampaignMessage, *, now: datetime) -> offers.Issued | None:
    """The message's coupon (committed), why none could be issued, or None: the campaign has no offer."""
    issued = offers.coupon_for_message(
        session, campaign_id=message.campaign_id, message_id=message.id, guest_id=message.guest_id, now=now
    )
    if issued is not None and issued.code is not None:
        session.commit()
    return issued


def with_coupon(fields: GuestFields, issued: offers.Issued | None) -> GuestFields:
    if issued is None or issued.code is None:
        return fields
    return replace(fields, coupon=offers.display(issued.code))


def void_unsent(session: Session, issued: offers.Issued | None, reason: str, now: datetime) -> None:
    """The mail did not go out: its coupon is withdrawn (committed with the message's outcome)."""
    if issued is not None and issued.coupon_id is not None:
        offers.void_coupon(session, issued.coupon_id, reason=reason, now=now)


SAMPLE = "XXXXX-XXXXX"


def sample_coupon(session: Session, campaign_id: int, fields: GuestFields) -> GuestFields:
    """A preview shows where the code goes (no coupon is issued for a preview or a test)."""
    return replace(fields, coupon=SAMPLE) if offers.campaign_offer(session, campaign_id) else fields
