"""The audience: active guests in the staff member's scope chosen by hotel and last-stay window
(or given by a segment), queued as one message row each, set-based and idempotent."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import Select, func, insert, literal, select, update
from sqlalchemy.orm import Session

from guestgraph.access import DataScope, guest_visible
from guestgraph.db.models import (
    Campaign,
    CampaignMessage,
    CampaignStatus,
    Guest,
    GuestStatus,
    MessageStatus,
    Stay,
    StayGuest,
)
from guestgraph.engage._campaigns import load_campaign


def audience(campaign: Campaign, *, scope: DataScope, guest_ids: Iterable[int] | None = None) -> Select[int]:
    """The ids of the campaign's audience. `guest_ids` (a segment's members) replaces the filter."""
    query = select(Guest.id).where(Guest.status == GuestStatus.ACTIVE, guest_visible(scope))
    if guest_ids is not None:
        return query.where(Guest.id.in_(list(guest_ids)))
    if campaign.hotel_id is None and campaign.last_stay_from is None and campaign.last_stay_to is None:
        return query
    last = (
        select(StayGuest.guest_id.label("guest_id"), func.max(Stay.departure).label("last_departure"))
        .join(Stay, Stay.id == StayGuest.stay_id)
        .group_by(StayGuest.guest_id)
    )
    if campaign.hotel_id is not None:
        last = last.where(Stay.hotel_id == campaign.hotel_id)
    stays = last.subquery()
    window = []
    if campaign.last_stay_from is not None:
        window.append(stays.c.last_departure >= campaign.last_stay_from)
    if campaign.last_stay_to is not None:
        window.append(stays.c.last_departure <= campaign.last_stay_to)
    return query.join(stays, stays.c.guest_id == Guest.id).where(*window)


def queue_campaign(
    session: Session,
    campaign_id: int,
    *,
    scope: DataScope,
    now: datetime,
    guest_ids: Iterable[int] | None = None,
) -> int:
    """Queue one message per audience guest not yet queued; returns how many were added.
    Consent, erasure and the frequency cap are asked again by the sender, just before each send."""
    campaign = load_campaign(session, campaign_id, scope=scope)
    return queue_audience(session, campaign, scope=scope, now=now, guest_ids=guest_ids)


def queue_audience(
    session: Session,
    campaign: Campaign,
    *,
    scope: DataScope,
    now: datetime,
    guest_ids: Iterable[int] | None = None,
) -> int:
    """`queue_campaign` for a campaign already loaded (a scheduled one, as its hotel or the group)."""
    members = audience(campaign, scope=scope, guest_ids=guest_ids).subquery()
    already = select(CampaignMessage.guest_id).where(CampaignMessage.campaign_id == campaign.id)
    rows = select(
        literal(campaign.id), members.c.id, literal(MessageStatus.QUEUED.value), literal(now)
    ).where(members.c.id.not_in(already))
    added = session.scalars(
        insert(CampaignMessage)
        .from_select(["campaign_id", "guest_id", "status", "queued_at"], rows)
        .returning(CampaignMessage.id)
    ).all()
    session.execute(
        update(Campaign)
        .where(Campaign.id == campaign.id)
        .values(status=CampaignStatus.QUEUED, queued_at=now, updated_at=now)
    )
    session.flush()
    return len(added)
