"""The reports' figures: each a few grouped SQLAlchemy Core queries, the same on SQLite and PostgreSQL,
read through the caller's data scope (stays at hotels in scope, guests seen there), never a loop over
guests. Counted stays are checked-out or in-house ones arriving in the period, as on the dashboard."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from functools import cache
from typing import Any

from babel import Locale
from sqlalchemy import ColumnElement, Select, and_, case, distinct, func, literal, or_, select
from sqlalchemy.orm import Session

from guestgraph import analytics
from guestgraph.access import DataScope, guest_visible, hotel_visible, mask_name, stay_visible
from guestgraph.db.models import (
    Charge,
    Guest,
    GuestRole,
    GuestStageHistory,
    GuestStatus,
    Hotel,
    OtaReview,
    Stay,
    StayGuest,
    Survey,
    TicketRating,
)
from guestgraph.errors import InvalidInput
from guestgraph.privacy import Channel, Purpose, consented_guest_ids
from guestgraph.reports._model import KINDS, Column, Figure, Label, Report, Section, Value

COUNTED = ("checked_out", "in_house")
MAX_GUEST_ROWS = 100_000
MAX_DAYS = 3 * 366
CONSENT_CHANNELS = {"email": Channel.EMAIL, "sms": Channel.SMS, "wechat": Channel.WECHAT}
L = Label


@dataclass(frozen=True)
class ReportParams:
    since: date
    until: date
    consent: str | None = None  # birthdays: keep only guests with marketing consent on this channel

    def check(self) -> None:
        if self.since > self.until:
            raise InvalidInput(
                f"The period starts ({self.since}) after it ends ({self.until}).", hint="Swap the dates."
            )
        if (self.until - self.since).days > MAX_DAYS:
            raise InvalidInput("The period is longer than three years.", hint="Choose a shorter period.")
        if self.consent is not None and self.consent not in CONSENT_CHANNELS:
            raise InvalidInput(
                f"consent {self.consent!r} is not one of {', '.join(CONSENT_CHANNELS)}.",
                hint="Leave it empty to list everyone.",
            )


def _nights() -> ColumnElement[int]:
    return analytics.days_between(Stay.arrival, Stay.departure)


def _counted(scope: DataScope, since: date, until: date) -> list[ColumnElement[bool]]:
    return [Stay.status.in_(COUNTED), Stay.arrival >= since, Stay.arrival <= until, stay_visible(scope)]


def _money(value: Any) -> Decimal:
    return Decimal(str(value or 0)).quantize(Decimal("0.01"))


def _ratio(part: float | int | Decimal | None, whole: float | int | Decimal | None) -> float | None:
    return float(part or 0) / float(whole) if whole else None


def _mean(value: Any) -> float | None:
    return round(float(value), 2) if value is not None else None


@cache
def _territories(locale: str) -> dict[str, str]:
    return dict(Locale.parse("zh_CN" if locale == "zh_CN" else "en").territories)


def country_name(code: str | None, locale: str) -> str:
    if not code:
        return "未知" if locale == "zh_CN" else "Unknown"
    name = _territories(locale).get(code.upper())
    return f"{code} {name}" if name else code


# --- guest source analysis -------------------------------------------------------------------------


def _by_attribute(
    session: Session, scope: DataScope, p: ReportParams, attribute: Any
) -> list[tuple[str | None, int, int, int, Decimal]]:
    """(value, guests, stays, nights, room revenue): guests are everyone on a counted stay but the
    booker; stays, nights and revenue go to the stay's primary guest's value, so they add up."""
    where = _counted(scope, p.since, p.until)
    guests: dict[str | None, int] = dict(
        session.execute(
            select(attribute, func.count(distinct(StayGuest.guest_id)))
            .select_from(StayGuest)
            .join(Stay, Stay.id == StayGuest.stay_id)
            .join(Guest, Guest.id == StayGuest.guest_id)
            .where(StayGuest.role != GuestRole.BOOKER, *where)
            .group_by(attribute)
        ).all()
    )
    stays = {
        key: (int(n), int(nights or 0), _money(revenue))
        for key, n, nights, revenue in session.execute(
            select(attribute, func.count(Stay.id), func.sum(_nights()), func.sum(Stay.amount))
            .select_from(StayGuest)
            .join(Stay, Stay.id == StayGuest.stay_id)
            .join(Guest, Guest.id == StayGuest.guest_id)
            .where(StayGuest.role == GuestRole.PRIMARY, *where)
            .group_by(attribute)
        ).all()
    }
    keys = set(guests) | set(stays)
    rows = [(k, int(guests.get(k, 0)), *stays.get(k, (0, 0, Decimal("0.00")))) for k in keys]
    return sorted(rows, key=lambda r: (-r[1], -r[2], r[0] or "~"))


def sources_report(session: Session, *, scope: DataScope, params: ReportParams, locale: str) -> Report:
    nationality = _by_attribute(session, scope, params, Guest.nationality)
    city = _by_attribute(session, scope, params, Guest.city)
    total = sum(r[1] for r in nationality)
    unknown = L("未知", "Unknown").text(locale)
    figures = [
        Figure("guests", L("入住客人", "Guests who stayed"), total),
        Figure("nationalities", L("国籍数", "Nationalities"), len([r for r in nationality if r[0]])),
        Figure("cities", L("城市数", "Cities"), len([r for r in city if r[0]])),
        Figure(
            "foreign_share",
            L("境外客人占比", "Guests from outside mainland China"),
            _ratio(sum(r[1] for r in nationality if r[0] and r[0] != "CN"), total),
            "pct",
        ),
    ]
    figures_cols = (
        Column("guests", L("客人数", "Guests")),
        Column("share", L("占比", "Share of guests"), "pct"),
        Column("stays", L("入住次数", "Stays")),
        Column("nights", L("间夜", "Room nights")),
        Column("room_revenue", L("客房收入", "Room revenue"), "money"),
    )

    def rows(
        data: list[tuple[str | None, int, int, int, Decimal]], name: Callable[[str | None], str]
    ) -> list[tuple[Value, ...]]:
        return [(name(k), g, _ratio(g, total), s, n, r) for k, g, s, n, r in data]

    return Report(
        KINDS["sources"],
        params.since,
        params.until,
        figures,
        [
            Section(
                "nationality",
                L("按国籍", "By nationality"),
                (Column("nationality", L("国籍", "Nationality"), "text"), *figures_cols),
                rows(nationality, lambda k: country_name(k, locale)),
                chart="guests",
            ),
            Section(
                "city",
                L("按城市", "By city"),
                (Column("city", L("城市", "City"), "text"), *figures_cols),
                rows(city, lambda k: k or unknown),
                chart="guests",
            ),
        ],
    )


# --- channel contribution --------------------------------------------------------------------------

CHANNEL_GROUPS = {
    "ota": L("OTA", "OTA"),
    "direct": L("直销", "Direct"),
    "corporate": L("协议", "Corporate"),
    "other": L("其他", "Other"),
}


def channel_group(words: analytics.Vocabulary) -> ColumnElement[str]:
    """OTA, direct, corporate or other, by the rule file's vocabulary (as the refresh classifies stays)."""
    channel = func.lower(Stay.channel)

    def among(values: Sequence[str]) -> ColumnElement[bool]:
        return channel.in_([v.lower() for v in values]) if values else literal(False)

    return case(
        (among(words.corporate_channels), "corporate"),
        (among(words.ota_channels), "ota"),
        (among(words.direct_channels), "direct"),
        else_="other",
    )


def _by_channel(session: Session, scope: DataScope, p: ReportParams, key: Any) -> list[tuple[Value, ...]]:
    where = _counted(scope, p.since, p.until)
    stays = session.execute(
        select(key, func.count(Stay.id), func.sum(_nights()), func.sum(Stay.amount))
        .where(*where)
        .group_by(key)
    ).all()
    folio: dict[Any, Any] = dict(
        session.execute(
            select(key, func.sum(Charge.amount))
            .select_from(Charge)
            .join(Stay, Stay.id == Charge.stay_id)
            .where(*where)
            .group_by(key)
        ).all()
    )
    total = sum((_money(r[3]) + _money(folio.get(r[0])) for r in stays), Decimal(0))
    out: list[tuple[Value, ...]] = []
    for k, n, nights, room in stays:
        revenue = _money(room) + _money(folio.get(k))
        adr = (_money(room) / int(nights)).quantize(Decimal("0.01")) if nights else None
        out.append(
            (
                k,
                int(n),
                int(nights or 0),
                _money(room),
                _money(folio.get(k)),
                revenue,
                _ratio(revenue, total),
                adr,
            )
        )
    return sorted(out, key=lambda r: (-Decimal(str(r[5] or 0)), str(r[0])))


def channels_report(session: Session, *, scope: DataScope, params: ReportParams, locale: str) -> Report:
    group = channel_group(analytics.load_rules().vocabulary)
    groups = _by_channel(session, scope, params, group)
    channels = _by_channel(session, scope, params, func.coalesce(Stay.channel, "?"))
    cols = (
        Column("stays", L("入住次数", "Stays")),
        Column("nights", L("间夜", "Room nights")),
        Column("room_revenue", L("客房收入", "Room revenue"), "money"),
        Column("folio_revenue", L("其他消费", "Folio revenue"), "money"),
        Column("revenue", L("总收入", "Total revenue"), "money"),
        Column("share", L("收入占比", "Share of revenue"), "pct"),
        Column("adr", L("平均房价", "ADR"), "money"),
    )
    stays = sum((int(str(r[1] or 0)) for r in groups), 0)
    revenue = sum((Decimal(str(r[5])) for r in groups), Decimal(0))
    share = {str(r[0]): r[6] for r in groups}
    figures = [
        Figure("stays", L("入住次数", "Stays"), stays),
        Figure("revenue", L("总收入", "Total revenue"), _money(revenue), "money"),
        Figure("ota_share", L("OTA 收入占比", "OTA share of revenue"), share.get("ota"), "pct"),
        Figure("direct_share", L("直销收入占比", "Direct share of revenue"), share.get("direct"), "pct"),
    ]
    named = [(CHANNEL_GROUPS[str(r[0])].text(locale), *r[1:]) for r in groups]
    return Report(
        KINDS["channels"],
        params.since,
        params.until,
        figures,
        [
            Section(
                "groups",
                L("按渠道类别", "By channel group"),
                (Column("group", L("渠道类别", "Channel group"), "text"), *cols),
                named,
                chart="revenue",
            ),
            Section(
                "channels",
                L("按渠道", "By channel"),
                (Column("channel", L("渠道", "Channel"), "text"), *cols),
                channels,
                chart="revenue",
            ),
        ],
    )


# --- repeat guests ---------------------------------------------------------------------------------

STAY_BUCKETS = ((1, 1, "1"), (2, 2, "2"), (3, 3, "3"), (4, 5, "4–5"), (6, None, "6+"))
GAP_BUCKETS = (
    (None, 30, L("30 天以内", "Up to 30 days")),
    (31, 90, L("31–90 天", "31–90 days")),
    (91, 180, L("91–180 天", "91–180 days")),
    (181, 365, L("181–365 天", "181–365 days")),
    (366, None, L("一年以上", "More than a year")),
)


def _bucket(column: ColumnElement[int], buckets: Sequence[tuple[int | None, int | None, Any]]) -> Any:
    whens = []
    for i, (low, high, _name) in enumerate(buckets):
        test = and_(
            column >= low if low is not None else literal(True),
            column <= high if high is not None else literal(True),
        )
        whens.append((test, i))
    return case(*whens, else_=len(buckets) - 1)


def repeat_report(session: Session, *, scope: DataScope, params: ReportParams, locale: str) -> Report:
    """New = the guest's first counted stay in scope arrived in the period; returning = an earlier one.
    A return interval is the days from a guest's previous check-out (in scope) to an arrival in the
    period; stays counted to date are the guest's counted stays in scope up to the period's end."""
    since, until = params.since, params.until
    base = [StayGuest.role != GuestRole.BOOKER, Stay.status.in_(COUNTED), stay_visible(scope)]
    joined = select().select_from(StayGuest).join(Stay, Stay.id == StayGuest.stay_id)
    history = (
        joined.add_columns(
            StayGuest.guest_id.label("guest_id"),
            func.min(Stay.arrival).label("first"),
            func.count(distinct(Stay.id)).label("to_date"),
        )
        .where(*base, Stay.arrival <= until)
        .group_by(StayGuest.guest_id)
        .subquery()
    )
    period = (
        joined.add_columns(StayGuest.guest_id.label("guest_id"), func.count(distinct(Stay.id)).label("stays"))
        .where(*base, Stay.arrival >= since, Stay.arrival <= until)
        .group_by(StayGuest.guest_id)
        .subquery()
    )
    is_new = case((history.c.first >= since, 1), else_=0)
    guests, new, multi = session.execute(
        select(
            func.count(),
            func.coalesce(func.sum(is_new), 0),
            func.coalesce(func.sum(case((period.c.stays >= 2, 1), else_=0)), 0),
        ).select_from(period.join(history, history.c.guest_id == period.c.guest_id))
    ).one()
    bucket = _bucket(history.c.to_date, STAY_BUCKETS)
    by_stays: dict[int, int] = dict(
        session.execute(
            select(bucket, func.count())
            .select_from(period.join(history, history.c.guest_id == period.c.guest_id))
            .group_by(bucket)
        ).all()
    )
    ordered = (
        joined.add_columns(
            Stay.arrival.label("arrival"),
            func.lag(Stay.departure)
            .over(partition_by=StayGuest.guest_id, order_by=(Stay.arrival, Stay.id))
            .label("previous"),
        )
        .where(*base, Stay.arrival <= until)
        .subquery()
    )
    gap = analytics.days_between(ordered.c.previous, ordered.c.arrival)
    gap_bucket = _bucket(gap, GAP_BUCKETS)
    returns = session.execute(
        select(gap_bucket, func.count(), func.sum(gap))
        .where(ordered.c.previous.is_not(None), ordered.c.arrival >= since, ordered.c.arrival <= until)
        .group_by(gap_bucket)
    ).all()
    gaps = {int(b): (int(n), int(total or 0)) for b, n, total in returns}
    returns_n = sum(n for n, _ in gaps.values())
    gap_days = sum(t for _, t in gaps.values())
    guests, new = int(guests), int(new)
    figures = [
        Figure("guests", L("入住客人", "Guests who stayed"), guests),
        Figure("new", L("新客", "New guests"), new),
        Figure("returning", L("回头客", "Returning guests"), guests - new),
        Figure("repeat_rate", L("回头率", "Repeat rate"), _ratio(guests - new, guests), "pct"),
        Figure("multi", L("本期入住两次及以上", "Guests with 2+ stays in the period"), int(multi)),
        Figure("returns", L("回访入住次数", "Return stays"), returns_n),
        Figure(
            "mean_interval",
            L("平均回访间隔（天）", "Mean return interval (days)"),
            round(gap_days / returns_n, 1) if returns_n else None,
            "num",
        ),
    ]
    stay_rows: list[tuple[Value, ...]] = [
        (name, int(by_stays.get(i, 0)), _ratio(by_stays.get(i, 0), guests))
        for i, (_lo, _hi, name) in enumerate(STAY_BUCKETS)
    ]
    gap_rows: list[tuple[Value, ...]] = [
        (name.text(locale), gaps.get(i, (0, 0))[0], _ratio(gaps.get(i, (0, 0))[0], returns_n))
        for i, (_lo, _hi, name) in enumerate(GAP_BUCKETS)
    ]
    share = Column("share", L("占比", "Share"), "pct")
    return Report(
        KINDS["repeat"],
        since,
        until,
        figures,
        [
            Section(
                "stays_to_date",
                L("累计入住次数", "Stays to date"),
                (
                    Column("stays", L("累计入住次数", "Stays to date"), "text"),
                    Column("guests", L("客人数", "Guests")),
                    share,
                ),
                stay_rows,
                chart="guests",
            ),
            Section(
                "intervals",
                L("回访间隔", "Return intervals"),
                (
                    Column("interval", L("间隔", "Interval"), "text"),
                    Column("returns", L("回访次数", "Returns")),
                    share,
                ),
                gap_rows,
                chart="returns",
            ),
        ],
    )


# --- guest lists: VIPs and birthdays -------------------------------------------------------------


def _guest_stays(scope: DataScope, since: date | None, until: date) -> Any:
    """Per guest: counted stays in scope (in the period if `since`), nights, revenue as primary guest
    and the last check-out."""
    where = [
        StayGuest.role != GuestRole.BOOKER,
        Stay.status.in_(COUNTED),
        stay_visible(scope),
        Stay.arrival <= until,
    ]
    if since is not None:
        where.append(Stay.arrival >= since)
    revenue = func.sum(case((StayGuest.role == GuestRole.PRIMARY, Stay.amount), else_=0))
    return (
        select(
            StayGuest.guest_id.label("guest_id"),
            func.count(distinct(Stay.id)).label("stays"),
            func.sum(_nights()).label("nights"),
            revenue.label("revenue"),
            func.max(Stay.departure).label("last"),
        )
        .join(Stay, Stay.id == StayGuest.stay_id)
        .where(*where)
        .group_by(StayGuest.guest_id)
        .subquery()
    )


def _limit(query: Select[Any]) -> Select[Any]:
    return query.limit(MAX_GUEST_ROWS + 1)


def _check_size(rows: Sequence[Any]) -> None:
    if len(rows) > MAX_GUEST_ROWS:
        raise InvalidInput(
            f"The list would hold more than {MAX_GUEST_ROWS:,} guests.", hint="Narrow the scope or the dates."
        )


def _as_date(value: Any) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def vip_report(session: Session, *, scope: DataScope, params: ReportParams, locale: str) -> Report:
    """Active guests in scope with a VIP level or a loyalty tier, biggest room revenue in the period
    first, with their stays in the period and their last check-out (in scope)."""
    in_period = _guest_stays(scope, params.since, params.until)
    ever = _guest_stays(scope, None, params.until)
    rows = session.execute(
        _limit(
            select(
                Guest.public_id,
                Guest.full_name,
                Guest.vip_level,
                Guest.loyalty_tier,
                func.coalesce(in_period.c.stays, 0),
                func.coalesce(in_period.c.nights, 0),
                func.coalesce(in_period.c.revenue, 0),
                ever.c.last,
            )
            .outerjoin(in_period, in_period.c.guest_id == Guest.id)
            .outerjoin(ever, ever.c.guest_id == Guest.id)
            .where(
                Guest.status == GuestStatus.ACTIVE,
                guest_visible(scope),
                or_(Guest.vip_level.is_not(None), Guest.loyalty_tier.is_not(None)),
            )
            .order_by(func.coalesce(in_period.c.revenue, 0).desc(), Guest.public_id)
        )
    ).all()
    _check_size(rows)
    guests: list[tuple[Value, ...]] = [
        (pid, mask_name(name), vip, tier, int(s), int(n), _money(r), _as_date(last))
        for pid, name, vip, tier, s, n, r, last in rows
    ]
    tiers: dict[str, int] = {}
    for row in guests:
        key = str(row[3] or row[2] or "")
        tiers[key] = tiers.get(key, 0) + 1
    none = L("（无）", "(none)").text(locale)
    figures = [
        Figure("guests", L("VIP 及会员客人", "VIP and loyalty guests"), len(guests)),
        Figure("with_stays", L("本期有入住", "With a stay in the period"), sum(1 for g in guests if g[4])),
        Figure(
            "revenue",
            L("本期客房收入", "Room revenue in the period"),
            _money(sum(Decimal(str(g[6])) for g in guests)),
            "money",
        ),
    ]
    return Report(
        KINDS["vip"],
        params.since,
        params.until,
        figures,
        [
            Section(
                "guests",
                L("客人", "Guests"),
                (
                    Column("guest_id", L("宾客编号", "Guest ID"), "text"),
                    Column("name", L("姓名", "Name"), "text"),
                    Column("vip_level", L("VIP 等级", "VIP level"), "text"),
                    Column("loyalty_tier", L("会员等级", "Loyalty tier"), "text"),
                    Column("stays", L("本期入住", "Stays in period")),
                    Column("nights", L("间夜", "Room nights")),
                    Column("room_revenue", L("客房收入", "Room revenue"), "money"),
                    Column("last_departure", L("最近离店", "Last check-out"), "date"),
                ),
                guests,
            ),
            Section(
                "tiers",
                L("按等级", "By tier"),
                (
                    Column("tier", L("会员等级", "Loyalty tier"), "text"),
                    Column("guests", L("客人数", "Guests")),
                ),
                [(k or none, n) for k, n in sorted(tiers.items(), key=lambda kv: (-kv[1], kv[0]))],
                chart="guests",
            ),
        ],
    )


def _birthday_between(since: date, until: date) -> ColumnElement[bool]:
    """Month and day within the dates (a range over New Year wraps; a year or more is every day)."""
    md = Guest.birth_month * 100 + Guest.birth_day
    lo, hi = since.month * 100 + since.day, until.month * 100 + until.day
    if (until - since).days >= 365:
        return Guest.birth_month.is_not(None)
    if lo <= hi and since.year == until.year:
        return md.between(lo, hi)
    return or_(md >= lo, md <= hi)


def birthdays_report(
    session: Session, *, scope: DataScope, params: ReportParams, locale: str, now: datetime
) -> Report:
    """Active guests in scope whose birthday (month and day, never the year) falls in the dates, with
    their marketing consent per channel as in force now; with `consent`, only those who gave it on
    that channel (the others are counted, not listed)."""
    email = Guest.id.in_(consented_guest_ids(Purpose.MARKETING, Channel.EMAIL, now=now))
    sms = Guest.id.in_(consented_guest_ids(Purpose.MARKETING, Channel.SMS, now=now))
    where = [
        Guest.status == GuestStatus.ACTIVE,
        guest_visible(scope),
        _birthday_between(params.since, params.until),
    ]
    everyone = session.scalar(select(func.count()).select_from(Guest).where(*where)) or 0
    if params.consent is not None:
        where.append(
            Guest.id.in_(consented_guest_ids(Purpose.MARKETING, CONSENT_CHANNELS[params.consent], now=now))
        )
    ever = _guest_stays(scope, None, params.until)
    rows = session.execute(
        _limit(
            select(
                Guest.public_id,
                Guest.full_name,
                Guest.birth_month,
                Guest.birth_day,
                Guest.loyalty_tier,
                Guest.vip_level,
                func.coalesce(ever.c.stays, 0),
                ever.c.last,
                case((email, 1), else_=0),
                case((sms, 1), else_=0),
            )
            .outerjoin(ever, ever.c.guest_id == Guest.id)
            .where(*where)
            .order_by(Guest.birth_month, Guest.birth_day, Guest.public_id)
        )
    ).all()
    _check_size(rows)
    yes, no = L("是", "yes").text(locale), L("否", "no").text(locale)
    guests: list[tuple[Value, ...]] = [
        (
            pid,
            mask_name(name),
            f"{m:02d}-{d:02d}" if m and d else "",
            tier,
            vip,
            int(stays),
            _as_date(last),
            yes if e else no,
            yes if s else no,
        )
        for pid, name, m, d, tier, vip, stays, last, e, s in rows
    ]
    figures = [
        Figure("guests", L("生日客人", "Guests with a birthday"), int(everyone)),
        Figure(
            "email_consent",
            L("同意邮件营销", "Agreed to marketing e-mail"),
            sum(1 for g in guests if g[7] == yes),
        ),
        Figure(
            "sms_consent", L("同意短信营销", "Agreed to marketing SMS"), sum(1 for g in guests if g[8] == yes)
        ),
    ]
    params_out = {}
    if params.consent is not None:
        figures.append(Figure("listed", L("已列出（有同意）", "Listed (with consent)"), len(guests)))
        figures.append(
            Figure(
                "excluded", L("因无同意未列出", "Left out for want of consent"), int(everyone) - len(guests)
            )
        )
        params_out["consent"] = params.consent
    return Report(
        KINDS["birthdays"],
        params.since,
        params.until,
        figures,
        [
            Section(
                "guests",
                L("客人", "Guests"),
                (
                    Column("guest_id", L("宾客编号", "Guest ID"), "text"),
                    Column("name", L("姓名", "Name"), "text"),
                    Column("birthday", L("生日（月-日）", "Birthday (month-day)"), "text"),
                    Column("loyalty_tier", L("会员等级", "Loyalty tier"), "text"),
                    Column("vip_level", L("VIP 等级", "VIP level"), "text"),
                    Column("stays", L("入住次数", "Stays")),
                    Column("last_departure", L("最近离店", "Last check-out"), "date"),
                    Column("email_consent", L("邮件营销同意", "Marketing e-mail consent"), "text"),
                    Column("sms_consent", L("短信营销同意", "Marketing SMS consent"), "text"),
                ),
                guests,
            )
        ],
        params_out,
    )


# --- lifecycle movement ----------------------------------------------------------------------------


def lifecycle_report(session: Session, *, scope: DataScope, params: ReportParams, locale: str) -> Report:
    """From the stage history of active guests in scope: per stage, guests in it at the start of the
    period, who entered and who left during it, and guests in it at the end; and the moves."""
    since, until = params.since, params.until
    H = GuestStageHistory
    one = literal(1)
    start = case((and_(H.entered_on < since, or_(H.left_on.is_(None), H.left_on >= since)), one), else_=0)
    entered = case((H.entered_on.between(since, until), one), else_=0)
    left = case((H.left_on.between(since, until), one), else_=0)
    end = case((and_(H.entered_on <= until, or_(H.left_on.is_(None), H.left_on > until)), one), else_=0)
    visible = [Guest.status == GuestStatus.ACTIVE, guest_visible(scope)]
    figures_by_stage = {
        stage: (int(a), int(b), int(c), int(d))
        for stage, a, b, c, d in session.execute(
            select(H.stage, func.sum(start), func.sum(entered), func.sum(left), func.sum(end))
            .join(Guest, Guest.id == H.guest_id)
            .where(*visible, H.entered_on <= until)
            .group_by(H.stage)
        ).all()
    }
    moves = session.execute(
        select(H.previous_stage, H.stage, func.count())
        .join(Guest, Guest.id == H.guest_id)
        .where(*visible, H.entered_on.between(since, until))
        .group_by(H.previous_stage, H.stage)
        .order_by(func.count().desc(), H.previous_stage, H.stage)
    ).all()

    def stage_name(code: str | None) -> str:
        if code is None:
            return L("（首次）", "(first)").text(locale)
        named = analytics.STAGES.get(code)
        return named.name(locale) if named else code

    order = list(analytics.STAGES) + sorted(set(figures_by_stage) - set(analytics.STAGES))
    rows: list[tuple[Value, ...]] = [
        (stage_name(s), *figures_by_stage[s], figures_by_stage[s][3] - figures_by_stage[s][0])
        for s in order
        if s in figures_by_stage
    ]
    entries = sum(r[2] for r in figures_by_stage.values())
    figures = [
        Figure("entries", L("阶段进入次数", "Stage entries"), entries),
        Figure(
            "at_risk_entries",
            L("进入流失风险", "Became at risk"),
            figures_by_stage.get("at_risk", (0, 0, 0, 0))[1],
        ),
        Figure(
            "churned_entries", L("进入已流失", "Churned"), figures_by_stage.get("churned", (0, 0, 0, 0))[1]
        ),
        Figure(
            "won_back_entries", L("被赢回", "Won back"), figures_by_stage.get("won_back", (0, 0, 0, 0))[1]
        ),
    ]
    return Report(
        KINDS["lifecycle"],
        since,
        until,
        figures,
        [
            Section(
                "stages",
                L("各阶段变动", "Movement per stage"),
                (
                    Column("stage", L("阶段", "Stage"), "text"),
                    Column("at_start", L("期初", "At start")),
                    Column("entered", L("进入", "Entered")),
                    Column("left", L("离开", "Left")),
                    Column("at_end", L("期末", "At end")),
                    Column("net", L("净变化", "Net change")),
                ),
                rows,
                chart="at_end",
            ),
            Section(
                "moves",
                L("阶段转换", "Moves between stages"),
                (
                    Column("from", L("原阶段", "From"), "text"),
                    Column("to", L("新阶段", "To"), "text"),
                    Column("guests", L("客人数", "Guests")),
                ),
                [(stage_name(a), stage_name(b), int(n)) for a, b, n in moves],
            ),
        ],
    )


# --- satisfaction ----------------------------------------------------------------------------------


def _instants(since: date, until: date) -> tuple[datetime, datetime]:
    return datetime.combine(since, time.min, UTC), datetime.combine(until + timedelta(days=1), time.min, UTC)


def satisfaction_report(session: Session, *, scope: DataScope, params: ReportParams, locale: str) -> Report:
    """Per hotel in scope: surveys sent in the period (answers, response rate, NPS = promoters 9–10
    minus detractors 0–6 in points, mean CSAT 1–5), ticket ratings given in it (mean 1–5), and OTA
    reviews written in it per channel (mean on the survey's 1–5 scale)."""
    begin, end = _instants(params.since, params.until)
    hotel_name = Hotel.name_zh if locale == "zh_CN" else Hotel.name_en
    promoters = func.sum(case((Survey.nps >= 9, 1), else_=0))
    detractors = func.sum(case((Survey.nps <= 6, 1), else_=0))
    surveys = session.execute(
        select(
            Hotel.code,
            hotel_name,
            func.count(Survey.id),
            func.count(Survey.answered_at),
            promoters,
            detractors,
            func.count(Survey.nps),
            func.avg(Survey.csat),
        )
        .join(Hotel, Hotel.id == Survey.hotel_id)
        .where(hotel_visible(scope), Survey.sent_at >= begin, Survey.sent_at < end)
        .group_by(Hotel.code, hotel_name)
        .order_by(Hotel.code)
    ).all()

    def nps(pro: Any, det: Any, rated: Any) -> float | None:
        return round(100 * (int(pro or 0) - int(det or 0)) / int(rated), 1) if rated else None

    survey_rows: list[tuple[Value, ...]] = [
        (
            f"{code} {name}",
            int(sent),
            int(answered),
            _ratio(answered, sent),
            nps(pro, det, rated),
            _mean(csat),
        )
        for code, name, sent, answered, pro, det, rated, csat in surveys
    ]
    ratings = session.execute(
        select(Hotel.code, hotel_name, func.count(TicketRating.score), func.avg(TicketRating.score))
        .join(Hotel, Hotel.id == TicketRating.hotel_id)
        .where(
            hotel_visible(scope),
            TicketRating.rated_at >= begin,
            TicketRating.rated_at < end,
            TicketRating.score.is_not(None),
        )
        .group_by(Hotel.code, hotel_name)
        .order_by(Hotel.code)
    ).all()
    reviews = session.execute(
        select(Hotel.code, hotel_name, OtaReview.channel, func.count(OtaReview.id), func.avg(OtaReview.csat))
        .join(Hotel, Hotel.id == OtaReview.hotel_id)
        .where(hotel_visible(scope), OtaReview.reviewed_on.between(params.since, params.until))
        .group_by(Hotel.code, hotel_name, OtaReview.channel)
        .order_by(Hotel.code, OtaReview.channel)
    ).all()
    totals = session.execute(
        select(
            promoters,
            detractors,
            func.count(Survey.nps),
            func.avg(Survey.csat),
            func.count(Survey.answered_at),
        )
        .join(Hotel, Hotel.id == Survey.hotel_id)
        .where(hotel_visible(scope), Survey.sent_at >= begin, Survey.sent_at < end)
    ).one()
    rating_total = session.execute(
        select(func.count(TicketRating.score), func.avg(TicketRating.score))
        .join(Hotel, Hotel.id == TicketRating.hotel_id)
        .where(
            hotel_visible(scope),
            TicketRating.rated_at >= begin,
            TicketRating.rated_at < end,
            TicketRating.score.is_not(None),
        )
    ).one()
    review_total = session.execute(
        select(func.count(OtaReview.id), func.avg(OtaReview.csat))
        .join(Hotel, Hotel.id == OtaReview.hotel_id)
        .where(hotel_visible(scope), OtaReview.reviewed_on.between(params.since, params.until))
    ).one()
    figures = [
        Figure("answers", L("问卷回复", "Survey answers"), int(totals[4] or 0)),
        Figure("nps", L("NPS（净推荐值）", "NPS"), nps(totals[0], totals[1], totals[2]), "num"),
        Figure("csat", L("平均满意度（1–5）", "Mean CSAT (1–5)"), _mean(totals[3]), "num"),
        Figure(
            "ticket_rating",
            L("工单处理平均评分（1–5）", "Mean ticket rating (1–5)"),
            _mean(rating_total[1]),
            "num",
        ),
        Figure("reviews", L("OTA 点评数", "OTA reviews"), int(review_total[0] or 0)),
        Figure(
            "review_csat",
            L("OTA 点评平均分（1–5）", "Mean OTA review score (1–5)"),
            _mean(review_total[1]),
            "num",
        ),
    ]
    hotel_col = Column("hotel", L("酒店", "Hotel"), "text")
    return Report(
        KINDS["satisfaction"],
        params.since,
        params.until,
        figures,
        [
            Section(
                "surveys",
                L("住后问卷", "Post-stay surveys"),
                (
                    hotel_col,
                    Column("sent", L("发出", "Sent")),
                    Column("answered", L("回复", "Answered")),
                    Column("response_rate", L("回复率", "Response rate"), "pct"),
                    Column("nps", L("NPS", "NPS"), "num"),
                    Column("csat", L("平均满意度", "Mean CSAT"), "num"),
                ),
                survey_rows,
                chart="csat",
            ),
            Section(
                "ticket_ratings",
                L("服务工单评分", "Ticket ratings"),
                (
                    hotel_col,
                    Column("ratings", L("评分数", "Ratings")),
                    Column("mean", L("平均分", "Mean score"), "num"),
                ),
                [(f"{c} {n}", int(k), _mean(a)) for c, n, k, a in ratings],
                chart="mean",
            ),
            Section(
                "reviews",
                L("OTA 点评", "OTA reviews"),
                (
                    hotel_col,
                    Column("channel", L("渠道", "Channel"), "text"),
                    Column("reviews", L("点评数", "Reviews")),
                    Column("mean", L("平均分（1–5）", "Mean score (1–5)"), "num"),
                ),
                [(f"{c} {n}", ch, int(k), _mean(a)) for c, n, ch, k, a in reviews],
            ),
        ],
    )


def build_report(
    session: Session, code: str, *, scope: DataScope, params: ReportParams, locale: str, now: datetime
) -> Report:
    """The report `code` for the period, in the caller's scope; labels in `locale`."""
    params.check()
    if code not in KINDS:
        raise InvalidInput(f"There is no report {code!r}.", hint=f"One of: {', '.join(KINDS)}.")
    if code == "birthdays":
        return birthdays_report(session, scope=scope, params=params, locale=locale, now=now)
    builders = {
        "sources": sources_report,
        "channels": channels_report,
        "repeat": repeat_report,
        "vip": vip_report,
        "lifecycle": lifecycle_report,
        "satisfaction": satisfaction_report,
    }
    return builders[code](session, scope=scope, params=params, locale=locale)
