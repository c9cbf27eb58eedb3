"""Coupons on imported folio lines (POS/PMS): judged before the chunk is stored (a redeemed, expired,
withdrawn, unknown or misplaced code becomes a finding on that row), redeemed after its charge is
stored, in the import's transaction.

Idempotent: a file imported again is all duplicates and redeems nothing; a new version of the same
check (its record replaces the one that redeemed the coupon) moves the redemption to its new charge
and amount instead of being refused as "already redeemed".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import and_, false, or_, select, update
from sqlalchemy.orm import Session

from guestgraph import audit
from guestgraph.db.models import Coupon, CouponState, Guest, Hotel, OfferHotel
from guestgraph.offers._redeem import REDEEMED, UNKNOWN, local_day, problem_with


@dataclass(frozen=True)
class CouponUse:
    """A folio line carrying a coupon code; `key` is the caller's handle for the line."""

    key: int
    code: str
    hotel_id: int
    posted_at: datetime
    replaces: int | None = None  # the source record (an earlier version of this check) it replaces


@dataclass(frozen=True)
class ChargeRedemption:
    code: str
    hotel_id: int
    posted_at: datetime
    amount: Decimal
    currency: str
    outlet: str
    charge_id: int | None
    source_record_id: int
    replaces: int | None = None


def judge_coupon_uses(session: Session, uses: list[CouponUse]) -> dict[int, tuple[str, str | None]]:
    """(rule code, detail) for each use that must not redeem its coupon; the others may."""
    if not uses:
        return {}
    codes = sorted({u.code for u in uses})
    coupons = {c.code: c for c in session.scalars(select(Coupon).where(Coupon.code.in_(codes)))}
    offer_ids = {c.offer_id for c in coupons.values()}
    hotels: dict[int, set[int]] = {}
    for offer_id, hotel_id in session.execute(
        select(OfferHotel.offer_id, OfferHotel.hotel_id).where(OfferHotel.offer_id.in_(offer_ids))
    ):
        hotels.setdefault(offer_id, set()).add(hotel_id)
    zones = dict(session.execute(select(Hotel.id, Hotel.timezone)).all())
    problems: dict[int, tuple[str, str | None]] = {}
    used: set[str] = set()
    for u in uses:
        coupon = coupons.get(u.code)
        if coupon is None:
            problems[u.key] = (UNKNOWN, None)
            continue
        if u.code in used:
            problems[u.key] = (REDEEMED, "the same code on another line of this import")
            continue
        used.add(u.code)
        same_check = (
            coupon.state is CouponState.REDEEMED
            and u.replaces is not None
            and coupon.source_record_id == u.replaces
        )
        if same_check:
            continue
        day = local_day(u.posted_at, zones.get(u.hotel_id))
        problem = problem_with(coupon, hotels.get(coupon.offer_id, set()), u.hotel_id, day)
        if problem is not None:
            when = coupon.redeemed_at.date().isoformat() if coupon.redeemed_at else None
            detail = (
                f"redeemed on {when}"
                if problem == REDEEMED and when
                else f"valid {coupon.valid_from} – {coupon.valid_to}"
            )
            problems[u.key] = (problem, detail)
    return problems


def redeem_from_charges(session: Session, items: list[ChargeRedemption]) -> int:
    """Redeem the coupons of stored folio lines (judged before); one audit event each."""
    redeemed = 0
    for item in items:
        may = or_(
            Coupon.state == CouponState.ISSUED,
            and_(Coupon.state == CouponState.REDEEMED, Coupon.source_record_id == item.replaces)
            if item.replaces is not None
            else false(),
        )
        done = session.execute(
            update(Coupon)
            .where(Coupon.code == item.code, may)
            .values(
                state=CouponState.REDEEMED,
                redeemed_at=item.posted_at,
                redeemed_hotel_id=item.hotel_id,
                redeemed_outlet=item.outlet,
                redeemed_amount=item.amount,
                redeemed_currency=item.currency,
                redeemed_via="import",
                redeemed_by_id=None,
                charge_id=item.charge_id,
                source_record_id=item.source_record_id,
            )
            .execution_options(synchronize_session=False)
        )
        if int(done.rowcount or 0) == 0:  # type: ignore[attr-defined]
            continue
        redeemed += 1
        coupon_id, guest = session.execute(
            select(Coupon.id, Guest.public_id)
            .outerjoin(Guest, Guest.id == Coupon.guest_id)
            .where(Coupon.code == item.code)
        ).one()
        audit.log_event(
            session,
            "coupon.redeem",
            guest_public_id=guest,
            object_type="coupon",
            object_id=str(coupon_id),
            details={"via": "import", "source_record": item.source_record_id},
        )
    return redeemed
