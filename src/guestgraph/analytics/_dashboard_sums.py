"""Where the dashboard's figures come from: the refresh's roll-ups (`_rollups`) when the last refresh kept
them, else the stays and folio lines themselves (before the first refresh after migration 0052). Both
sources have the same columns, so the same summing queries run over either and give the same answer.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, Select, String, Subquery, and_, case, cast, func, literal, select
from sqlalchemy.orm import Session

from guestgraph.access import DataScope, guests_in_scope, hotel_id_visible, stay_visible
from guestgraph.analytics._compile import guest_source
from guestgraph.analytics._metrics import Vocabulary
from guestgraph.analytics._rollups import COUNTED, ROLLUPS_MARK
from guestgraph.analytics._sqlfuncs import days_between
from guestgraph.db.models import (
    AnalyticsRun,
    Charge,
    DashboardDay,
    DashboardDistribution,
    DashboardOutletDay,
    Guest,
    GuestMetrics,
    GuestStatus,
    ScopeLevel,
    Stay,
    StayGuest,
)

M = GuestMetrics


@dataclass(frozen=True)
class Sources:
    stays: Subquery  # hotel_id, day, channel, stays, nights, room_amount
    lines: Subquery  # hotel_id, day, channel, outlet, amount
    rolled_up: bool


def last_refresh(session: Session) -> tuple[datetime | None, bool]:
    """When the last analytics refresh finished (None: never), and whether it wrote the roll-ups (not
    so before the first one after 0052)."""
    row = session.execute(
        select(AnalyticsRun.finished_at, AnalyticsRun.marks)
        .where(AnalyticsRun.finished_at.is_not(None))
        .order_by(AnalyticsRun.id.desc())
        .limit(1)
    ).first()
    if row is None:
        return None, False
    return row.finished_at, bool(row.marks and row.marks.get(ROLLUPS_MARK))


def sources(rolled_up: bool) -> Sources:
    if rolled_up:
        d, o = DashboardDay, DashboardOutletDay
        by_day = select(d.hotel_id, d.day, d.channel, d.stays, d.nights, d.room_amount)
        lines_by_day = select(o.hotel_id, o.day, o.channel, o.outlet, o.amount)
        return Sources(by_day.subquery("by_day"), lines_by_day.subquery("lines_by_day"), True)
    counted = Stay.status.in_(COUNTED)
    key = (Stay.hotel_id, Stay.arrival.label("day"), Stay.channel)
    stays = select(
        *key,
        literal(1).label("stays"),
        days_between(Stay.arrival, Stay.departure).label("nights"),
        Stay.amount.label("room_amount"),
    ).where(counted)
    lines = (
        select(*key, cast(Charge.outlet, String(10)).label("outlet"), Charge.amount)
        .join(Charge, Charge.stay_id == Stay.id)
        .where(counted)
    )
    return Sources(stays.subquery("by_stay"), lines.subquery("lines"), False)


@dataclass(frozen=True)
class Sums:
    stays: int
    nights: int
    room: Decimal


def period_sums(
    session: Session, src: Sources, scope: DataScope, since: date, until: date, before_since: date
) -> tuple[Sums, Sums]:
    """Stays, nights and room amount of the period and of the period before, in one pass."""
    s = src.stays.c
    now = case((s.day >= since, 1), else_=0)
    rows = session.execute(
        select(
            now,
            func.coalesce(func.sum(s.stays), 0),
            func.coalesce(func.sum(s.nights), 0),
            func.coalesce(func.sum(s.room_amount), 0),
        )
        .where(s.day >= before_since, s.day <= until, hotel_id_visible(s.hotel_id, scope))
        .group_by(now)
    ).all()
    found = {int(k): Sums(int(n), int(nights), Decimal(str(room or 0))) for k, n, nights, room in rows}
    empty = Sums(0, 0, Decimal(0))
    return found.get(1, empty), found.get(0, empty)


def channel_group(channel: Any, words: Vocabulary) -> Any:
    """OTA, direct, corporate or other, by the rule file's vocabulary (as the refresh classifies stays)."""
    lowered = func.lower(channel)
    corporate = [w.lower() for w in words.corporate_channels] or ["-"]
    ota = [w.lower() for w in words.ota_channels] or ["-"]
    direct = [w.lower() for w in words.direct_channels] or ["-"]
    return case(
        (lowered.in_(corporate), "corporate"),
        (lowered.in_(ota), "ota"),
        (lowered.in_(direct), "direct"),
        else_="other",
    )


def mix(
    session: Session, src: Sources, scope: DataScope, since: date, until: date, words: Vocabulary
) -> tuple[dict[str, Decimal], dict[str, int], dict[str, int]]:
    """The period's folio lines by outlet, its stays by channel and by channel group."""
    s, o = src.stays.c, src.lines.c
    in_period = [s.day >= since, s.day <= until, hotel_id_visible(s.hotel_id, scope)]
    outlets = session.execute(
        select(o.outlet, func.sum(o.amount))
        .where(o.day >= since, o.day <= until, hotel_id_visible(o.hotel_id, scope))
        .group_by(o.outlet)
    ).all()
    channels = session.execute(
        select(func.coalesce(s.channel, "?"), func.sum(s.stays))
        .where(*in_period)
        .group_by(s.channel)
        .order_by(func.sum(s.stays).desc())
    ).all()
    group = channel_group(s.channel, words)
    groups = session.execute(select(group, func.sum(s.stays)).where(*in_period).group_by(group)).all()
    return (
        {str(k): Decimal(v or 0) for k, v in outlets},
        {str(c): int(n) for c, n in channels},
        {str(g): int(n) for g, n in sorted(groups, key=lambda r: -int(r[1]))},
    )


def _period_guests(scope: DataScope, since: date, until: date) -> Select[Any]:
    """The guests (not bookers only) of the period's counted stays: read from ix_stay_arrival_status (or
    the hotel's index) and the stay links' primary key."""
    return (
        select(StayGuest.guest_id)
        .join(Stay, Stay.id == StayGuest.stay_id)
        .where(
            StayGuest.role != "booker",
            Stay.status.in_(COUNTED),
            Stay.arrival >= since,
            Stay.arrival <= until,
            stay_visible(scope),
        )
    )


def _first_in(since: date, until: date) -> ColumnElement[int]:
    return case((and_(M.first_arrival >= since, M.first_arrival <= until), 1), else_=0)


def guests_and_markets(
    session: Session, scope: DataScope, since: date, until: date
) -> tuple[int, int, list[tuple[str, int]]]:
    """The period's guests (with metrics), how many of them were new, and all who stayed by nationality
    (the largest first): one pass over the period's guests."""
    rows = session.execute(
        select(
            func.coalesce(Guest.nationality, ""),
            func.count(),
            func.count(M.guest_id),
            func.coalesce(func.sum(_first_in(since, until)), 0),
        )
        .select_from(guest_source())
        .where(Guest.id.in_(_period_guests(scope, since, until)))
        .group_by(Guest.nationality)
        .order_by(func.count().desc(), Guest.nationality)
    ).all()
    guests = sum(int(r[2]) for r in rows)
    new = sum(int(r[3]) for r in rows)
    return guests, new, [(str(code), int(n)) for code, n, _g, _new in rows]


def guests_of(session: Session, scope: DataScope, since: date, until: date) -> tuple[int, int]:
    """The period's guests with metrics and how many of them were new."""
    guests, new = session.execute(
        select(func.count(), func.coalesce(func.sum(_first_in(since, until)), 0)).where(
            M.guest_id.in_(_period_guests(scope, since, until))
        )
    ).one()
    return int(guests), int(new)


def distribution(
    session: Session, scope: DataScope, rolled_up: bool
) -> tuple[dict[str, int], dict[str, int], int]:
    """Active guests in scope by lifecycle stage, by RFM group, and those with a churn warning: the
    refresh's counts for the group, a region or one hotel; else one grouped pass over the scope's guests
    (a scope of several hotels, whose guests may overlap, or before the first refresh that kept them)."""
    unit = _unit(scope) if rolled_up else None
    if unit is not None:
        d = DashboardDistribution
        query: Any = (
            select(d.stage, d.rfm_group, d.churn_warning, func.sum(d.guests))
            .where(d.level == unit[0], d.unit_id == unit[1])
            .group_by(d.stage, d.rfm_group, d.churn_warning)
        )
    else:
        query = (
            select(M.stage, M.rfm_group, M.churn_warning, func.count())
            .select_from(guest_source())
            .where(Guest.status == GuestStatus.ACTIVE, guests_in_scope(scope))
            .group_by(M.stage, M.rfm_group, M.churn_warning)
        )
    stages: Counter[str] = Counter()
    groups: Counter[str] = Counter()
    warnings = 0
    for stage, group, warned, n in session.execute(query).all():
        if stage is not None:
            stages[str(stage)] += int(n)
        if group is not None:
            groups[str(group)] += int(n)
        warnings += int(n) if warned else 0
    return dict(stages.most_common()), dict(groups.most_common()), warnings


def _unit(scope: DataScope) -> tuple[str, int] | None:
    if scope.level is ScopeLevel.GROUP:
        return ("group", 0)
    if scope.level is ScopeLevel.REGION and scope.region_id is not None:
        return ("region", scope.region_id)
    if len(scope.hotel_ids) == 1:
        return ("hotel", next(iter(scope.hotel_ids)))
    return None
