"""Compiling a condition tree to one SQLAlchemy Core WHERE clause over `guest` ⟕ `guest_metrics`.

Under a NOT every leaf is two-valued (a missing value makes a comparison false, never NULL), so NOT is
the plain complement. Elsewhere a leaf is the plain comparison: a missing value gives NULL there, which a
WHERE rejects as it rejects false (AND and OR never turn an unknown into true), and the planners can then
use the columns' statistics and indexes (PostgreSQL pushes `stage IN (…)` into the scan of guest_metrics
and joins it as an inner join instead of hashing every guest's metrics). Stay and spend conditions look
only at stays and folio lines in the caller's scope.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, Float, and_, case, cast, false, func, not_, or_, select, true

from guestgraph.access import DataScope, hotel_visible
from guestgraph.analytics._conditions import (
    AllOf,
    AnyOf,
    AttributeCondition,
    BirthdayCondition,
    Condition,
    FieldCondition,
    MetricCondition,
    Not,
    SpendCondition,
    StayCondition,
    TagCondition,
)
from guestgraph.analytics._sqlfuncs import days_between
from guestgraph.db.models import Charge, Guest, GuestField, GuestMetrics, GuestTag, Hotel, Stay, StayGuest

M = GuestMetrics


def metric_column(field: str) -> ColumnElement[Any]:
    """A metric by name: a guest_metrics column, or a share derived from two of them."""
    if field in ("ota_share", "direct_share"):
        part = M.ota_stays if field == "ota_share" else M.direct_stays
        return case((M.stays > 0, cast(part, Float) / M.stays), else_=None)
    column: ColumnElement[Any] = getattr(M, field)
    return column


def _compare(column: ColumnElement[Any], op: str, value: Any) -> ColumnElement[bool]:
    if op == "present":
        return column.is_not(None)
    if op == "absent":
        return column.is_(None)
    if op == "in":
        return column.in_(value)
    if op == "not_in":
        return column.not_in(value)
    compared: dict[str, ColumnElement[bool]] = {
        "=": column == value,
        "!=": column != value,
        ">": column > value,
        ">=": column >= value,
        "<": column < value,
        "<=": column <= value,
    }
    return compared[op]


def _two_valued(clause: ColumnElement[bool], exact: bool = True) -> ColumnElement[bool]:
    """`clause` made false where it would be NULL, when `exact` (under a NOT); as it is otherwise."""
    return case((clause, true()), else_=false()) if exact else clause


def _hotel_ids(codes: list[str], scope: DataScope) -> Any:
    where = [hotel_visible(scope)]
    if codes:
        where.append(Hotel.code.in_(codes))
    return select(Hotel.id).where(*where)


def _stay(c: StayCondition, scope: DataScope) -> ColumnElement[bool]:
    """Guests with at least `min_count` matching stays: one grouped pass over the stays (a semi-join),
    not a lookup per guest."""
    where: list[ColumnElement[bool]] = [StayGuest.role != "booker", Stay.status.in_(c.statuses)]
    if c.hotels or not scope.is_group:
        where.append(Stay.hotel_id.in_(_hotel_ids(c.hotels, scope)))
    if c.arrival_from:
        where.append(Stay.arrival >= c.arrival_from)
    if c.arrival_to:
        where.append(Stay.arrival <= c.arrival_to)
    nights = days_between(Stay.arrival, Stay.departure)
    if c.min_nights is not None:
        where.append(nights >= c.min_nights)
    if c.max_nights is not None:
        where.append(nights <= c.max_nights)
    for column, values in (
        (Stay.channel, c.channels),
        (Stay.room_type, c.room_types),
        (Stay.rate_plan, c.rate_plans),
    ):
        if values:
            where.append(column.in_(values))
    guests = select(StayGuest.guest_id).join(Stay, Stay.id == StayGuest.stay_id).where(*where)
    if c.min_count > 1:
        guests = guests.group_by(StayGuest.guest_id).having(func.count(func.distinct(Stay.id)) >= c.min_count)
    return Guest.id.in_(guests)


def _day_start(d: date) -> datetime:
    return datetime.combine(d, time.min, tzinfo=UTC)


def _holds_for_zero(op: str, amount: Decimal) -> bool:
    return {">": amount < 0, ">=": amount <= 0, "<": amount > 0, "<=": amount >= 0}[op]


# Lifetime spend at these outlets is already summed per guest by the refresh (guest_metrics).
_REFRESHED_SPEND = {("fnb",): "fnb_spend", ("spa",): "spa_spend", ("minibar", "other"): "other_spend"}


def _spend(c: SpendCondition, scope: DataScope, exact: bool) -> ColumnElement[bool]:
    """Spend per guest in one grouped pass over the folio lines; a guest without lines spent 0.
    Lifetime spend at F&B, spa or minibar + other, group-wide, reads the refreshed figure instead."""
    refreshed = _REFRESHED_SPEND.get(tuple(sorted(set(c.outlets))))
    if refreshed and scope.is_group and not (c.hotels or c.since or c.until):
        spent = func.coalesce(getattr(M, refreshed), 0)
        return _two_valued(_compare(spent, c.op, c.amount), exact)
    lost = select(Stay.id).where(Stay.status.in_(("cancelled", "no_show")))  # one list, not a lookup per line
    where: list[ColumnElement[bool]] = [
        Charge.guest_id.is_not(None),
        or_(Charge.stay_id.is_(None), Charge.stay_id.not_in(lost)),
    ]
    if c.outlets:
        where.append(Charge.outlet.in_(c.outlets))
    if c.hotels or not scope.is_group:
        where.append(Charge.hotel_id.in_(_hotel_ids(c.hotels, scope)))
    if c.since:
        where.append(Charge.posted_at >= _day_start(c.since))
    if c.until:
        where.append(Charge.posted_at < _day_start(c.until + timedelta(days=1)))
    total = func.round(func.sum(Charge.amount), 2)
    per_guest = select(Charge.guest_id).where(*where).group_by(Charge.guest_id)
    if _holds_for_zero(c.op, c.amount):  # everyone but the guests whose spend fails the test
        return Guest.id.not_in(per_guest.having(not_(_compare(total, c.op, c.amount))))
    return Guest.id.in_(per_guest.having(_compare(total, c.op, c.amount)))


def _field(c: FieldCondition, exact: bool) -> ColumnElement[bool]:
    """The field's value in force, as text (a guest without it has none: `absent`)."""
    value = (
        select(GuestField.value)
        .where(GuestField.guest_id == Guest.id, GuestField.name == c.name, GuestField.retired_at.is_(None))
        .limit(1)
        .scalar_subquery()
    )
    given = c.value
    text: Any = [str(v) for v in given] if isinstance(given, list) else None if given is None else str(given)
    return _two_valued(_compare(value, c.op, text), exact)


def compile_condition(condition: Condition, *, scope: DataScope, today: date) -> ColumnElement[bool]:
    """The WHERE clause for `condition`, to be used over `select(...).select_from(guest ⟕ guest_metrics)`
    (only as a WHERE: outside a NOT it may be NULL where it is not true)."""
    return _clause(condition, scope, today, exact=False)


def _clause(condition: Condition, scope: DataScope, today: date, exact: bool) -> ColumnElement[bool]:
    """`exact`: under a NOT, where a NULL must be false."""
    if isinstance(condition, AllOf):
        return and_(*(_clause(c, scope, today, exact) for c in condition.conditions))
    if isinstance(condition, AnyOf):
        return or_(*(_clause(c, scope, today, exact) for c in condition.conditions))
    if isinstance(condition, Not):
        return not_(_clause(condition.condition, scope, today, exact=True))
    if isinstance(condition, AttributeCondition):
        return _two_valued(_compare(getattr(Guest, condition.field), condition.op, condition.value), exact)
    if isinstance(condition, MetricCondition):
        return _two_valued(_compare(metric_column(condition.field), condition.op, condition.value), exact)
    if isinstance(condition, TagCondition):
        tagged = select(GuestTag.guest_id).where(GuestTag.tag == condition.tag, GuestTag.retired_at.is_(None))
        return Guest.id.in_(tagged)
    if isinstance(condition, FieldCondition):
        return _field(condition, exact)
    if isinstance(condition, StayCondition):
        return _stay(condition, scope)
    if isinstance(condition, SpendCondition):
        return _spend(condition, scope, exact)
    if isinstance(condition, BirthdayCondition):
        return _two_valued(Guest.birth_month == today.month, exact)
    raise TypeError(f"unknown condition {condition!r}")  # pragma: no cover - the union is closed


def guest_source() -> Any:
    """The FROM clause segment queries run over."""
    return Guest.__table__.outerjoin(M.__table__, M.guest_id == Guest.id)
