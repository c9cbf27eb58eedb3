"""Guest source analysis: guests, stays, nights and room revenue by nationality and by city."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import distinct, func, select
from sqlalchemy.orm import Session

from guestgraph.access import DataScope
from guestgraph.db.models import Guest, GuestRole, Stay, StayGuest
from guestgraph.reports._common import ReportParams, counted_stays, country_name, money, ratio, stay_nights
from guestgraph.reports._model import KINDS, Column, Figure, Report, Section, Value
from guestgraph.reports._model import Label as L


def _by_attribute(
    session: Session, scope: DataScope, p: ReportParams, attribute: Any
) -> list[tuple[str | None, int, int, int, Decimal]]:
    """(value, guests, stays, nights, room revenue): guests are everyone on a counted stay but the
    booker; stays, nights and revenue go to the stay's primary guest's value, so they add up."""
    where = counted_stays(scope, p.since, p.until)
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
        key: (int(n), int(nights or 0), money(revenue))
        for key, n, nights, revenue in session.execute(
            select(attribute, func.count(Stay.id), func.sum(stay_nights()), func.sum(Stay.amount))
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


def sources_report(
    session: Session, *, scope: DataScope, params: ReportParams, locale: str, now: datetime
) -> Report:
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
            ratio(sum(r[1] for r in nationality if r[0] and r[0] != "CN"), total),
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
        return [(name(k), g, ratio(g, total), s, n, r) for k, g, s, n, r in data]

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
