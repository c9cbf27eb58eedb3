"""The management dashboard and the churn-warning list, read through the caller's data scope."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, select
from sqlalchemy.orm import Session

from guestgraph.access import DataScope, guest_visible, mask_name, stay_visible
from guestgraph.analytics._compile import guest_source
from guestgraph.analytics._metrics import Vocabulary
from guestgraph.analytics._rules import load_rules
from guestgraph.analytics._settings import AnalyticsSettings
from guestgraph.analytics._sqlfuncs import days_between
from guestgraph.db.models import Charge, Guest, GuestMetrics, GuestStatus, Stay, StayGuest
from guestgraph.paging import Page, PageRequest

M = GuestMetrics
COUNTED = ("checked_out", "in_house")


@dataclass(frozen=True)
class Dashboard:
    since: date
    until: date
    guests: int
    new_guests: int
    returning_guests: int
    repeat_rate: float | None
    stays: int
    nights: int
    room_revenue: Decimal
    adr: Decimal | None
    revenue_by_outlet: dict[str, Decimal]
    channels: dict[str, int]
    channel_groups: dict[str, int]
    stages: dict[str, int]
    rfm_groups: dict[str, int]
    churn_warnings: int


@dataclass(frozen=True)
class ChurnWarning:
    public_id: str
    name: str | None
    stage: str
    rfm_group: str | None
    monetary: Decimal
    stays: int
    days_since: int
    usual_interval_days: int | None
    threshold_days: int


def _period_stays(scope: DataScope, since: date, until: date) -> list[ColumnElement[bool]]:
    return [Stay.status.in_(COUNTED), Stay.arrival >= since, Stay.arrival <= until, stay_visible(scope)]


def _channel_group(words: Vocabulary) -> Any:
    """OTA, direct, corporate or other, by the rule file's vocabulary (as the refresh classifies stays)."""
    channel = func.lower(Stay.channel)
    corporate = [w.lower() for w in words.corporate_channels] or ["-"]
    ota = [w.lower() for w in words.ota_channels] or ["-"]
    direct = [w.lower() for w in words.direct_channels] or ["-"]
    return case(
        (channel.in_(corporate), "corporate"),
        (channel.in_(ota), "ota"),
        (channel.in_(direct), "direct"),
        else_="other",
    )


def dashboard(
    session: Session, *, scope: DataScope, since: date, until: date, words: Vocabulary | None = None
) -> Dashboard:
    """Guests who stayed in the period (new = first stay in it), stays, nights, ADR, revenue by outlet,
    channel mix, and the lifecycle / RFM distribution of the guests in scope."""
    where = _period_stays(scope, since, until)
    nights = days_between(Stay.arrival, Stay.departure)
    stays, night_total, room_sum = session.execute(
        select(
            func.count(), func.coalesce(func.sum(nights), 0), func.coalesce(func.sum(Stay.amount), 0)
        ).where(*where)
    ).one()
    room = Decimal(str(room_sum or 0))
    in_period = (
        select(StayGuest.guest_id)
        .join(Stay, Stay.id == StayGuest.stay_id)
        .where(StayGuest.role != "booker", *where)
    )
    first_in_period = case((and_(M.first_arrival >= since, M.first_arrival <= until), 1), else_=0)
    guests, new = session.execute(
        select(func.count(), func.coalesce(func.sum(first_in_period), 0)).where(M.guest_id.in_(in_period))
    ).one()
    outlets = session.execute(
        select(Charge.outlet, func.sum(Charge.amount))
        .join(Stay, Stay.id == Charge.stay_id)
        .where(*where)
        .group_by(Charge.outlet)
    ).all()
    revenue = {"room": room} | {getattr(o, "value", str(o)): Decimal(v or 0) for o, v in outlets}
    channels = session.execute(
        select(func.coalesce(Stay.channel, "?"), func.count())
        .where(*where)
        .group_by(Stay.channel)
        .order_by(func.count().desc())
    ).all()
    group = _channel_group(words or load_rules().vocabulary)
    groups_mix = session.execute(select(group, func.count()).where(*where).group_by(group)).all()
    visible = [Guest.status == GuestStatus.ACTIVE, guest_visible(scope)]
    stages = session.execute(
        select(M.stage, func.count()).select_from(guest_source()).where(*visible).group_by(M.stage)
    ).all()
    groups = session.execute(
        select(M.rfm_group, func.count())
        .select_from(guest_source())
        .where(*visible, M.rfm_group.is_not(None))
        .group_by(M.rfm_group)
    ).all()
    warnings = (
        session.scalar(select(func.count()).select_from(guest_source()).where(*visible, M.churn_warning)) or 0
    )
    return Dashboard(
        since=since,
        until=until,
        guests=int(guests),
        new_guests=int(new),
        returning_guests=int(guests) - int(new),
        repeat_rate=(int(guests) - int(new)) / int(guests) if guests else None,
        stays=int(stays),
        nights=int(night_total),
        room_revenue=room.quantize(Decimal("0.01")),
        adr=(room / int(night_total)).quantize(Decimal("0.01")) if night_total else None,
        revenue_by_outlet={k: v.quantize(Decimal("0.01")) for k, v in revenue.items()},
        channels={str(c): int(n) for c, n in channels},
        channel_groups={str(g): int(n) for g, n in sorted(groups_mix, key=lambda r: -int(r[1]))},
        stages={str(s): int(n) for s, n in stages if s is not None},
        rfm_groups={str(g): int(n) for g, n in groups},
        churn_warnings=int(warnings),
    )


def churn_warnings(
    session: Session, *, scope: DataScope, paging: PageRequest, settings: AnalyticsSettings
) -> Page[ChurnWarning]:
    """Valuable guests past their usual return interval, most valuable first, with the reason."""
    where = [Guest.status == GuestStatus.ACTIVE, guest_visible(scope), M.churn_warning]
    total = session.scalar(select(func.count()).select_from(guest_source()).where(*where)) or 0
    rows = session.execute(
        select(Guest.public_id, Guest.full_name, M)
        .select_from(guest_source())
        .where(*where)
        .order_by(M.monetary.desc(), Guest.id)
        .offset(paging.offset)
        .limit(paging.size)
    ).all()
    items = []
    for public_id, name, m in rows:
        usual = m.usual_interval_days if m.stays >= 2 else None
        threshold = (
            max(int(usual * settings.at_risk_factor), settings.at_risk_min_days)
            if usual is not None
            else settings.at_risk_days
        )
        items.append(
            ChurnWarning(
                public_id,
                mask_name(name),
                m.stage,
                m.rfm_group,
                m.monetary,
                m.stays,
                m.days_since or 0,
                usual,
                threshold,
            )
        )
    return Page(items=items, total=total, page=paging.page, size=paging.size)
