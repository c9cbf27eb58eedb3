"""The management dashboard's roll-ups, kept by the analytics refresh in its transaction (issue 8):

- `dashboard_day` / `dashboard_outlet_day`: counted stays per hotel, arrival day and channel (stays,
  nights, room amount) and the folio lines posted to them by outlet. A full refresh rebuilds them; an
  incremental one rebuilds the arrival days its changes touched (`_incremental.changed_days`), including
  the day a moved stay was counted under before (`stay.rollup_day`, brought up to its arrival here).
- `dashboard_distribution`: active guests with metrics by stage, RFM group and churn warning, counted
  once per hotel, per region and for the group (a guest who stayed at two hotels of a region is one guest
  of the region), rebuilt by every refresh since any refresh may move any guest's stage.

Both are set-based INSERT … SELECT; the dashboard reads them in `_reports`.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    Date,
    MetaData,
    String,
    Table,
    cast,
    delete,
    func,
    insert,
    literal,
    or_,
    select,
    union,
    update,
)

from guestgraph.analytics._sqlfuncs import days_between
from guestgraph.db.models import (
    Charge,
    DashboardDay,
    DashboardDistribution,
    DashboardOutletDay,
    Guest,
    GuestMetrics,
    GuestStatus,
    Hotel,
    SourceRecord,
    Stay,
    StayGuest,
)

M = GuestMetrics
COUNTED = ("checked_out", "in_house")
ROLLUPS_MARK = "dashboard_rollups"  # in analytics_run.marks: this run wrote the roll-ups (its version)
ROLLUPS_VERSION = 2  # 2: and kept `stay.rollup_day` (0053); an older run's days are all rebuilt


def rebuild_days(conn: Connection, days: Any = None) -> None:
    """The day roll-ups of every arrival day, or of the days `days` (a SELECT of dates) yields."""
    where = [Stay.status.in_(COUNTED)]
    if days is None:
        _settle_days(conn, None)
        conn.execute(delete(DashboardDay))
        conn.execute(delete(DashboardOutletDay))
    else:
        touched = _day_set(conn, days)
        chosen = select(touched.c.day)
        _settle_days(conn, chosen)
        conn.execute(delete(DashboardDay).where(DashboardDay.day.in_(chosen)))
        conn.execute(delete(DashboardOutletDay).where(DashboardOutletDay.day.in_(chosen)))
        where.append(Stay.arrival.in_(chosen))
    key = (Stay.hotel_id, Stay.arrival, Stay.channel)
    stays = select(
        *key,
        func.count(),
        func.coalesce(func.sum(days_between(Stay.arrival, Stay.departure)), 0),
        func.coalesce(func.sum(Stay.amount), 0),
    ).where(*where)
    columns = ["hotel_id", "day", "channel"]
    conn.execute(
        insert(DashboardDay).from_select([*columns, "stays", "nights", "room_amount"], stays.group_by(*key))
    )
    outlet = cast(Charge.outlet, String(10))
    lines = (
        select(*key, outlet, func.count(), func.coalesce(func.sum(Charge.amount), 0))
        .join(Charge, Charge.stay_id == Stay.id)
        .where(*where)
        .group_by(*key, outlet)
    )
    conn.execute(insert(DashboardOutletDay).from_select([*columns, "outlet", "lines", "amount"], lines))
    if days is not None:
        touched.drop(conn)


def _settle_days(conn: Connection, chosen: Any) -> None:
    """Set `stay.rollup_day` to the arrival of the stays whose day is about to be rebuilt, when the day
    they were counted under is rebuilt too (all days, or those `chosen` selects), before the rebuild
    reads them: the rows it changes stay locked until the refresh commits, so the day they are counted
    under is the one they remember. A stay moved after this statement keeps its old day, which the
    next incremental refresh rebuilds (it finds the stay by its `updated_at`). (PostgreSQL only, whose
    statements each see the latest commits: a stay moved into a rebuilt day between this statement and
    the rebuild, then moved again before the next refresh, leaves the day in between counted until a
    full refresh. SQLite's transaction reads one snapshot.)"""
    moved = or_(Stay.rollup_day.is_(None), Stay.rollup_day != Stay.arrival)
    where: list[Any] = [moved]
    if chosen is not None:
        counted = or_(Stay.rollup_day.is_(None), Stay.rollup_day.in_(chosen))
        where += [Stay.arrival.in_(chosen), counted]
    # updated_at as it was: this is the refresh's bookkeeping, not a change of the stay
    conn.execute(update(Stay).where(*where).values(rollup_day=Stay.arrival, updated_at=Stay.updated_at))


def _day_set(conn: Connection, days: Any) -> Table:
    table = Table(
        "tmp_dashboard_days", MetaData(), Column("day", Date, primary_key=True), prefixes=["TEMPORARY"]
    )
    table.create(conn)
    found = days.subquery()
    conn.execute(insert(table).from_select(["day"], select(found.c[0]).distinct()))
    return table


def rebuild_distribution(conn: Connection) -> None:
    """Active guests by stage, RFM group and churn warning for the group, each region and each hotel."""
    conn.execute(delete(DashboardDistribution))
    facts = (M.stage, M.rfm_group, M.churn_warning)
    active = Guest.status == GuestStatus.ACTIVE
    group = (
        select(literal("group"), literal(0), *facts, func.count())
        .join(Guest, Guest.id == M.guest_id)
        .where(active)
        .group_by(*facts)
    )
    columns = ["level", "unit_id", "stage", "rfm_group", "churn_warning", "guests"]
    conn.execute(insert(DashboardDistribution).from_select(columns, group))
    # the guests seen at each hotel, by a stay (any role) or a source record: as access.guest_visible
    seen = guest_set_of_hotels(conn)
    for level, unit in (("hotel", seen.c.hotel_id), ("region", Hotel.region_id)):
        units = select(unit.label("unit_id"), seen.c.guest_id)
        if level == "region":
            units = units.join(Hotel, Hotel.id == seen.c.hotel_id)
        pairs = units.distinct().subquery()
        counts = (
            select(literal(level), pairs.c.unit_id, *facts, func.count())
            .select_from(pairs)
            .join(M, M.guest_id == pairs.c.guest_id)
            .join(Guest, Guest.id == M.guest_id)
            .where(active)
            .group_by(pairs.c.unit_id, *facts)
        )
        conn.execute(insert(DashboardDistribution).from_select(columns, counts))
    seen.drop(conn)


def guest_set_of_hotels(conn: Connection) -> Table:
    """A temporary table of (hotel, guest) pairs: the guests each hotel has seen (dropped by the caller)."""
    table = Table(
        "tmp_hotel_guests",
        MetaData(),
        Column("hotel_id", BigInteger, primary_key=True),
        Column("guest_id", BigInteger, primary_key=True),
        prefixes=["TEMPORARY"],
    )
    table.create(conn)
    by_stay = select(Stay.hotel_id, StayGuest.guest_id).join(StayGuest, StayGuest.stay_id == Stay.id)
    by_record = select(SourceRecord.hotel_id, SourceRecord.guest_id).where(
        SourceRecord.hotel_id.is_not(None), SourceRecord.guest_id.is_not(None)
    )
    conn.execute(insert(table).from_select(["hotel_id", "guest_id"], union(by_stay, by_record)))
    return table
