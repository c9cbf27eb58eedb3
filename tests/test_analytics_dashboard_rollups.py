"""The dashboard reads the roll-ups the analytics refresh keeps (issue 8) and answers exactly what the
computation from the stays answers, for the group, a region, one hotel, a group user narrowed to a hotel
and a scope of two hotels, for periods before, across and after what an incremental refresh touched."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import Engine, func, select, update
from sqlalchemy.orm import Session

from guestgraph import analytics
from guestgraph.access import DataScope
from guestgraph.db.models import (
    Charge,
    DashboardDay,
    DashboardDistribution,
    Guest,
    GuestRole,
    Hotel,
    Region,
    Stay,
    StayGuest,
    StayStatus,
)
from guestgraph.errors import HotelNotFound
from tests.factories import hotel, make_guest, make_mention, make_stay

AS_OF = date(2026, 11, 1)
SETTINGS = analytics.AnalyticsSettings()
EXACT = analytics.Margins(ids=0, time=timedelta(0))
CODES = ("SHA01", "SHA02", "HGH01")
CHANNELS = ("ctrip", "官网", "corporate", None)
OUTLETS = ("room", "fnb", "spa", "minibar", "other")
STATUSES = (StayStatus.CHECKED_OUT,) * 5 + (StayStatus.IN_HOUSE, StayStatus.CANCELLED, StayStatus.NO_SHOW)


def _stays(s: Session, rng: random.Random, guests: list[Guest], n: int, *, days: int = 500) -> list[Stay]:
    made = []
    for _ in range(n):
        party = rng.sample(guests, rng.choice((1, 1, 2)))
        stay = make_stay(
            s,
            rng.choice(CODES),
            *party,
            arrival=AS_OF - timedelta(days=rng.randint(0, days)),
            amount=rng.choice((Decimal(rng.randint(300, 3000)), None)),
            channel=rng.choice(CHANNELS),
            status=rng.choice(STATUSES),
        )
        if rng.random() < 0.2:  # a booker who did not stay
            stay.guests.append(StayGuest(guest_id=rng.choice(guests).id, role=GuestRole.BOOKER))
        for _ in range(rng.randint(0, 3)):
            s.add(
                Charge(
                    hotel_id=stay.hotel_id,
                    stay_id=stay.id,
                    guest_id=party[0].id,
                    outlet=rng.choice(OUTLETS),
                    amount=Decimal(rng.randint(20, 900)) + Decimal("0.35"),
                    currency="CNY",
                )
            )
        made.append(stay)
    s.flush()
    return made


def _world(s: Session) -> list[Guest]:
    rng = random.Random(11)
    guests = [
        make_guest(s, full_name=f"客人{i}", nationality=rng.choice(("CN", "US", None))) for i in range(60)
    ]
    _stays(s, rng, guests, 160)
    make_mention(s, guests[0])  # a source record of no hotel: a group-level sighting only
    s.commit()
    return guests


def _scopes(s: Session) -> list[tuple[DataScope, str | None]]:
    east = s.scalar(select(Region.id).where(Region.code == "EAST"))
    assert east is not None
    return [
        (DataScope.group(), None),
        (DataScope.region(east), None),
        (DataScope.hotels(hotel(s, "SHA01").id), None),
        (DataScope.group(), "SHA02"),
        (DataScope.region(east), "HGH01"),
        (DataScope.hotels(hotel(s, "SHA01").id, hotel(s, "SHA02").id), None),  # guests may overlap
    ]


PERIODS = [
    (AS_OF - timedelta(days=29), AS_OF),
    (AS_OF - timedelta(days=364), AS_OF),
    (AS_OF - timedelta(days=200), AS_OF - timedelta(days=100)),
    (AS_OF - timedelta(days=5), AS_OF + timedelta(days=5)),
]


def _same_as_direct(s: Session) -> int:
    """Every scope and period: the rolled-up answer equals the one computed from the stays."""
    compared = 0
    for scope, narrowed in _scopes(s):
        for since, until in PERIODS:
            args = {"scope": scope, "since": since, "until": until, "hotel": narrowed}
            rolled = analytics.dashboard(s, **args)  # type: ignore[arg-type]
            direct = analytics.dashboard(s, **args, from_rollups=False)  # type: ignore[arg-type]
            assert rolled.from_rollups and not direct.from_rollups  # it says where it read them
            assert rolled == replace(direct, from_rollups=True), (scope, narrowed, since, until)
            compared += rolled.stays
    return compared


def test_rolled_up_dashboard_equals_the_direct_computation_across_refreshes(
    engine: Engine, demo_group: Session
) -> None:
    s = demo_group
    guests = _world(s)
    assert analytics.refresh(engine, settings=SETTINGS, as_of=AS_OF).kind == "full"
    assert s.scalar(select(func.count()).select_from(DashboardDay)), "the refresh keeps the day roll-up"
    assert _same_as_direct(s) > 0

    # After the refresh: new stays (some in the last days, some long ago), a folio line on an old stay,
    # an old booked stay now checked out, a new guest; then the incremental refresh after the import.
    rng = random.Random(5)
    newcomer = make_guest(s, full_name="新客人", nationality="JP")
    _stays(s, rng, [*guests[:10], newcomer], 12, days=8)
    _stays(s, rng, guests[20:30], 4, days=300)
    old = s.scalars(select(Stay).where(Stay.arrival < AS_OF - timedelta(days=150)).order_by(Stay.id)).first()
    assert old is not None
    s.add(
        Charge(hotel_id=old.hotel_id, stay_id=old.id, outlet="fnb", amount=Decimal("77.70"), currency="CNY")
    )
    s.execute(
        update(Stay)
        .where(
            Stay.id == select(func.max(Stay.id)).where(Stay.status == StayStatus.CANCELLED).scalar_subquery()
        )
        .values(status=StayStatus.CHECKED_OUT)
    )
    s.commit()
    last_week = {"scope": DataScope.group(), "since": AS_OF - timedelta(days=8), "until": AS_OF}
    stale = analytics.dashboard(s, **last_week)  # type: ignore[arg-type]
    live = analytics.dashboard(s, **last_week, from_rollups=False)  # type: ignore[arg-type]
    assert stale.stays < live.stays  # the roll-up is as of the last refresh, until the next one

    quick = analytics.refresh(engine, settings=SETTINGS, as_of=AS_OF, incremental=True, margins=EXACT)
    assert quick.kind == "incremental"
    assert analytics.dashboard(s, **last_week).stays == live.stays  # type: ignore[arg-type]
    assert _same_as_direct(s) > 0
    incremental = _rollup_rows(s)
    analytics.refresh(engine, settings=SETTINGS, as_of=AS_OF)
    assert _rollup_rows(s) == incremental  # a full rebuild gives the same roll-ups


def _rollup_rows(s: Session) -> list[tuple[object, ...]]:
    d, r = DashboardDay, DashboardDistribution
    days = s.execute(select(d.hotel_id, d.day, d.channel, d.stays, d.nights, d.room_amount)).all()
    dist = s.execute(select(r.level, r.unit_id, r.stage, r.rfm_group, r.churn_warning, r.guests)).all()
    return sorted((tuple(x) for x in [*days, *dist]), key=repr)


def test_a_guest_of_two_hotels_counts_once_in_their_region_and_the_group(
    engine: Engine, demo_group: Session
) -> None:
    s = demo_group
    both = make_guest(s, full_name="两店客人")
    make_stay(s, "SHA01", both, arrival=AS_OF - timedelta(days=3))
    make_stay(s, "HGH01", both, arrival=AS_OF - timedelta(days=40))
    s.commit()
    analytics.refresh(engine, settings=SETTINGS, as_of=AS_OF)
    east = s.scalar(select(Hotel.region_id).where(Hotel.code == "SHA01"))
    assert east is not None
    for scope in (DataScope.group(), DataScope.region(east), DataScope.hotels(hotel(s, "SHA01").id)):
        board = analytics.dashboard(s, scope=scope, since=None, until=AS_OF)
        assert sum(board.stages.values()) == 1, scope
    levels = dict(
        s.execute(
            select(DashboardDistribution.level, func.sum(DashboardDistribution.guests)).group_by(
                DashboardDistribution.level
            )
        ).all()
    )
    assert levels == {"group": 1, "region": 1, "hotel": 2}


@pytest.mark.parametrize("code", ["SHA01", "NOPE"])
def test_a_hotel_user_sees_only_their_hotel_and_cannot_narrow_elsewhere(
    engine: Engine, demo_group: Session, code: str
) -> None:
    s = demo_group
    _world(s)
    analytics.refresh(engine, settings=SETTINGS, as_of=AS_OF)
    own = DataScope.hotels(hotel(s, "SHA02").id)
    board = analytics.dashboard(s, scope=own, since=AS_OF - timedelta(days=364), until=AS_OF)
    sha02 = s.scalar(
        select(func.count()).where(
            Stay.hotel_id == hotel(s, "SHA02").id,
            Stay.status.in_(("checked_out", "in_house")),
            Stay.arrival >= AS_OF - timedelta(days=364),
            Stay.arrival <= AS_OF,
        )
    )
    assert board.stays == sha02
    with pytest.raises(HotelNotFound):
        analytics.dashboard(s, scope=own, since=None, until=AS_OF, hotel=code)
