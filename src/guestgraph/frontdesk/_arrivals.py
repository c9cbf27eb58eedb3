"""Today's and tomorrow's arrivals at one hotel, each with the guest's highlights: preferences to
prepare and alerts, and what the folio already holds (a deposit paid). A fixed number of queries
however many arrivals (set-based)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Literal

from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from guestgraph.access import DataScope, hotel_in_scope, mask_name, stay_visible
from guestgraph.db.models import Guest, GuestMention, Stay, StayGuest, StayStatus
from guestgraph.frontdesk._hotels import hotel_today
from guestgraph.profiles import (
    Alert,
    FolioBalance,
    PreferenceLine,
    Visit,
    alerts_for,
    folio_balances,
    list_preferences,
)

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
    paid: Decimal | None = None  # received against the folio so far (a deposit); None: nothing on it
    balance: Decimal | None = None  # charges less payments; below zero a credit
    currency: str | None = None


@dataclass(frozen=True)
class Arrivals:
    hotel_code: str
    hotel_name_zh: str
    hotel_name_en: str
    day: Day
    date: date
    lines: list[ArrivalLine]
    pms_feed: bool = False  # stays come from the hotel's PMS: operate them there


def list_arrivals(
    session: Session, *, scope: DataScope, hotel_code: str, day: Day = "today", now: datetime | None = None
) -> Arrivals:
    """Stays arriving at the hotel on its today (or tomorrow), booked, in house or no-show, by name."""
    hotel = hotel_in_scope(session, scope, hotel_code)
    today = hotel_today(hotel, now)
    when = today + timedelta(days=1 if day == "tomorrow" else 0)
    primary = and_(StayGuest.stay_id == Stay.id, StayGuest.role == "primary")
    sent_name = and_(GuestMention.source_record_id == Stay.source_record_id, GuestMention.person_index == 0)
    rows = session.execute(
        select(
            Stay.id,
            Stay.confirmation_number,
            Stay.arrival,
            Stay.departure,
            Stay.status,
            Stay.room_number,
            Stay.room_type,
            Stay.rate_plan,
            Stay.channel,
            Stay.adults,
            Guest.id.label("guest_id"),
            Guest.public_id,
            Guest.full_name,
            Guest.loyalty_tier,
            Guest.vip_level,
            GuestMention.full_name.label("name_as_sent"),
        )  # the columns shown, not whole entities: the list is read-only
        .join(StayGuest, primary, isouter=True)
        .join(Guest, Guest.id == StayGuest.guest_id, isouter=True)
        .join(GuestMention, sent_name, isouter=True)
        .where(Stay.hotel_id == hotel.id, Stay.arrival == when, Stay.status.in_(LISTED), stay_visible(scope))
        .order_by(Stay.status, Stay.confirmation_number)
    ).all()
    guest_ids = [r.guest_id for r in rows if r.guest_id is not None]
    preferences = list_preferences(session, guest_ids)
    visits = [Visit(r.guest_id, today, r.arrival, r.departure) for r in rows if r.guest_id is not None]
    alerts = iter(alerts_for(session, scope=scope, visits=visits, preferences=preferences))
    folios = folio_balances(session, [r.id for r in rows])
    lines = []
    for r in rows:
        known = r.guest_id is not None
        lines.append(
            ArrivalLine(
                r.confirmation_number,
                r.arrival,
                r.departure,
                (r.departure - r.arrival).days,
                r.status.value,
                r.room_number,
                r.room_type,
                r.rate_plan,
                r.channel,
                r.adults,
                r.public_id if known else None,
                mask_name(r.full_name if known and r.full_name else r.name_as_sent),
                r.loyalty_tier if known else None,
                r.vip_level if known else None,
                preferences.get(r.guest_id, []) if known else [],
                next(alerts) if known else [],
                *_folio(folios.get(r.id)),
            )
        )
    return Arrivals(hotel.code, hotel.name_zh, hotel.name_en, day, when, lines, hotel.pms_feed)


def _folio(folio: FolioBalance | None) -> tuple[Decimal | None, Decimal | None, str | None]:
    """Paid, balance and currency of an arrival's folio (all None when it holds nothing yet)."""
    if folio is None:
        return None, None, None
    return folio.payments, folio.balance, folio.currency
