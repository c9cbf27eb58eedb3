"""Channel contribution: stays, nights, room and folio revenue, share and ADR by channel group (OTA,
direct, corporate, other) and by channel."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, case, func, literal, select
from sqlalchemy.orm import Session

from guestgraph import analytics
from guestgraph.access import DataScope
from guestgraph.db.models import Charge, Stay
from guestgraph.reports._common import ReportParams, counted_stays, money, ratio, stay_nights
from guestgraph.reports._model import KINDS, Column, Figure, Report, Section, Value
from guestgraph.reports._model import Label as L

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
    where = counted_stays(scope, p.since, p.until)
    stays = session.execute(
        select(key, func.count(Stay.id), func.sum(stay_nights()), func.sum(Stay.amount))
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
    total = sum((money(r[3]) + money(folio.get(r[0])) for r in stays), Decimal(0))
    out: list[tuple[Value, ...]] = []
    for k, n, nights, room in stays:
        revenue = money(room) + money(folio.get(k))
        adr = (money(room) / int(nights)).quantize(Decimal("0.01")) if nights else None
        out.append(
            (
                k,
                int(n),
                int(nights or 0),
                money(room),
                money(folio.get(k)),
                revenue,
                ratio(revenue, total),
                adr,
            )
        )
    return sorted(out, key=lambda r: (-Decimal(str(r[5] or 0)), str(r[0])))


def channels_report(
    session: Session, *, scope: DataScope, params: ReportParams, locale: str, now: datetime
) -> Report:
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
        Figure("revenue", L("总收入", "Total revenue"), money(revenue), "money"),
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
