"""Enrolment: each active journey's trigger as one INSERT … SELECT of the guests it catches, once
per trigger occurrence (a stay, a lifecycle change, a birthday year). Set-based, serialised between
workers by the `journeys` lock row, and guarded by the unique key (journey, guest, trigger)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import (
    BigInteger,
    Select,
    String,
    and_,
    cast,
    exists,
    func,
    literal,
    null,
    or_,
    select,
    true,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, aliased

from guestgraph.access import DataScope, guest_visible
from guestgraph.analytics import SegmentDefinition, member_query
from guestgraph.db import take_app_lock
from guestgraph.db.models import (
    EnrolmentStatus,
    Guest,
    GuestMetrics,
    GuestRole,
    GuestStageHistory,
    GuestStatus,
    Journey,
    JourneyEnrolment,
    JourneyStatus,
    LoyaltyMember,
    LoyaltyScheme,
    LoyaltyTier,
    LoyaltyTierChange,
    SegmentMember,
    ServiceTicket,
    Stay,
    StayGuest,
    StayStatus,
    Survey,
    TicketStatus,
)
from guestgraph.journeys._definition import (
    BirthdayIn,
    JourneyDefinition,
    SegmentEntered,
    StageChanged,
    StayEvent,
    SurveyAnswered,
    TicketClosed,
    TierChanged,
    parse_definition,
)

E = JourneyEnrolment
NO_STAY = cast(null(), BigInteger)  # typed, so PostgreSQL takes it for stay_id
ON_A_STAY = (GuestRole.PRIMARY, GuestRole.ADDITIONAL)
COUNTED = (StayStatus.IN_HOUSE, StayStatus.CHECKED_OUT)


def _key(prefix: str, column: Any) -> Any:
    return literal(prefix, String).concat(cast(column, String))


def _scope_of(journey: Journey) -> DataScope:
    return DataScope.hotels(journey.hotel_id) if journey.hotel_id else DataScope.group()


def _stay_rows(trigger: StayEvent, journey: Journey, now: datetime) -> Select[Any]:
    today = now.date()
    day = {"booking_created": Stay.created_at, "checked_in": Stay.arrival, "checked_out": Stay.departure}
    statuses = {
        "booking_created": (StayStatus.BOOKED, *COUNTED),
        "checked_in": COUNTED,
        "checked_out": (StayStatus.CHECKED_OUT,),
    }
    column = day[trigger.type]
    if trigger.type == "booking_created":
        window = and_(column >= now - timedelta(days=max(trigger.within_days, 1)), column <= now)
        if journey.activated_at is not None:
            window = and_(window, column >= journey.activated_at)
    else:
        window = and_(column >= today - timedelta(days=trigger.within_days), column <= today)
    query = (
        select(StayGuest.guest_id, _key("stay:", Stay.id), Stay.hotel_id, Stay.id)
        .join(Stay, Stay.id == StayGuest.stay_id)
        .where(StayGuest.role.in_(ON_A_STAY), Stay.status.in_(statuses[trigger.type]), window)
    )
    if journey.hotel_id is not None:
        query = query.where(Stay.hotel_id == journey.hotel_id)
    if trigger.first_stay_only:
        earlier, on = aliased(Stay), aliased(StayGuest)
        query = query.where(
            ~exists(
                select(on.stay_id)
                .join(earlier, earlier.id == on.stay_id)
                .where(
                    on.guest_id == StayGuest.guest_id,
                    on.role.in_(ON_A_STAY),
                    earlier.status.in_(COUNTED),
                    earlier.arrival < Stay.arrival,
                )
            )
        )
    return query.distinct()


def _home(journey: Journey) -> Any:
    if journey.hotel_id is not None:
        return literal(journey.hotel_id)
    return select(GuestMetrics.home_hotel_id).where(GuestMetrics.guest_id == Guest.id).scalar_subquery()


def _tier_rows(trigger: TierChanged, journey: Journey, since: datetime) -> Select[Any]:
    """A tier change of a membership, once per change; the guest is the membership's (or the one it
    was merged into: inactive guests are left out after this)."""
    c, named = LoyaltyTierChange, aliased(Guest)
    query = (
        select(Guest.id, _key("tier:", c.id), _home(journey), NO_STAY)
        .select_from(c)
        .join(LoyaltyMember, LoyaltyMember.id == c.member_id)
        .join(named, named.id == LoyaltyMember.guest_id)
        .join(Guest, Guest.id == _survivor(named))
        .join(LoyaltyTier, LoyaltyTier.id == c.to_tier_id)
        .where(LoyaltyMember.guest_id.is_not(None), c.direction.in_(("up", "down")), c.changed_at >= since)
    )
    if trigger.direction != "any":
        query = query.where(c.direction == trigger.direction)
    if trigger.tier:
        query = query.where(LoyaltyTier.code == trigger.tier)
    if trigger.scheme:
        scheme = select(LoyaltyScheme.id).where(LoyaltyScheme.code == trigger.scheme.upper())
        query = query.where(LoyaltyTier.scheme_id.in_(scheme))
    return query


def _survivor(named: Any) -> Any:
    """The guest a row names, or the one it was merged into."""
    return func.coalesce(named.merged_into_id, named.id)


def _ticket_rows(trigger: TicketClosed, journey: Journey, since: datetime, now: datetime) -> Select[Any]:
    """A closed ticket about a guest, once per ticket, at the ticket's hotel."""
    t, named = ServiceTicket, aliased(Guest)
    earliest = max(since, now - timedelta(days=trigger.within_days))
    query = (
        select(Guest.id, _key("ticket:", t.id), t.hotel_id, NO_STAY)
        .select_from(t)
        .join(named, named.id == t.guest_id)
        .join(Guest, Guest.id == _survivor(named))
        .where(t.status == TicketStatus.CLOSED, t.closed_at >= earliest, t.closed_at <= now)
    )
    if trigger.categories:
        query = query.where(t.category.in_(trigger.categories))
    if journey.hotel_id is not None:
        query = query.where(t.hotel_id == journey.hotel_id)
    return query


def _survey_rows(trigger: SurveyAnswered, journey: Journey, since: datetime, now: datetime) -> Select[Any]:
    """A survey answered with a low NPS or CSAT, once per survey, on its stay and at its hotel."""
    s, named = Survey, aliased(Guest)
    earliest = max(since, now - timedelta(days=trigger.within_days))
    low = []
    if trigger.max_nps is not None:
        low.append(s.nps <= trigger.max_nps)
    if trigger.max_csat is not None:
        low.append(s.csat <= trigger.max_csat)
    query = (
        select(Guest.id, _key("survey:", s.id), s.hotel_id, s.stay_id)
        .select_from(s)
        .join(named, named.id == s.guest_id)
        .join(Guest, Guest.id == _survivor(named))
        .where(s.answered_at >= earliest, s.answered_at <= now, or_(*low))
    )
    if journey.hotel_id is not None:
        query = query.where(s.hotel_id == journey.hotel_id)
    return query


def _guest_rows(trigger: Any, journey: Journey, now: datetime) -> Select[Any]:
    """Rows (guest_id, trigger_key, hotel_id, stay_id) for the triggers that are not about a stay."""
    since = journey.activated_at or now
    if isinstance(trigger, StageChanged):
        h = GuestStageHistory
        return (
            select(h.guest_id, _key("stage:", h.id), _home(journey), NO_STAY)
            .join(Guest, Guest.id == h.guest_id)
            .where(h.stage == trigger.stage, h.left_on.is_(None), h.entered_on >= since.date())
        )
    if isinstance(trigger, SegmentEntered):
        m = SegmentMember
        query = (
            select(m.guest_id, _key("segment:", m.id), _home(journey), NO_STAY)
            .join(Guest, Guest.id == m.guest_id)
            .where(m.segment_id == trigger.segment_id, m.left_at.is_(None))
        )
        return query if trigger.include_existing else query.where(m.entered_at >= since)
    if isinstance(trigger, TierChanged):
        return _tier_rows(trigger, journey, since)
    if isinstance(trigger, TicketClosed):
        return _ticket_rows(trigger, journey, since, now)
    if isinstance(trigger, SurveyAnswered):
        return _survey_rows(trigger, journey, since, now)
    assert isinstance(trigger, BirthdayIn)
    target: date = now.date() + timedelta(days=trigger.days)
    return select(Guest.id, literal(f"birthday:{target.year}", String), _home(journey), NO_STAY).where(
        Guest.birth_month == target.month, Guest.birth_day == target.day
    )


def trigger_rows(journey: Journey, definition: JourneyDefinition, now: datetime) -> Select[Any]:
    """The guests the trigger catches now, in the journey's scope (some may be enrolled already)."""
    trigger = definition.trigger
    rows = (
        _stay_rows(trigger, journey, now)
        if isinstance(trigger, StayEvent)
        else _guest_rows(trigger, journey, now)
    )
    found = rows.subquery()
    guest_id, key, hotel_id, stay_id = found.c
    scope = _scope_of(journey)
    query = (
        select(guest_id, key, hotel_id, stay_id)
        .join(Guest, Guest.id == guest_id)
        .where(Guest.status == GuestStatus.ACTIVE, guest_visible(scope))
    )  # who is already enrolled is left to ON CONFLICT DO NOTHING (a NOT EXISTS here went quadratic on
    # PostgreSQL: the anti-join re-scanned the index entries the same INSERT was adding)
    if trigger.where is not None:
        matching = member_query(SegmentDefinition(condition=trigger.where), scope=scope, today=now.date())
        query = query.where(guest_id.in_(matching))
    return query


def _insert(session: Session) -> Any:
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    return dialect.insert(E)


def enrol_journey(session: Session, journey: Journey, *, now: datetime) -> int:
    definition = parse_definition(journey.definition)
    found = trigger_rows(journey, definition, now).subquery()
    rows = select(
        literal(journey.id),
        found.c[0],
        found.c[1],
        found.c[2],
        found.c[3],
        literal(EnrolmentStatus.WAITING.value),
        literal(definition.steps[0].key),
        literal(now),
        literal(now),
    ).where(true())  # (SQLite needs a WHERE before ON CONFLICT in INSERT … SELECT)
    statement = (
        _insert(session)
        .from_select(
            [
                "journey_id",
                "guest_id",
                "trigger_key",
                "hotel_id",
                "stay_id",
                "status",
                "step",
                "next_at",
                "entered_at",
            ],
            rows,
        )
        .on_conflict_do_nothing(index_elements=["journey_id", "guest_id", "trigger_key"])
        .returning(E.id)
    )
    return len(session.scalars(statement).all())


def enrol_all(session: Session, *, now: datetime) -> int:
    """Enrol guests into every active journey; returns how many enrolments were added. Commits."""
    take_app_lock(session, "journeys", stamp=now)  # two workers never enrol the same guest twice
    added = 0
    for journey in session.scalars(select(Journey).where(Journey.status == JourneyStatus.ACTIVE)):
        added += enrol_journey(session, journey, now=now)
    session.commit()
    return added
