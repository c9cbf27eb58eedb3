"""The points ledger: append-only entries, the balance is their sum.

- `accrue`: every folio line of a checked-out stay earns once, in one INSERT … SELECT: the line's
  guest (else the stay's primary guest) earns in a membership whose scheme covers the hotel (a
  brand's scheme before the group's), at the scheme's rate for the outlet, if the line is in the
  scheme's currency. A stay without room lines earns its room revenue (`stay.amount`) the same way,
  as outlet `room`. A folio line that a newer version of the folio replaced or removed is taken back
  by a `reverse` entry. Running it again adds nothing.
- `redeem`: staff take points off a guest's balance, never below zero.
- `adjust_points`: staff correct a guest's balance by either sign, with a reason, never below zero.
- `expire`: points older than the scheme's `expiry_months` expire, oldest first: per guest, what was
  earned before the cut-off and not yet spent by redemptions, expiries or reversals.

Points pool per guest: one balance over all the guest's memberships (after a merge, those of every
guest merged into it), each entry tagged with the membership (so the scheme) it was written to."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    DateTime,
    String,
    and_,
    case,
    cast,
    exists,
    func,
    insert,
    literal,
    null,
    or_,
    select,
    text,
    union_all,
)
from sqlalchemy.orm import Session, aliased

from guestgraph import audit
from guestgraph.access import DataScope, hotel_id_visible
from guestgraph.db.models import (
    Charge,
    EntryKind,
    Guest,
    GuestRole,
    Hotel,
    LoyaltyEarnRate,
    LoyaltyEntry,
    LoyaltyMember,
    LoyaltyScheme,
    LoyaltySchemeHotel,
    MemberStatus,
    Outlet,
    Stay,
    StayGuest,
    StayStatus,
)
from guestgraph.errors import InvalidInput
from guestgraph.loyalty._errors import MemberNotFound, NotEnoughPoints
from guestgraph.loyalty._lock import take_lock
from guestgraph.loyalty._members import members_of
from guestgraph.loyalty._owners import family, member_owners
from guestgraph.loyalty._sql import count_inserted, day_start, whole_points
from guestgraph.profiles import visible_guest

E = LoyaltyEntry
NO_ID = cast(null(), BigInteger)
MAX_REDEEM = 100_000_000
MAX_ADJUST = MAX_REDEEM  # either sign
LINE_GONE = "folio line replaced or removed"
ROOM_MOVED = "room revenue now on folio lines, or the stay is no longer checked out"


def covers(scheme_id: Any, hotel_id: Any) -> ColumnElement[bool]:
    """The scheme is valid at the hotel: it lists it, or lists no hotel (the whole group)."""
    listed = exists().where(LoyaltySchemeHotel.scheme_id == scheme_id)
    here = exists().where(LoyaltySchemeHotel.scheme_id == scheme_id, LoyaltySchemeHotel.hotel_id == hotel_id)
    return or_(~listed, here)


def _revenue(owners: Any) -> Any:
    """Folio revenue not yet earned on, with each membership that may earn it: the members' lines
    are found from the members (through the guest and stay indexes), so the work grows with the
    revenue, not with revenue × members. Three kinds: charges posted to the guest, charges of a stay
    whose primary guest the member is, and a stay's room revenue when it has no room lines."""
    unearned = and_(Stay.status == StayStatus.CHECKED_OUT, ~exists().where(E.charge_id == Charge.id))

    def line_columns() -> list[Any]:
        return [
            owners.c.member_id, owners.c.scheme_id, Charge.id.label("charge_id"), NO_ID.label("room_stay_id"),
            Charge.stay_id.label("stay_id"), Charge.hotel_id.label("hotel_id"),
            cast(Charge.outlet, String).label("outlet"), Charge.amount.label("amount"),
            Charge.currency.label("currency"), Charge.posted_at.label("occurred_at"),
        ]  # fmt: skip

    posted = (
        select(*line_columns())
        .select_from(owners)
        .join(Charge, Charge.guest_id == owners.c.owner)
        .join(Stay, Stay.id == Charge.stay_id)
        .where(unearned)
    )
    primary = and_(StayGuest.guest_id == owners.c.owner, StayGuest.role == GuestRole.PRIMARY)
    on_stay = (
        select(*line_columns())
        .select_from(owners)
        .join(StayGuest, primary)
        .join(Stay, Stay.id == StayGuest.stay_id)
        .join(Charge, Charge.stay_id == Stay.id)
        .where(Charge.guest_id.is_(None), unearned)
    )
    room_lines = exists().where(Charge.stay_id == Stay.id, Charge.outlet == Outlet.ROOM)
    rooms = (
        select(
            owners.c.member_id,
            owners.c.scheme_id,
            NO_ID,
            Stay.id,
            Stay.id,
            Stay.hotel_id,
            literal(Outlet.ROOM.value, String),
            Stay.amount,
            func.coalesce(Stay.currency, Hotel.currency),
            day_start(Stay.departure),
        )  # fmt: skip
        .select_from(owners)
        .join(StayGuest, primary)
        .join(Stay, Stay.id == StayGuest.stay_id)
        .join(Hotel, Hotel.id == Stay.hotel_id)
        .where(
            Stay.status == StayStatus.CHECKED_OUT,
            Stay.amount.is_not(None),
            ~room_lines,
            ~exists().where(E.room_stay_id == Stay.id),
        )
    )
    return union_all(posted, on_stay, rooms).subquery("revenue")


def _earn(session: Session, now: datetime) -> int:
    owners = member_owners(select(LoyaltyMember.id).where(LoyaltyMember.status == MemberStatus.ACTIVE))
    lines = _revenue(owners)
    brand_first = case((exists().where(LoyaltySchemeHotel.scheme_id == LoyaltyScheme.id), 0), else_=1)
    rate = LoyaltyEarnRate.points_per_unit
    points = whole_points(lines.c.amount * rate)
    ranked = (
        select(
            lines.c.member_id,
            lines.c.charge_id,
            lines.c.room_stay_id,
            lines.c.stay_id,
            lines.c.hotel_id,
            lines.c.outlet,
            lines.c.amount,
            lines.c.currency,
            lines.c.occurred_at,
            points.label("points"),
            func.row_number()
            .over(
                partition_by=(lines.c.charge_id, lines.c.room_stay_id),
                order_by=(brand_first, lines.c.member_id),
            )
            .label("n"),
        )
        .select_from(lines)
        .join(LoyaltyScheme, LoyaltyScheme.id == lines.c.scheme_id)
        .join(
            LoyaltyEarnRate,
            and_(
                LoyaltyEarnRate.scheme_id == LoyaltyScheme.id,
                cast(LoyaltyEarnRate.outlet, String) == lines.c.outlet,
            ),
        )
        .where(lines.c.currency == LoyaltyScheme.currency, covers(LoyaltyScheme.id, lines.c.hotel_id))
        .subquery("ranked")
    )
    r = ranked.c
    rows = select(
        r.member_id, literal(EntryKind.EARN.value), r.points, r.amount, r.currency, r.outlet, r.hotel_id,
        r.stay_id, r.charge_id, r.room_stay_id, r.occurred_at, literal(now),
    ).where(r.n == 1, r.points != 0)  # fmt: skip
    done = count_inserted(
        session,
        insert(E).from_select(
            [
                "member_id",
                "kind",
                "points",
                "amount",
                "currency",
                "outlet",
                "hotel_id",
                "stay_id",
                "charge_id",
                "room_stay_id",
                "occurred_at",
                "created_at",
            ],
            rows,
        ),  # fmt: skip
    )
    return done


def _reverse(session: Session, now: datetime) -> int:
    """Take back earns whose folio line is gone, or whose stay's room revenue moved to folio lines."""
    later = aliased(E)
    undone = exists().where(later.reverses_id == E.id)
    line_gone = and_(E.charge_id.is_not(None), ~exists().where(Charge.id == E.charge_id))
    room_moved = and_(
        E.room_stay_id.is_not(None),
        ~exists().where(
            Stay.id == E.room_stay_id,
            Stay.status == StayStatus.CHECKED_OUT,
            ~exists().where(Charge.stay_id == Stay.id, Charge.outlet == Outlet.ROOM),
        ),
    )
    reason = case((E.charge_id.is_not(None), LINE_GONE), else_=ROOM_MOVED)
    rows = select(
        E.member_id, literal(EntryKind.REVERSE.value), -E.points, -E.amount, E.currency, E.outlet, E.hotel_id,
        E.stay_id, E.id, reason, literal(now), literal(now),
    ).where(E.kind == EntryKind.EARN, or_(line_gone, room_moved), ~undone)  # fmt: skip
    done = count_inserted(
        session,
        insert(E).from_select(
            [
                "member_id",
                "kind",
                "points",
                "amount",
                "currency",
                "outlet",
                "hotel_id",
                "stay_id",
                "reverses_id",
                "reason",
                "occurred_at",
                "created_at",
            ],
            rows,
        ),  # fmt: skip
    )
    return done


@dataclass(frozen=True)
class Accrued:
    earned: int
    reversed: int


def accrue(session: Session, *, now: datetime) -> Accrued:
    """Earn points on every folio line (and stay room revenue) not yet earned on, and take back earns
    whose line is gone; set-based and idempotent, in the caller's transaction."""
    take_lock(session, now)
    reversed_ = _reverse(session, now)
    earned = _earn(session, now)
    if earned >= 1_000 and session.get_bind().dialect.name == "postgresql":
        session.execute(text("ANALYZE loyalty_entry"))  # expiry and tiers read it next
    return Accrued(earned, reversed_)


def _months_before(moment: datetime, months: int) -> datetime:
    year, month = divmod(moment.year * 12 + moment.month - 1 - months, 12)
    day = min(moment.day, 28)
    return moment.replace(year=year, month=month + 1, day=day)


def expire(session: Session, *, now: datetime) -> int:
    """Write an `expire` entry per guest whose points earned before their scheme's cut-off are not
    all spent yet (set-based); returns how many entries were written."""
    take_lock(session, now)
    schemes = session.execute(select(LoyaltyScheme.id, LoyaltyScheme.expiry_months)).all()
    if not schemes:
        return 0
    owners = member_owners()
    cutoff = case(
        *(
            (owners.c.scheme_id == sid, literal(_months_before(now, months), DateTime(timezone=True)))
            for sid, months in schemes
        )
    )
    old = func.sum(case((and_(E.points > 0, E.occurred_at < cutoff), E.points), else_=0))
    spent = func.sum(case((E.points < 0, -E.points), else_=0))
    pools = (
        select(
            owners.c.owner,
            func.min(owners.c.member_id).label("member_id"),
            (old - spent).label("due"),
        )
        .join(E, E.member_id == owners.c.member_id)
        .group_by(owners.c.owner)
        .subquery("pools")
    )
    rows = select(
        pools.c.member_id, literal(EntryKind.EXPIRE.value), -pools.c.due, literal("points past their expiry"),
        literal(now), literal(now),
    ).where(pools.c.due > 0)  # fmt: skip
    done = count_inserted(
        session,
        insert(E).from_select(["member_id", "kind", "points", "reason", "occurred_at", "created_at"], rows),
    )
    return done


def balance_of(session: Session, guest_ids: list[int]) -> int:
    """The points of these guests' memberships together (one person's IDs)."""
    total = session.scalar(
        select(func.coalesce(func.sum(E.points), 0))
        .join(LoyaltyMember, LoyaltyMember.id == E.member_id)
        .where(LoyaltyMember.guest_id.in_(guest_ids))
    )
    return int(total or 0)


def _membership(
    session: Session, scope: DataScope, public_id: str, scheme_code: str | None
) -> tuple[Guest, list[int], LoyaltyMember, LoyaltyScheme]:
    """The guest in scope, the person's guest IDs (through merges) and the membership an entry goes
    to: the one of the scheme given, else the oldest."""
    guest = visible_guest(session, scope, public_id)
    ids = family(session, guest.id)
    memberships = members_of(session, ids, scope)
    if scheme_code:
        memberships = [row for row in memberships if row[1].code == scheme_code.strip().upper()]
    if not memberships:
        raise MemberNotFound(
            f"Guest {guest.public_id} is not a member{' of ' + scheme_code if scheme_code else ''}.",
            hint="Enrol the guest first.",
        )
    member, scheme, _tier, _via = memberships[0]
    return guest, ids, member, scheme


@dataclass(frozen=True)
class Redeemed:
    guest_public_id: str
    scheme: str
    member_number: str
    points: int
    balance: int


def redeem(
    session: Session,
    *,
    scope: DataScope,
    public_id: str,
    points: int,
    reason: str,
    scheme_code: str | None,
    staff_id: int | None,
    now: datetime,
) -> Redeemed:
    """Staff redeem points for a guest in their scope, written to the guest's membership of the scheme
    given (default: the oldest); refused when the balance would go below zero. Audited."""
    if not 0 < points <= MAX_REDEEM:
        raise InvalidInput(f"Points to redeem must be 1 to {MAX_REDEEM:,}.", hint="Type a whole number.")
    what = reason.strip()[:200]
    if not what:
        raise InvalidInput("Say what the points are redeemed for.", hint="E.g. a room upgrade, a dinner.")
    take_lock(session, now)  # before the balance is read: no expiry or other redemption in between
    guest, ids, member, scheme = _membership(session, scope, public_id, scheme_code)
    held = balance_of(session, ids)
    if held < points:
        raise NotEnoughPoints(
            f"The guest has {held:,} points; {points:,} cannot be redeemed.",
            hint="Redeem at most the balance.",
        )
    _staff_entry(session, guest, member, scheme, EntryKind.REDEEM, -points, what, staff_id, now)
    return Redeemed(guest.public_id, scheme.code, member.member_number, points, held - points)


def _staff_entry(
    session: Session,
    guest: Any,
    member: Any,
    scheme: Any,
    kind: EntryKind,
    points: int,
    reason: str,
    staff_id: int | None,
    now: datetime,
) -> None:
    """A ledger entry a member of staff made (signed `points`), and its audit event (`loyalty.<kind>`,
    with the points as the guest sees them: redeemed as a positive number)."""
    session.add(
        LoyaltyEntry(
            member_id=member.id, kind=kind, points=points, reason=reason, staff_id=staff_id,
            occurred_at=now, created_at=now,
        )
    )  # fmt: skip
    session.flush()
    audit.log_event(
        session,
        f"loyalty.{kind.value}",
        guest_public_id=guest.public_id,
        object_type="loyalty_member",
        object_id=f"{scheme.code}:{member.member_number}",
        details={"points": -points if kind is EntryKind.REDEEM else points},
    )


@dataclass(frozen=True)
class Adjusted:
    guest_public_id: str
    scheme: str
    member_number: str
    points: int  # signed: what was added (+) or taken off (-)
    balance: int


def adjust_points(
    session: Session,
    *,
    scope: DataScope,
    public_id: str,
    points: int,
    reason: str,
    scheme_code: str | None,
    staff_id: int | None,
    now: datetime,
) -> Adjusted:
    """A correction by staff, of either sign, to one membership of a guest in their scope (the
    scheme given, default: the oldest), with why. A negative one may not take the pooled balance
    below zero. Audited. Added points expire like earned ones; taken points count as spent. Neither
    counts toward a tier (tiers count nights and the spend points were earned on)."""
    if points == 0 or not -MAX_ADJUST <= points <= MAX_ADJUST:
        raise InvalidInput(
            f"Points to adjust must be -{MAX_ADJUST:,} to {MAX_ADJUST:,}, not 0.",
            hint="Type e.g. 500 to add or -500 to take off.",
        )
    what = reason.strip()[:200]
    if not what:
        raise InvalidInput("Say why the points are adjusted.", hint="E.g. a stay that did not earn.")
    take_lock(session, now)  # before the balance is read, as for a redemption
    guest, ids, member, scheme = _membership(session, scope, public_id, scheme_code)
    held = balance_of(session, ids)
    if held + points < 0:
        raise NotEnoughPoints(
            f"The guest has {held:,} points; taking off {-points:,} would leave the balance below zero.",
            hint="Take off at most the balance.",
        )
    _staff_entry(session, guest, member, scheme, EntryKind.ADJUST, points, what, staff_id, now)
    return Adjusted(guest.public_id, scheme.code, member.member_number, points, held + points)


@dataclass(frozen=True)
class EntryLine:
    occurred_at: datetime
    kind: str
    points: int
    scheme: str
    outlet: str | None
    hotel: str | None
    amount: Decimal | None
    currency: str | None
    reason: str | None


def recent_entries(
    session: Session, guest_ids: list[int], scope: DataScope, limit: int = 20
) -> list[EntryLine]:
    """The newest ledger entries of these guests at hotels in scope (and those of no hotel)."""
    rows = session.execute(
        select(
            E.occurred_at,
            E.kind,
            E.points,
            LoyaltyScheme.code,
            E.outlet,
            Hotel.code,
            E.amount,
            E.currency,
            E.reason,
        )
        .join(LoyaltyMember, LoyaltyMember.id == E.member_id)
        .join(LoyaltyScheme, LoyaltyScheme.id == LoyaltyMember.scheme_id)
        .outerjoin(Hotel, Hotel.id == E.hotel_id)
        .where(LoyaltyMember.guest_id.in_(guest_ids), hotel_id_visible(E.hotel_id, scope))
        .order_by(E.occurred_at.desc(), E.id.desc())
        .limit(limit)
    ).all()
    return [
        EntryLine(at, EntryKind(k).value, int(p), s, o, h, a, c, r) for at, k, p, s, o, h, a, c, r in rows
    ]
