"""Stage 1 of a refresh, first half: every active guest's stay, spend and complaint facts, as one SELECT
(grouped subqueries left-joined to `guest`); `_scores` adds scores and stage and inserts the rows.

Counted stays are checked-out or in-house stays that have begun by `as_of`, on which the guest was a
guest (primary or additional), not only the booker.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    CTE,
    Date,
    Float,
    Integer,
    Select,
    Subquery,
    and_,
    case,
    cast,
    func,
    literal,
    or_,
    select,
)

from guestgraph.analytics._sqlfuncs import day_of_week, days_between, least, weekend_nights
from guestgraph.db.models import Charge, Guest, GuestStatus, Interaction, Stay, StayGuest

COUNTED = ("checked_out", "in_house")
LOST = ("cancelled", "no_show")


@dataclass(frozen=True)
class Vocabulary:
    """Which rate plans and channels mean corporate, OTA and direct (from the rule file)."""

    corporate_rate_plans: tuple[str, ...] = ()
    corporate_channels: tuple[str, ...] = ()
    ota_channels: tuple[str, ...] = ()
    direct_channels: tuple[str, ...] = ()


def _in(column: Any, values: tuple[str, ...]) -> Any:
    return func.lower(column).in_([v.lower() for v in values]) if values else literal(False)


def _stay_facts(as_of: date, words: Vocabulary, only: Any = None) -> Subquery:
    today = literal(as_of, Date)
    primary = func.max(case((StayGuest.role == "primary", 1), else_=0))
    links = (
        select(StayGuest.guest_id, StayGuest.stay_id, primary.label("is_primary"))
        .where(StayGuest.role != "booker", *_for(StayGuest.guest_id, only))
        .group_by(StayGuest.guest_id, StayGuest.stay_id)
        .subquery()
    )
    room_lines = select(Charge.stay_id).where(Charge.outlet == "room").distinct().subquery()
    counted = and_(Stay.status.in_(COUNTED), Stay.arrival <= today)
    nights = days_between(Stay.arrival, Stay.departure)
    ranked = (
        select(
            links.c.guest_id,
            Stay.arrival,
            Stay.departure,
            nights.label("nights"),
            Stay.hotel_id,
            Stay.children,
            Stay.channel,
            Stay.rate_plan,
            case((counted, 1), else_=0).label("counted"),
            case(
                (
                    and_(links.c.is_primary == 1, room_lines.c.stay_id.is_(None)),
                    func.coalesce(Stay.amount, 0),
                ),
                else_=0,
            ).label("room"),
            func.dense_rank()
            .over(partition_by=(links.c.guest_id, counted), order_by=Stay.arrival.desc())
            .label("recent"),
        )
        .join(Stay, Stay.id == links.c.stay_id)
        .outerjoin(room_lines, room_lines.c.stay_id == Stay.id)
        .subquery()
    )
    r = ranked.c
    yes = r.counted == 1

    def count_if(cond: Any) -> Any:
        return func.sum(case((and_(yes, cond), 1), else_=0))

    corporate = or_(_in(r.rate_plan, words.corporate_rate_plans), _in(r.channel, words.corporate_channels))
    return (
        select(
            r.guest_id,
            func.count().label("bookings"),
            func.sum(r.counted).label("stays"),
            func.sum(case((yes, r.nights), else_=0)).label("nights"),
            func.min(case((yes, r.arrival))).label("first_arrival"),
            func.max(case((yes, r.arrival))).label("last_arrival"),
            func.max(case((and_(yes, r.recent == 2), r.arrival))).label("previous_arrival"),
            func.max(case((yes, least(r.departure, today)))).label("last_departure"),
            func.max(case((yes, r.nights), else_=0)).label("longest_stay"),
            func.sum(case((yes, weekend_nights(day_of_week(r.arrival), r.nights)), else_=0)).label("weekend"),
            count_if(r.children > 0).label("child_stays"),
            count_if(corporate).label("corporate_stays"),
            count_if(_in(r.channel, words.ota_channels)).label("ota_stays"),
            count_if(_in(r.channel, words.direct_channels)).label("direct_stays"),
            func.sum(case((yes, r.room), else_=0)).label("room"),
        )
        .group_by(r.guest_id)
        .subquery("stay_facts")
    )


def _home_hotel(as_of: date, only: Any = None) -> Subquery:
    """Each guest's hotel with the most counted stays (then the most recent, then the lowest id)."""
    per_hotel = (
        select(
            StayGuest.guest_id,
            Stay.hotel_id,
            func.row_number()
            .over(
                partition_by=StayGuest.guest_id,
                order_by=(
                    func.count(func.distinct(Stay.id)).desc(),
                    func.max(Stay.arrival).desc(),
                    Stay.hotel_id,
                ),
            )
            .label("rn"),
        )
        .join(Stay, Stay.id == StayGuest.stay_id)
        .where(
            StayGuest.role != "booker",
            Stay.status.in_(COUNTED),
            Stay.arrival <= literal(as_of, Date),
            *_for(StayGuest.guest_id, only),
        )
        .group_by(StayGuest.guest_id, Stay.hotel_id)
        .subquery()
    )
    return select(per_hotel.c.guest_id, per_hotel.c.hotel_id).where(per_hotel.c.rn == 1).subquery("home")


def _spend(only: Any = None) -> Subquery:
    """Folio lines charged to the guest, by outlet, leaving out cancelled and no-show stays."""
    lost = select(Stay.id).where(Stay.status.in_(LOST))  # one list, not a lookup per line

    def outlet(*names: str) -> Any:
        return func.sum(case((Charge.outlet.in_(names), Charge.amount), else_=0))

    return (
        select(
            Charge.guest_id,
            outlet("room").label("room"),
            outlet("fnb").label("fnb"),
            outlet("spa").label("spa"),
            outlet("minibar", "other").label("other"),
        )
        .where(
            Charge.guest_id.is_not(None),
            or_(Charge.stay_id.is_(None), Charge.stay_id.not_in(lost)),
            *_for(Charge.guest_id, only),
        )
        .group_by(Charge.guest_id)
        .subquery("spend")
    )


def _complaints(only: Any = None) -> Subquery:
    return (
        select(Interaction.guest_id, func.count().label("n"))
        .where(Interaction.kind == "complaint", *_for(Interaction.guest_id, only))
        .group_by(Interaction.guest_id)
        .subquery("complaints")
    )


def _money(*parts: Any) -> Any:
    total: Any = literal(0)
    for part in parts:
        total = total + func.coalesce(part, 0)
    return func.round(total, 2)


def _for(column: Any, only: Any) -> list[Any]:
    """Restrict a pass to some guests (`only`: a SELECT of guest ids), or to none of them (None: all)."""
    return [] if only is None else [column.in_(only)]


def metrics_source(*, as_of: date, words: Vocabulary, only: Any = None) -> CTE:
    """One row of facts per active guest (everything in guest_metrics but scores and stage), from
    their stays, folio lines and complaints; `only` (a SELECT of guest ids) limits it to those guests
    (an incremental refresh)."""
    # computed once, then scored; flattened, SQLite re-joins per row
    return _facts(as_of, words, only).cte("facts").prefix_with("MATERIALIZED")


def _facts(as_of: date, words: Vocabulary, only: Any) -> Select[Any]:
    sf, home = _stay_facts(as_of, words, only), _home_hotel(as_of, only)
    spend, comp = _spend(only), _complaints(only)
    stays = func.coalesce(sf.c.stays, 0)
    nights = func.coalesce(sf.c.nights, 0)
    interval = case(
        (stays >= 2, days_between(sf.c.first_arrival, sf.c.last_arrival) // (stays - 1)), else_=None
    )
    weekday = case((nights > 0, cast(nights - sf.c.weekend, Float) / nights), else_=None)
    columns: dict[str, Any] = {
        "guest_id": Guest.id,
        "home_hotel_id": home.c.hotel_id,
        "bookings": func.coalesce(sf.c.bookings, 0),
        "stays": stays,
        "nights": nights,
        "first_arrival": sf.c.first_arrival,
        "last_arrival": sf.c.last_arrival,
        "previous_arrival": sf.c.previous_arrival,
        "last_departure": sf.c.last_departure,
        "days_since": days_between(sf.c.last_departure, literal(as_of, Date)),
        "usual_interval_days": cast(interval, Integer),
        "longest_stay": func.coalesce(sf.c.longest_stay, 0),
        "weekday_share": weekday,
        "child_stays": func.coalesce(sf.c.child_stays, 0),
        "corporate_stays": func.coalesce(sf.c.corporate_stays, 0),
        "ota_stays": func.coalesce(sf.c.ota_stays, 0),
        "direct_stays": func.coalesce(sf.c.direct_stays, 0),
        "complaints": func.coalesce(comp.c.n, 0),
        "room_revenue": _money(sf.c.room, spend.c.room),
        "fnb_spend": _money(spend.c.fnb),
        "spa_spend": _money(spend.c.spa),
        "other_spend": _money(spend.c.other),
        "monetary": _money(sf.c.room, spend.c.room, spend.c.fnb, spend.c.spa, spend.c.other),
        "computed_on": literal(as_of, Date),
    }
    return (
        select(*(v.label(k) for k, v in columns.items()))
        .select_from(Guest)
        .outerjoin(sf, sf.c.guest_id == Guest.id)
        .outerjoin(home, home.c.guest_id == Guest.id)
        .outerjoin(spend, spend.c.guest_id == Guest.id)
        .outerjoin(comp, comp.c.guest_id == Guest.id)
        .where(Guest.status == GuestStatus.ACTIVE, *_for(Guest.id, only))
    )


def now_utc() -> datetime:
    return datetime.now(UTC)
