"""Loyalty at the service level, on both databases: members from the loyalty numbers, set-based and
idempotent accrual with the right points per outlet and brand, reversals, redemptions that cannot
overdraw, expiry oldest first, tier evaluation up and down with its history and the journey it
starts, one ledger over merged guests with each membership's tier, search by member number, and a
ledger that refuses UPDATE."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import delete, func, select, text, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from guestgraph import journeys, loyalty, profiles
from guestgraph.access import DataScope
from guestgraph.db.models import (
    Charge,
    EntryKind,
    Guest,
    GuestStatus,
    JourneyEnrolment,
    JourneyStatus,
    LoyaltyEntry,
    LoyaltyMember,
    LoyaltyTier,
    LoyaltyTierChange,
    Outlet,
    StayStatus,
)
from guestgraph.errors import GuestNotFound
from guestgraph.journeys._enrol import enrol_all
from guestgraph.paging import PageRequest
from tests.factories import hotel, make_guest, make_stay

GROUP = DataScope.group()
NOW = datetime(2026, 11, 20, 10, tzinfo=UTC)


def _charge(s: Session, stay_id: int, code: str, outlet: Outlet, amount: str, **kw: object) -> Charge:
    line = Charge(
        hotel_id=hotel(s, code).id, stay_id=stay_id, outlet=outlet, amount=Decimal(amount), currency="CNY",
        posted_at=kw.pop("posted_at", NOW - timedelta(days=3)), **kw,
    )  # fmt: skip
    s.add(line)
    s.flush()
    return line


def _points(s: Session, guest: Guest) -> int:
    return loyalty.balance_of(s, [guest.id])


def _entries(s: Session) -> list[tuple[str, int, str | None]]:
    rows = s.execute(
        select(LoyaltyEntry.kind, LoyaltyEntry.points, LoyaltyEntry.outlet).order_by(LoyaltyEntry.id)
    )
    return [(EntryKind(k).value, int(p), o) for k, p, o in rows]


def _tier(s: Session, guest: Guest, scheme: str = "GG") -> str:
    from guestgraph.db.models import LoyaltyScheme

    return s.execute(
        select(LoyaltyTier.code)
        .join(LoyaltyMember, LoyaltyMember.tier_id == LoyaltyTier.id)
        .join(LoyaltyScheme, LoyaltyScheme.id == LoyaltyMember.scheme_id)
        .where(LoyaltyMember.guest_id == guest.id, LoyaltyScheme.code == scheme)
    ).scalar_one()


@pytest.fixture
def schemes(demo_group: Session) -> Session:
    loyalty.load_schemes(demo_group, now=NOW)
    return demo_group


def test_members_come_from_loyalty_numbers_with_their_tier_once(schemes: Session) -> None:
    s = schemes
    gold = make_guest(s, loyalty_number="GG1000001", loyalty_tier="金卡")
    plain = make_guest(s, loyalty_number="GG1000002", loyalty_tier=None)
    make_guest(s)  # no number: no member
    assert loyalty.sync_members(s, now=NOW) == 2
    assert loyalty.sync_members(s, now=NOW) == 0  # idempotent
    assert (_tier(s, gold), _tier(s, plain)) == ("gold", "member")
    first = s.scalars(select(LoyaltyTierChange.direction)).all()
    assert first == ["initial", "initial"]
    # front-desk search finds the guest by a member number of any scheme (the brand's included)
    brand = loyalty.enrol_member(
        s, scope=GROUP, public_id=plain.public_id, scheme_code="RESORT", number="r-77 001",
        staff_id=None, now=NOW,
    )  # fmt: skip
    assert brand.member_number == "R77001"
    for q in ("GG1000001", "r77001"):
        found = profiles.search_guests(s, scope=GROUP, q=q, paging=PageRequest(1, 10)).items
        assert [g.public_id for g in found] == [gold.public_id if q.startswith("GG") else plain.public_id], q
    with pytest.raises(loyalty.AlreadyMember):
        loyalty.enrol_member(
            s,
            scope=GROUP,
            public_id=gold.public_id,
            scheme_code="RESORT",
            number="R77001",
            staff_id=None,
            now=NOW,
        )
    # a hotel-scoped clerk finds nobody outside their scope
    other = DataScope.hotels(hotel(s, "PEK01").id)
    with pytest.raises(loyalty.MemberNotFound):
        loyalty.find_members(s, scope=other, number="GG1000001")


def test_accrual_is_set_based_idempotent_and_earns_per_outlet_and_brand(schemes: Session) -> None:
    s = schemes
    guest = make_guest(s, loyalty_number="GG2000001")
    loyalty.sync_members(s, now=NOW)
    stay = make_stay(s, "SHA01", guest, amount=Decimal("1280.00"))  # room revenue, no room lines: 1,280
    _charge(s, stay.id, "SHA01", Outlet.FNB, "388.50")  # 2 per CNY: 777
    _charge(s, stay.id, "SHA01", Outlet.SPA, "500.00")  # 500
    _charge(s, stay.id, "SHA01", Outlet.MINIBAR, "60.00")  # 0: no entry
    booked = make_stay(s, "SHA01", guest, status=StayStatus.BOOKED, arrival=date(2026, 12, 1))
    _charge(s, booked.id, "SHA01", Outlet.FNB, "100.00")  # not checked out: nothing yet
    resort = make_stay(s, "SYX01", guest, amount=Decimal("2000.00"))
    _charge(s, resort.id, "SYX01", Outlet.SPA, "300.00")
    loyalty.enrol_member(
        s,
        scope=GROUP,
        public_id=guest.public_id,
        scheme_code="RESORT",
        number="R2000001",
        staff_id=None,
        now=NOW,
    )

    first = loyalty.accrue(s, now=NOW)
    assert first == loyalty.Accrued(earned=5, reversed=0)
    assert loyalty.accrue(s, now=NOW) == loyalty.Accrued(0, 0)  # run twice: the same ledger
    by_scheme = dict(
        s.execute(
            select(LoyaltyMember.member_number, func.sum(LoyaltyEntry.points))
            .join(LoyaltyMember, LoyaltyMember.id == LoyaltyEntry.member_id)
            .group_by(LoyaltyMember.member_number)
        ).all()
    )
    # SHA01 earns in the group scheme; SYX01 (a resort brand hotel) in the brand's: room 1, spa 2
    assert by_scheme == {"GG2000001": 1280 + 777 + 500, "R2000001": 2000 + 600}
    assert _points(s, guest) == 5157

    # a newer folio version replaces a line: the old earn is taken back, the new line earns
    gone = s.scalar(select(Charge).where(Charge.outlet == Outlet.FNB, Charge.stay_id == stay.id))
    s.execute(delete(Charge).where(Charge.id == gone.id))  # type: ignore[union-attr]
    _charge(s, stay.id, "SHA01", Outlet.FNB, "400.00")
    booked.status = StayStatus.CHECKED_OUT
    assert loyalty.accrue(s, now=NOW) == loyalty.Accrued(earned=3, reversed=1)  # new line, booked stay's 2
    assert _points(s, guest) == 5157 - 777 + 800 + 200 + 1280  # the stay's lines and its room revenue
    assert ("reverse", -777, "fnb") in _entries(s)


def test_redemption_cannot_overdraw_and_is_audited(schemes: Session) -> None:
    from guestgraph.db.models import AuditEventRow

    s = schemes
    guest = make_guest(s, loyalty_number="GG3000001")
    loyalty.sync_members(s, now=NOW)
    make_stay(s, "SHA01", guest, amount=Decimal("1000.00"))
    loyalty.accrue(s, now=NOW)
    with pytest.raises(loyalty.NotEnoughPoints):
        loyalty.redeem(
            s, scope=GROUP, public_id=guest.public_id, points=1001, reason="upgrade", scheme_code=None,
            staff_id=None, now=NOW,
        )  # fmt: skip
    done = loyalty.redeem(
        s, scope=GROUP, public_id=guest.public_id, points=1000, reason="upgrade", scheme_code=None,
        staff_id=None, now=NOW,
    )  # fmt: skip
    assert (done.balance, _points(s, guest)) == (0, 0)
    with pytest.raises(loyalty.NotEnoughPoints):
        loyalty.redeem(
            s, scope=GROUP, public_id=guest.public_id, points=1, reason="x", scheme_code=None,
            staff_id=None, now=NOW,
        )  # fmt: skip
    assert s.scalar(select(func.count()).where(AuditEventRow.action == "loyalty.redeem")) == 1
    # out of scope looks like no guest at all
    with pytest.raises(GuestNotFound):
        loyalty.redeem(
            s, scope=DataScope.hotels(hotel(s, "PEK01").id), public_id=guest.public_id, points=1, reason="x",
            scheme_code=None, staff_id=None, now=NOW,
        )  # fmt: skip


def test_adjustment_of_either_sign_needs_a_reason_cannot_overdraw_and_is_audited(schemes: Session) -> None:
    from guestgraph import audit
    from guestgraph.errors import InvalidInput
    from tests.auth_helpers import make_staff

    s = schemes
    clerk = make_staff(s, role="front_desk")
    guest = make_guest(s, loyalty_number="GG3100001")
    loyalty.sync_members(s, now=NOW)
    make_stay(s, "SHA01", guest, amount=Decimal("1000.00"))
    loyalty.accrue(s, now=NOW)

    def adjust(
        points: int, reason: str = "stay at a partner hotel", *, scope: DataScope = GROUP, scheme: str = ""
    ) -> loyalty.Adjusted:
        return loyalty.adjust_points(
            s, scope=scope, public_id=guest.public_id, points=points, reason=reason,
            scheme_code=scheme or None, staff_id=clerk.id, now=NOW,
        )  # fmt: skip

    added = adjust(250)
    assert (added.points, added.balance, added.scheme, added.member_number) == (250, 1250, "GG", "GG3100001")
    entry = s.scalars(select(LoyaltyEntry).where(LoyaltyEntry.kind == EntryKind.ADJUST)).one()
    assert (entry.points, entry.reason, entry.staff_id) == (250, "stay at a partner hotel", clerk.id)
    # a negative one may take the balance to zero, not below; the refusal names the balance
    with pytest.raises(loyalty.NotEnoughPoints, match="1,250 points"):
        adjust(-1251, "double-counted minibar")
    taken = adjust(-1250, "  double-counted minibar  ")
    assert (taken.points, taken.balance, _points(s, guest)) == (-1250, 0, 0)
    assert ("adjust", -1250, None) in _entries(s)
    # no points, out of range, no reason: refused before anything is written
    for points, reason in ((0, "x"), (loyalty.MAX_ADJUST + 1, "x"), (-loyalty.MAX_ADJUST - 1, "x"), (5, " ")):
        with pytest.raises(InvalidInput):
            adjust(points, reason)
    with pytest.raises(loyalty.MemberNotFound):  # a scheme the guest is not a member of
        adjust(5, scheme="RESORT")
    with pytest.raises(GuestNotFound):  # out of scope looks like no guest at all
        adjust(5, scope=DataScope.hotels(hotel(s, "PEK01").id))
    assert [k for k, _p, _o in _entries(s)].count("adjust") == 2
    # points taken off count as spent: expiry finds nothing left to expire
    assert loyalty.expire(s, now=NOW + timedelta(days=800)) == 0 and _points(s, guest) == 0
    events = audit.search_events(s, action="loyalty.adjust", paging=PageRequest(page=1, size=10)).items
    assert sorted(e.event.details["points"] for e in events) == [-1250, 250]
    assert {(e.event.guest_public_id, e.event.object_id) for e in events} == {
        (guest.public_id, "GG:GG3100001")
    }


def test_expiry_takes_old_unspent_points_once(schemes: Session) -> None:
    s = schemes
    guest = make_guest(s, loyalty_number="GG4000001")
    loyalty.sync_members(s, now=NOW)
    old = make_stay(s, "SHA01", guest, arrival=date(2024, 3, 1), amount=Decimal("1000.00"))  # 32 months ago
    make_stay(s, "SHA01", guest, amount=Decimal("500.00"))
    loyalty.accrue(s, now=NOW)
    assert old.id and _points(s, guest) == 1500
    loyalty.redeem(
        s, scope=GROUP, public_id=guest.public_id, points=300, reason="dinner", scheme_code=None,
        staff_id=None, now=NOW,
    )  # fmt: skip
    assert loyalty.expire(s, now=NOW) == 1  # the old 1,000 less the 300 spent (oldest first)
    assert _points(s, guest) == 500
    assert loyalty.expire(s, now=NOW) == 0
    assert ("expire", -700, None) in _entries(s)
    # two years on, the rest expires too; the balance never goes below zero
    assert loyalty.expire(s, now=NOW + timedelta(days=800)) == 1 and _points(s, guest) == 0


def test_ledger_entries_cannot_be_updated(schemes: Session) -> None:
    s = schemes
    guest = make_guest(s, loyalty_number="GG5000001")
    loyalty.sync_members(s, now=NOW)
    make_stay(s, "SHA01", guest, amount=Decimal("100.00"))
    loyalty.accrue(s, now=NOW)
    s.commit()
    with pytest.raises(DBAPIError, match="append-only"):
        s.execute(update(LoyaltyEntry).values(points=1_000_000))
    s.rollback()
    assert _points(s, guest) == 100


def test_tiers_move_up_and_down_with_history_and_start_journeys(schemes: Session) -> None:
    s = schemes
    guest = make_guest(s, loyalty_number="GG6000001", loyalty_tier="gold")
    loyalty.sync_members(s, now=NOW)
    journey = journeys.create_journey(
        s, scope=GROUP, name="up", hotel_code=None, created_by_id=None, now=NOW,
        definition={
            "trigger": {"type": "tier_changed", "direction": "up", "tier": "silver"},
            "steps": [{"key": "tag", "type": "add_tag", "tag": "new_silver"}],
        },
    )  # fmt: skip
    journeys.set_status(s, journey.id, scope=GROUP, status=JourneyStatus.ACTIVE, now=NOW)
    # gold from the loyalty system, but 2 nights and 1,280 in 12 months: down to the entry tier
    make_stay(s, "SHA01", guest, arrival=date(2026, 10, 1))
    loyalty.accrue(s, now=NOW)
    assert loyalty.evaluate_tiers(s, now=NOW) == 1 and _tier(s, guest) == "member"
    assert loyalty.evaluate_tiers(s, now=NOW) == 0
    # 10 nights within the window: silver by nights (spend is below 8,000)
    make_stay(s, "SHA02", guest, arrival=date(2026, 8, 1), departure=date(2026, 8, 9), amount=Decimal("10"))
    later = NOW + timedelta(hours=1)
    loyalty.accrue(s, now=later)
    assert loyalty.evaluate_tiers(s, now=later) == 1 and _tier(s, guest) == "silver"
    history = s.execute(
        select(LoyaltyTierChange.direction, LoyaltyTierChange.nights, LoyaltyTierChange.reason).order_by(
            LoyaltyTierChange.id
        )
    ).all()
    assert [(d, n) for d, n, _r in history] == [("initial", None), ("down", 2), ("up", 10)]
    s.commit()
    assert enrol_all(s, now=later) == 1
    enrolment = s.scalars(select(JourneyEnrolment)).one()
    assert enrolment.guest_id == guest.id and enrolment.trigger_key.startswith("tier:")
    assert enrol_all(s, now=later) == 0  # once per change
    # a year without stays: down again, and the "up" journey does not enrol the guest again
    year = NOW + timedelta(days=400)
    assert loyalty.evaluate_tiers(s, now=year) == 1 and _tier(s, guest) == "member"
    s.commit()
    assert enrol_all(s, now=year) == 0


def test_merged_guests_share_one_ledger_and_keep_each_tier(schemes: Session) -> None:
    s = schemes
    survivor = make_guest(s, loyalty_number="GG7000001")
    merged = make_guest(s)
    loyalty.sync_members(s, now=NOW)
    loyalty.enrol_member(
        s,
        scope=GROUP,
        public_id=merged.public_id,
        scheme_code="RESORT",
        number="R7000002",
        staff_id=None,
        now=NOW,
    )
    make_stay(s, "SHA01", survivor, amount=Decimal("1000.00"))
    make_stay(s, "SYX01", merged, arrival=date(2026, 9, 1), departure=date(2026, 9, 8), amount=Decimal("700"))
    loyalty.accrue(s, now=NOW)
    loyalty.evaluate_tiers(s, now=NOW)  # the brand's member: 7 nights → elite
    # identity resolution finds them one person: the merged guest's stays move to the survivor
    s.execute(
        update(Guest)
        .where(Guest.id == merged.id)
        .values(status=GuestStatus.MERGED, merged_into_id=survivor.id)
    )
    s.execute(
        text("UPDATE stay_guest SET guest_id = :s WHERE guest_id = :m"), {"s": survivor.id, "m": merged.id}
    )
    seen = loyalty.guest_loyalty(s, scope=GROUP, public_id=merged.public_id)  # the old ID: the survivor
    assert seen.public_id == survivor.public_id
    tiers = {(m.scheme, m.member_number, m.tier, m.via) for m in seen.memberships}
    assert tiers == {("GG", "GG7000001", "member", None), ("RESORT", "R7000002", "elite", merged.public_id)}
    assert seen.balance == 1000 + 700 and {e.scheme for e in seen.entries} == {"GG", "RESORT"}
    # new revenue of the person earns on; the brand tier is judged on the person's brand nights
    make_stay(s, "SYX01", survivor, arrival=date(2026, 10, 1), amount=Decimal("300"))
    loyalty.accrue(s, now=NOW)
    assert loyalty.balance_of(s, [survivor.id, merged.id]) == 2000
    # the group scheme now counts the person's 11 nights (the merged guest's included): silver
    assert loyalty.evaluate_tiers(s, now=NOW) == 1
    assert (_tier(s, survivor), _tier(s, merged, "RESORT")) == ("silver", "elite")
    # redemption spends the pooled balance
    loyalty.redeem(
        s, scope=GROUP, public_id=survivor.public_id, points=2000, reason="suite", scheme_code="RESORT",
        staff_id=None, now=NOW,
    )  # fmt: skip
    assert loyalty.balance_of(s, [survivor.id, merged.id]) == 0
