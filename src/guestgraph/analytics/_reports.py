"""The management dashboard and the churn-warning list, read through the caller's data scope."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, case, func, select
from sqlalchemy.orm import Session

from guestgraph import quality
from guestgraph.access import (
    DataScope,
    guest_visible,
    guests_in_scope,
    mask_name,
    narrow_to_hotel,
    stay_visible,
)
from guestgraph.analytics._compile import guest_source
from guestgraph.analytics._metrics import Vocabulary
from guestgraph.analytics._rules import load_rules
from guestgraph.analytics._settings import AnalyticsSettings
from guestgraph.analytics._sqlfuncs import days_between
from guestgraph.db.models import Charge, Guest, GuestMetrics, GuestStatus, Stay, StayGuest
from guestgraph.errors import InvalidInput
from guestgraph.paging import Page, PageRequest

M = GuestMetrics
COUNTED = ("checked_out", "in_house")


MAX_DAYS = 3 * 366
DASHBOARD_DAYS = 30  # the period a dashboard shows when none is given: the last 30 days, to `until`
TOP_MARKETS = 10


@dataclass(frozen=True)
class PeriodFigures:
    """What happened between two arrival days: the figures the dashboard compares with the period
    before."""

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


@dataclass(frozen=True)
class DataQuality:
    """Records imported in the period for the hotels in scope: valid share and complete persons."""

    records: int
    valid: int
    persons: int
    complete: int
    validity: float | None
    completeness: float | None


@dataclass(frozen=True)
class Dashboard(PeriodFigures):
    """The period's figures (beside the period before), its revenue, channels and markets, the data
    quality, and the lifecycle and RFM distribution of the guests in scope as of the last refresh."""

    hotel: str | None  # one hotel's code when the dashboard is narrowed to it
    revenue_by_outlet: dict[str, Decimal]
    channels: dict[str, int]
    channel_groups: dict[str, int]
    markets: dict[str, int]  # guests who stayed, by nationality ("" when unknown), the largest first
    stages: dict[str, int]
    rfm_groups: dict[str, int]
    churn_warnings: int
    previous: PeriodFigures  # the period of the same length just before
    quality: DataQuality


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


def check_period(since: date, until: date) -> None:
    if since > until:
        raise InvalidInput(f"The period starts ({since}) after it ends ({until}).", hint="Swap the dates.")
    if (until - since).days > MAX_DAYS:
        raise InvalidInput("The period is longer than three years.", hint="Choose a shorter period.")


def _guests_in_period(where: list[ColumnElement[bool]]) -> Select[int]:
    return (
        select(StayGuest.guest_id)
        .join(Stay, Stay.id == StayGuest.stay_id)
        .where(StayGuest.role != "booker", *where)
    )


def _period(session: Session, scope: DataScope, since: date, until: date) -> PeriodFigures:
    where = _period_stays(scope, since, until)
    nights = days_between(Stay.arrival, Stay.departure)
    stays, night_total, room_sum = session.execute(
        select(
            func.count(), func.coalesce(func.sum(nights), 0), func.coalesce(func.sum(Stay.amount), 0)
        ).where(*where)
    ).one()
    room = Decimal(str(room_sum or 0))
    first_in_period = case((and_(M.first_arrival >= since, M.first_arrival <= until), 1), else_=0)
    guests, new = session.execute(
        select(func.count(), func.coalesce(func.sum(first_in_period), 0)).where(
            M.guest_id.in_(_guests_in_period(where))
        )
    ).one()
    guests, new = int(guests), int(new)
    return PeriodFigures(
        since=since,
        until=until,
        guests=guests,
        new_guests=new,
        returning_guests=guests - new,
        repeat_rate=(guests - new) / guests if guests else None,
        stays=int(stays),
        nights=int(night_total),
        room_revenue=room.quantize(Decimal("0.01")),
        adr=(room / int(night_total)).quantize(Decimal("0.01")) if night_total else None,
    )


def _markets(session: Session, where: list[ColumnElement[bool]]) -> dict[str, int]:
    """Guests who stayed, by nationality: the ten largest markets, then the rest together as "*"."""
    rows = session.execute(
        select(func.coalesce(Guest.nationality, ""), func.count())
        .where(Guest.id.in_(_guests_in_period(where)))
        .group_by(Guest.nationality)
        .order_by(func.count().desc(), Guest.nationality)
    ).all()
    top = {str(code): int(n) for code, n in rows[:TOP_MARKETS]}
    rest = sum(int(n) for _code, n in rows[TOP_MARKETS:])
    return top | ({"*": rest} if rest else {})


def _data_quality(session: Session, scope: DataScope, since: date, until: date) -> DataQuality:
    f = quality.period_figures(session, scope=scope, since=since, until=until)
    return DataQuality(f.records, f.valid, f.persons, f.complete, f.validity, f.completeness)


def _distribution(session: Session, scope: DataScope) -> tuple[dict[str, int], dict[str, int], int]:
    """Active guests in scope by lifecycle stage, by RFM group, and those with a churn warning: one
    grouped pass over the scope's guests (a few dozen groups), added up here."""
    rows = session.execute(
        select(M.stage, M.rfm_group, M.churn_warning, func.count())
        .select_from(guest_source())
        .where(Guest.status == GuestStatus.ACTIVE, guests_in_scope(scope))
        .group_by(M.stage, M.rfm_group, M.churn_warning)
    ).all()
    stages: Counter[str] = Counter()
    groups: Counter[str] = Counter()
    warnings = 0
    for stage, group, warned, n in rows:
        if stage is not None:
            stages[str(stage)] += int(n)
        if group is not None:
            groups[str(group)] += int(n)
        warnings += int(n) if warned else 0
    return dict(stages.most_common()), dict(groups.most_common()), warnings


def dashboard(
    session: Session,
    *,
    scope: DataScope,
    since: date | None,
    until: date,
    hotel: str | None = None,
    words: Vocabulary | None = None,
) -> Dashboard:
    """Guests who stayed in the period (new = first stay in it), stays, nights, ADR, revenue by outlet,
    channel mix, source markets and the data quality, each period figure beside the period of the same
    length before; and the lifecycle / RFM distribution of the guests in scope. `hotel` narrows the
    scope to one of its hotels. Without `since`, the last DASHBOARD_DAYS days to `until`."""
    since = since or until - timedelta(days=DASHBOARD_DAYS - 1)
    check_period(since, until)
    if hotel is not None:
        scope = narrow_to_hotel(session, scope, hotel)
    now = _period(session, scope, since, until)
    before_until = since - timedelta(days=1)
    before = _period(session, scope, before_until - (until - since), before_until)
    where = _period_stays(scope, since, until)
    outlets = session.execute(
        select(Charge.outlet, func.sum(Charge.amount))
        .join(Stay, Stay.id == Charge.stay_id)
        .where(*where)
        .group_by(Charge.outlet)
    ).all()
    revenue = {"room": now.room_revenue} | {getattr(o, "value", str(o)): Decimal(v or 0) for o, v in outlets}
    channels = session.execute(
        select(func.coalesce(Stay.channel, "?"), func.count())
        .where(*where)
        .group_by(Stay.channel)
        .order_by(func.count().desc())
    ).all()
    group = _channel_group(words or load_rules().vocabulary)
    groups_mix = session.execute(select(group, func.count()).where(*where).group_by(group)).all()
    stages, groups, warnings = _distribution(session, scope)
    return Dashboard(
        **vars(now),
        hotel=hotel,
        revenue_by_outlet={k: v.quantize(Decimal("0.01")) for k, v in revenue.items()},
        channels={str(c): int(n) for c, n in channels},
        channel_groups={str(g): int(n) for g, n in sorted(groups_mix, key=lambda r: -int(r[1]))},
        markets=_markets(session, where),
        stages=stages,
        rfm_groups=groups,
        churn_warnings=warnings,
        previous=before,
        quality=_data_quality(session, scope, since, until),
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
