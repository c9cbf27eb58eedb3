"""Demo data: a few facts about the demo group's next arrivals (through the front desk's own
functions), so the prompts page, the arrivals list and the guest page show how prompts work."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from guestgraph.access import DataScope
from guestgraph.db.models import Guest, Hotel, Stay, StayGuest, StayStatus
from guestgraph.frontdesk import hotel_today
from guestgraph.profiles import add_interaction, add_preference
from guestgraph.prompts._generate import GenerateReport, generate_for_tomorrow

DEMO_DAYS = 7
FACTS = (
    ("preference", "allergy", "花生 / peanuts"),
    ("note", "note", "带一只小狗入住 / travels with a small dog"),
    ("preference", "diet", "素食 / vegetarian"),
)


def seed_demo(session: Session, *, now: datetime) -> GenerateReport:
    """Give the booked arrivals of the coming week a fact each (an allergy, a pet, a diet), then
    generate their prompts from today on."""
    primary = and_(StayGuest.stay_id == Stay.id, StayGuest.role == "primary")
    arrivals: list[tuple[str, str]] = []
    for hotel in session.scalars(select(Hotel).order_by(Hotel.code)):
        today = hotel_today(hotel, now)
        arrivals += session.execute(  # (public id, hotel code)
            select(Guest.public_id, Hotel.code)
            .select_from(Stay)
            .join(StayGuest, primary)
            .join(Guest, Guest.id == StayGuest.guest_id)
            .join(Hotel, Hotel.id == Stay.hotel_id)
            .where(
                Stay.hotel_id == hotel.id,
                Stay.arrival.between(today, today + timedelta(days=DEMO_DAYS - 1)),
                Stay.status == StayStatus.BOOKED,
            )
            .order_by(Stay.arrival, Stay.confirmation_number)
        ).all()
    scope = DataScope.group()
    for i, (public_id, code) in enumerate(arrivals):
        kind, category, text = FACTS[i % len(FACTS)]
        if kind == "preference":
            add_preference(
                session, scope=scope, public_id=public_id, category=category, value=text, created_by_id=None
            )
        else:
            add_interaction(
                session,
                scope=scope,
                public_id=public_id,
                kind=category,
                text=text,
                staff_user_id=None,
                hotel_code=code,
            )
    return generate_for_tomorrow(session, now=now, days=DEMO_DAYS, offset=0)
