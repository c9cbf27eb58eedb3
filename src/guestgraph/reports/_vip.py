"""The VIP list: active guests with a VIP level or a loyalty tier and their stays (names masked)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from guestgraph.access import DataScope, guest_visible, mask_name
from guestgraph.db.models import Guest, GuestStatus
from guestgraph.reports._common import (
    ReportParams,
    as_date,
    check_list_size,
    guest_stays,
    limit_guests,
    money,
)
from guestgraph.reports._model import KINDS, Column, Figure, Report, Section, Value
from guestgraph.reports._model import Label as L


def vip_report(
    session: Session, *, scope: DataScope, params: ReportParams, locale: str, now: datetime
) -> Report:
    """Active guests in scope with a VIP level or a loyalty tier, biggest room revenue in the period
    first, with their stays in the period and their last check-out (in scope)."""
    in_period = guest_stays(scope, params.since, params.until)
    ever = guest_stays(scope, None, params.until)
    rows = session.execute(
        limit_guests(
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
    check_list_size(rows)
    guests: list[tuple[Value, ...]] = [
        (pid, mask_name(name), vip, tier, int(s), int(n), money(r), as_date(last))
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
            money(sum(Decimal(str(g[6])) for g in guests)),
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
