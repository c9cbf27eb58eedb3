"""The hotel a front-desk action is about, through the caller's data scope."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from guestgraph import audit
from guestgraph.access import DataScope, hotel_in_scope, hotel_visible
from guestgraph.db.models import Hotel
from guestgraph.errors import Conflict


class HotelHasPmsFeed(Conflict):
    code = "hotel_has_pms_feed"


def operable_hotel(session: Session, scope: DataScope, code: str) -> Hotel:
    """The hotel in scope, if the front desk operates its stays (it has no PMS feed)."""
    hotel = hotel_in_scope(session, scope, code)
    if hotel.pms_feed:
        raise HotelHasPmsFeed(
            f"Hotel {code} receives its stays from a PMS feed, so reservations, check-ins, check-outs and "
            "charges are recorded in the PMS, not here.",
            hint="Use the PMS. An administrator can mark the hotel as having no PMS feed on the arrivals "
            "page (for example during a PMS outage).",
        )
    return hotel


def set_pms_feed(session: Session, scope: DataScope, code: str, *, pms_feed: bool) -> Hotel:
    """Say whether the hotel's stays come from a PMS feed; audited."""
    hotel = hotel_in_scope(session, scope, code)
    was, hotel.pms_feed = hotel.pms_feed, pms_feed
    session.flush()
    audit.log_event(
        session,
        "hotel.pms_feed",
        object_type="hotel",
        object_id=code,
        details={"pms_feed": pms_feed, "was": was},
    )
    return hotel


def first_hotel_code(session: Session, scope: DataScope) -> str | None:
    """The first hotel in scope by code (the default of the arrivals page)."""
    return session.scalar(select(Hotel.code).where(hotel_visible(scope)).order_by(Hotel.code).limit(1))


def hotel_today(hotel: Hotel, now: datetime | None = None) -> date:
    """Today's date at the hotel (its own time zone)."""
    zone = ZoneInfo(hotel.timezone or "Asia/Shanghai")
    return (now or datetime.now(zone)).astimezone(zone).date()


@dataclass(frozen=True)
class HotelChoice:
    code: str
    name_zh: str
    name_en: str
    pms_feed: bool = False  # stays come from its PMS: no stay operations at this desk


def hotel_choices(session: Session, scope: DataScope) -> list[HotelChoice]:
    """The hotels in scope for a form's select (no counts: cheap on every page)."""
    rows = session.execute(
        select(Hotel.code, Hotel.name_zh, Hotel.name_en, Hotel.pms_feed)
        .where(hotel_visible(scope))
        .order_by(Hotel.code)
    )
    return [HotelChoice(code, zh, en, fed) for code, zh, en, fed in rows]
