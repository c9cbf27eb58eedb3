"""Bookings attributed to a campaign, last touch: a booking (a stay recorded in guestgraph, by its
`created_at`: when the PMS, OTA or push import first brought the reservation in) made by one of its
guests within the campaign's attribution window (N days, 14 by default) after the message reached
them, and with no later campaign message to that guest before the booking (the most recent campaign
message the guest got before booking takes the booking). A message that bounced or failed reached
nobody and is never a touch. Cancelled stays are not bookings. Counted in the viewer's data scope
(bookings at hotels they may see), with revenue as the stays' amount, per currency. One statement."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import ColumnElement, Interval, and_, exists, func, or_, select
from sqlalchemy.orm import Session, aliased

from guestgraph.access import DataScope, hotel_id_visible
from guestgraph.db.models import (
    Campaign,
    CampaignMessage,
    Delivery,
    MessageStatus,
    Stay,
    StayGuest,
    StayStatus,
)


@dataclass(frozen=True)
class Attributed:
    bookings: int = 0
    revenue: dict[str, Decimal] = field(default_factory=dict)  # by currency


def _touched(m: type[CampaignMessage]) -> ColumnElement[bool]:
    """A message that reached its guest (as far as we know): sent, neither bounced nor failed."""
    return and_(
        m.status == MessageStatus.SENT,
        or_(m.delivery.is_(None), m.delivery == Delivery.DELIVERED),
    )


def attributed_bookings(session: Session, campaign: Campaign, *, scope: DataScope) -> Attributed:
    touch, later = aliased(CampaignMessage), aliased(CampaignMessage)
    days = campaign.attribution_days
    if session.get_bind().dialect.name == "sqlite":  # dates are stored as text: compare Julian days
        within = func.julianday(Stay.created_at) - func.julianday(touch.sent_at) <= days
    else:
        within = Stay.created_at <= touch.sent_at + func.make_interval(0, 0, 0, days, type_=Interval)
    superseded = exists().where(
        later.guest_id == touch.guest_id,
        _touched(later),
        later.sent_at > touch.sent_at,
        later.sent_at < Stay.created_at,
    )
    booked = (
        select(Stay.id, Stay.amount, Stay.currency)
        .join(StayGuest, StayGuest.stay_id == Stay.id)
        .join(touch, touch.guest_id == StayGuest.guest_id)
        .where(
            touch.campaign_id == campaign.id,
            _touched(touch),
            Stay.created_at > touch.sent_at,
            within,
            Stay.status != StayStatus.CANCELLED,
            hotel_id_visible(Stay.hotel_id, scope),
            ~superseded,
        )
        .distinct()
        .subquery()
    )
    rows = session.execute(
        select(booked.c.currency, func.count(), func.sum(booked.c.amount)).group_by(booked.c.currency)
    ).all()
    revenue = {currency or "": Decimal(total) for currency, _, total in rows if total is not None}
    return Attributed(sum(n for _, n, _ in rows), revenue)
