"""The incremental refresh recomputes only the guests changed since the last refresh, yet gives the same
figures, stages, tags and segment membership as a full refresh on both databases (issue 8)."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from guestgraph import analytics
from guestgraph.access import DataScope
from guestgraph.analytics import MetricCondition, SegmentDefinition, StayCondition, TagCondition
from guestgraph.analytics._scores import _group_thresholds, _window_thresholds
from guestgraph.db.models import (
    Charge,
    DashboardDay,
    DashboardDistribution,
    DashboardOutletDay,
    Guest,
    GuestMetrics,
    GuestStageHistory,
    GuestTag,
    Interaction,
    SegmentMember,
    Stay,
)
from tests.factories import hotel, make_guest, make_stay

AS_OF = date(2026, 11, 1)
SETTINGS = analytics.AnalyticsSettings()
EXACT = analytics.Margins(ids=0, time=timedelta(0))  # no margin: the test sees exactly what is found
DISTRIBUTION = [c for c in DashboardDistribution.__table__.c if c.name != "id"]


def _world(s: Session) -> list[Guest]:
    rng = random.Random(7)
    guests = [make_guest(s, full_name=f"客人{i}") for i in range(40)]
    for g in guests:
        for _ in range(rng.randint(1, 4)):
            arrival = AS_OF - timedelta(days=rng.randint(3, 700))
            code = rng.choice(["SHA01", "SHA02", "HGH01"])
            make_stay(
                s,
                code,
                g,
                arrival=arrival,
                amount=Decimal(rng.randint(300, 3000)),
                channel=rng.choice(["ctrip", "官网"]),
            )
    now = datetime(2026, 11, 1, 8, tzinfo=UTC)
    for name, condition in (
        ("top spenders", MetricCondition(field="m_score", op=">=", value=4)),
        ("watch list", TagCondition(tag="VIP-watch")),
        ("two at SHA01", StayCondition(hotels=["SHA01"], min_count=2)),
    ):
        definition = SegmentDefinition(condition=condition)
        analytics.create_segment(
            s,
            scope=DataScope.group(),
            name=name,
            definition=definition,
            kind="dynamic",
            by="t",
            today=AS_OF,
            now=now,
        )
    s.commit()
    return guests


def _state(s: Session) -> dict[str, Any]:
    s.expire_all()
    metrics = s.scalars(select(GuestMetrics).order_by(GuestMetrics.guest_id)).all()
    columns = [c.name for c in GuestMetrics.__table__.columns]
    return {
        "metrics": [tuple(getattr(m, c) for c in columns) for m in metrics],
        "tags": {
            tuple(r)
            for r in s.execute(
                select(GuestTag.guest_id, GuestTag.tag, GuestTag.kind).where(GuestTag.retired_at.is_(None))
            ).all()
        },
        "segments": {
            tuple(r)
            for r in s.execute(
                select(SegmentMember.segment_id, SegmentMember.guest_id).where(
                    SegmentMember.left_at.is_(None)
                )
            ).all()
        },
        "dashboard_days": sorted(
            tuple(r)
            for r in s.execute(
                select(
                    DashboardDay.hotel_id, DashboardDay.day, DashboardDay.channel, DashboardDay.stays
                ).add_columns(DashboardDay.nights, DashboardDay.room_amount)
            ).all()
        ),
        "dashboard_outlets": sorted(
            tuple(r)
            for r in s.execute(
                select(
                    DashboardOutletDay.hotel_id, DashboardOutletDay.day, DashboardOutletDay.outlet
                ).add_columns(DashboardOutletDay.lines, DashboardOutletDay.amount)
            ).all()
        ),
        "dashboard_distribution": sorted(
            (tuple(r) for r in s.execute(select(*DISTRIBUTION)).all()), key=repr
        ),
        "stages": {
            tuple(r)
            for r in s.execute(
                select(GuestStageHistory.guest_id, GuestStageHistory.stage).where(
                    GuestStageHistory.left_on.is_(None)
                )
            ).all()
        },
    }


@pytest.mark.parametrize(
    "settings",
    [SETTINGS, analytics.AnalyticsSettings(score_within="hotel", frequency="nights")],
    ids=["group", "per-hotel-nights"],
)
def test_an_incremental_refresh_equals_a_full_one(
    engine: Engine, demo_group: Session, settings: analytics.AnalyticsSettings
) -> None:
    s = demo_group
    guests = _world(s)
    first = analytics.refresh(engine, settings=settings, as_of=AS_OF, incremental=True)
    assert first.kind == "full"  # nothing to start from
    before = _state(s)

    # What an afternoon brings: a stay, a new guest, a complaint, a staff tag, a spa bill.
    returning, complaining, watched, spender = guests[3], guests[5], guests[8], guests[13]
    make_stay(s, "SHA01", returning, arrival=AS_OF - timedelta(days=2), amount=Decimal("2600"))
    newcomer = make_guest(s, full_name="新客人")
    make_stay(s, "SHA02", newcomer, arrival=AS_OF - timedelta(days=1), amount=Decimal("900"))
    s.add(Interaction(guest_id=complaining.id, channel="phone", direction="in", kind="complaint"))
    s.add(GuestTag(guest_id=watched.id, tag="VIP-watch", kind="manual", added_by="t"))
    s.add(
        Charge(
            hotel_id=hotel(s, "SHA01").id,
            guest_id=spender.id,
            outlet="spa",
            amount=Decimal("8000"),
            currency="CNY",
        )
    )
    # and a restaurant bill posted to one of the spender's past stays (an old day of the dashboard)
    old_stay = s.scalars(
        select(Stay).where(Stay.guests.any(guest_id=spender.id)).order_by(Stay.arrival)
    ).first()
    assert old_stay is not None
    s.add(
        Charge(
            hotel_id=old_stay.hotel_id,
            stay_id=old_stay.id,
            guest_id=spender.id,
            outlet="fnb",
            amount=Decimal("640"),
            currency="CNY",
        )
    )
    s.commit()

    quick = analytics.refresh(engine, settings=settings, as_of=AS_OF, incremental=True, margins=EXACT)
    assert quick.kind == "incremental"
    assert quick.touched == 5  # the five guests above, not the other 36
    after_incremental = _state(s)
    assert after_incremental != before  # it did move: the newcomer, the tag, the bill
    assert (watched.id, "VIP-watch", "manual") in after_incremental["tags"]

    full = analytics.refresh(engine, settings=settings, as_of=AS_OF)
    assert full.kind == "full"
    assert _state(s) == after_incremental

    # A new day: recency moves for everyone, so an incremental request runs in full.
    assert (
        analytics.refresh(engine, settings=settings, as_of=AS_OF + timedelta(days=1), incremental=True).kind
        == "full"
    )


def test_the_group_thresholds_read_from_the_score_indexes_equal_the_ranked_ones(
    engine: Engine, demo_group: Session
) -> None:
    """An incremental refresh finds the group's quintile thresholds by walking each score column's index
    (from the nearer end); they are the values the window ranking gives, ties included."""
    _world(demo_group)
    analytics.refresh(engine, settings=SETTINGS, as_of=AS_OF)
    with engine.connect() as conn:
        walked = _group_thresholds(conn, SETTINGS)
        ranked = _window_thresholds(conn, SETTINGS)
    assert set(walked[0]) == {"r_score", "f_score", "m_score"}
    assert walked == ranked
