"""Birthdays: active guests whose birthday (month and day) falls in the dates, with their marketing
consent per channel (names masked)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ColumnElement, case, func, or_, select
from sqlalchemy.orm import Session

from guestgraph.access import DataScope, guest_visible, mask_name
from guestgraph.db.models import Guest, GuestStatus
from guestgraph.privacy import Channel, Purpose, consented_guest_ids
from guestgraph.reports._common import (
    CONSENT_CHANNELS,
    ReportParams,
    as_date,
    check_list_size,
    guest_stays,
    limit_guests,
)
from guestgraph.reports._model import KINDS, Column, Figure, Report, Section, Value
from guestgraph.reports._model import Label as L


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
    ever = guest_stays(scope, None, params.until)
    rows = session.execute(
        limit_guests(
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
    check_list_size(rows)
    yes, no = L("是", "yes").text(locale), L("否", "no").text(locale)
    guests: list[tuple[Value, ...]] = [
        (
            pid,
            mask_name(name),
            f"{m:02d}-{d:02d}" if m and d else "",
            tier,
            vip,
            int(stays),
            as_date(last),
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
