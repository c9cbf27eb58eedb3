"""The management dashboard and the churn-warning list, read through the caller's data scope."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from guestgraph import quality
from guestgraph.access import DataScope, guest_visible, mask_name, narrow_to_hotel
from guestgraph.analytics._compile import guest_source
from guestgraph.analytics._dashboard_sums import (
    Sums,
    distribution,
    guests_and_markets,
    guests_of,
    last_refresh,
    mix,
    period_sums,
    sources,
)
from guestgraph.analytics._metrics import Vocabulary
from guestgraph.analytics._rules import load_rules
from guestgraph.analytics._settings import AnalyticsSettings
from guestgraph.db.models import Guest, GuestMetrics, GuestStatus
from guestgraph.errors import InvalidInput
from guestgraph.paging import Page, PageRequest

M = GuestMetrics


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
    stages: dict[str, int]
    rfm_groups: dict[str, int]
    markets: dict[str, int]  # guests who stayed, by nationality ("" when unknown), the largest first
    churn_warnings: int
    previous: PeriodFigures  # the period of the same length just before
    quality: DataQuality
    refreshed_at: datetime | None  # the last analytics refresh (None: never); what it keeps is as of then
    from_rollups: bool  # stays, nights, revenue and channels read from that refresh's roll-ups


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


def check_period(since: date, until: date) -> None:
    if since > until:
        raise InvalidInput(f"The period starts ({since}) after it ends ({until}).", hint="Swap the dates.")
    if (until - since).days > MAX_DAYS:
        raise InvalidInput("The period is longer than three years.", hint="Choose a shorter period.")


def _figures(since: date, until: date, sums: Sums, guests: int, new: int) -> PeriodFigures:
    room = sums.room
    return PeriodFigures(
        since=since,
        until=until,
        guests=guests,
        new_guests=new,
        returning_guests=guests - new,
        repeat_rate=(guests - new) / guests if guests else None,
        stays=sums.stays,
        nights=sums.nights,
        room_revenue=room.quantize(Decimal("0.01")),
        adr=(room / sums.nights).quantize(Decimal("0.01")) if sums.nights else None,
    )


def _top_markets(rows: list[tuple[str, int]]) -> dict[str, int]:
    """Guests who stayed, by nationality: the ten largest markets, then the rest together as "*"."""
    top = dict(rows[:TOP_MARKETS])
    rest = sum(n for _code, n in rows[TOP_MARKETS:])
    return top | ({"*": rest} if rest else {})


def _data_quality(session: Session, scope: DataScope, since: date, until: date) -> DataQuality:
    f = quality.period_figures(session, scope=scope, since=since, until=until)
    return DataQuality(f.records, f.valid, f.persons, f.complete, f.validity, f.completeness)


def dashboard(
    session: Session,
    *,
    scope: DataScope,
    since: date | None,
    until: date,
    hotel: str | None = None,
    words: Vocabulary | None = None,
    from_rollups: bool | None = None,
) -> Dashboard:
    """Guests who stayed in the period (new = first stay in it), stays, nights, ADR, revenue by outlet,
    channel mix, source markets and the data quality, each period figure beside the period of the same
    length before; and the lifecycle / RFM distribution of the guests in scope. `hotel` narrows the
    scope to one of its hotels. Without `since`, the last DASHBOARD_DAYS days to `until`.

    Stays, nights, revenue, channels and the distribution come from the roll-ups the last analytics
    refresh kept (`_rollups`: as of that refresh), the distinct guests and markets from the stays;
    `from_rollups=False` computes everything from the stays (as before the first refresh after 0052)."""
    since = since or until - timedelta(days=DASHBOARD_DAYS - 1)
    check_period(since, until)
    if hotel is not None:
        scope = narrow_to_hotel(session, scope, hotel)
    refreshed_at, kept = last_refresh(session)
    rolled_up = kept if from_rollups is None else from_rollups
    src = sources(rolled_up)
    before_until = since - timedelta(days=1)
    before_since = before_until - (until - since)
    now_sums, before_sums = period_sums(session, src, scope, since, until, before_since)
    guests, new, markets = guests_and_markets(session, scope, since, until)
    now = _figures(since, until, now_sums, guests, new)
    before = _figures(
        before_since, before_until, before_sums, *guests_of(session, scope, before_since, before_until)
    )
    outlets, channels, channel_groups = mix(
        session, src, scope, since, until, words or load_rules().vocabulary
    )
    stages, groups, warnings = distribution(session, scope, rolled_up)
    revenue = {"room": now.room_revenue} | outlets
    return Dashboard(
        **vars(now),
        hotel=hotel,
        revenue_by_outlet={k: v.quantize(Decimal("0.01")) for k, v in revenue.items()},
        channels=channels,
        channel_groups=channel_groups,
        markets=_top_markets(markets),
        stages=stages,
        rfm_groups=groups,
        churn_warnings=warnings,
        previous=before,
        quality=_data_quality(session, scope, since, until),
        refreshed_at=refreshed_at,
        from_rollups=rolled_up,
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
