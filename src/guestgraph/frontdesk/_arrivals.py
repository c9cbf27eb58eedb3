"""Today's and tomorrow's arrivals at one hotel, each with the guest's highlights: preferences to
prepare and alerts. A fixed number of queries however many arrivals (set-based)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Literal

from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from guestgraph.access import DataScope, mask_name, stay_visible
from guestgraph.db.models import Guest, GuestMention, Stay, StayGuest, StayStatus
from guestgraph.frontdesk._hotels import hotel_today, scoped_hotel
from guestgraph.profiles import Alert, PreferenceLine, Visit, alerts_for, list_preferences

Day = Literal["today", "tomorrow"]
LISTED = (StayStatus.BOOKED, StayStatus.IN_HOUSE, StayStatus.NO_SHOW)  # cancelled stays are not coming


@dataclass(frozen=True)
class ArrivalLine:
    confirmation_number: str
    arrival: date
    departure: date
    nights: int
    status: str
    room_number: str | None
    room_type: str | None
    rate_plan: str | None
    channel: str | None
    adults: int | None
    guest_public_id: str | None  # None: not yet resolved to a guest
    guest_name: str | None  # masked
    loyalty_tier: str | None
    vip_level: str | None
    preferences: list[PreferenceLine] = field(default_factory=list)
    alerts: list[Alert] = field(default_factory=list)


@dataclass(frozen=True)
class Arrivals:
    hotel_code: str
    hotel_name_zh: str
    hotel_name_en: str
    day: Day
    date: date
    lines: list[ArrivalLine]


def list_arrivals(
    session: Session, *, scope: DataScope, hotel_code: str, day: Day = "today", now: datetime | None = None
) -> Arrivals:
    """Stays arriving at the hotel on its today (or tomorrow), booked, in house or no-show, by name."""
    hotel = scoped_hotel(session, scope, hotel_code)
    today = hotel_today(hotel, now)
    when = today + timedelta(days=1 if day == "tomorrow" else 0)
    primary = and_(StayGuest.stay_id == Stay.id, StayGuest.role == "primary")
    sent_name = and_(GuestMention.source_record_id == Stay.source_record_id, GuestMention.person_index == 0)
    rows = session.execute(
        select(Stay, Guest, GuestMention.full_name)
        .join(StayGuest, primary, isouter=True)
        .join(Guest, Guest.id == StayGuest.guest_id, isouter=True)
        .join(GuestMention, sent_name, isouter=True)
        .where(Stay.hotel_id == hotel.id, Stay.arrival == when, Stay.status.in_(LISTED), stay_visible(scope))
        .order_by(Stay.status, Stay.confirmation_number)
    ).all()
    guest_ids = [g.id for _s, g, _n in rows if g is not None]
    preferences = list_preferences(session, guest_ids)
    visits = [Visit(g.id, today, s.arrival, s.departure) for s, g, _n in rows if g is not None]
    alerts = iter(alerts_for(session, scope=scope, visits=visits, preferences=preferences))
    lines = []
    for stay, guest, name_as_sent in rows:
        lines.append(
            ArrivalLine(
                stay.confirmation_number,
                stay.arrival,
                stay.departure,
                (stay.departure - stay.arrival).days,
                stay.status.value,
                stay.room_number,
                stay.room_type,
                stay.rate_plan,
                stay.channel,
                stay.adults,
                guest.public_id if guest else None,
                mask_name(guest.full_name if guest and guest.full_name else name_as_sent),
                guest.loyalty_tier if guest else None,
                guest.vip_level if guest else None,
                preferences.get(guest.id, []) if guest else [],
                next(alerts) if guest else [],
            )
        )
    return Arrivals(hotel.code, hotel.name_zh, hotel.name_en, day, when, lines)
