"""Redeeming a coupon: by staff at the front desk or an outlet (type the code, check it, redeem it with
the bill's amount and outlet), or from a POS/PMS folio line that carries the code.

A coupon is redeemed once, at a hotel its offer is valid at, between its first and last day (the
hotel's local date of the redemption, or of the charge's posting for an import). The state changes
with one guarded UPDATE (`state = issued`), so two clerks or two imports never redeem it twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from sqlalchemy import exists, select, update
from sqlalchemy.orm import Session

from guestgraph import audit
from guestgraph.access import DataScope, hotel_in_scope
from guestgraph.db.models import Coupon, CouponState, Guest, Hotel, Offer, OfferHotel, Outlet
from guestgraph.errors import InvalidInput
from guestgraph.offers._codes import LENGTH, display, is_valid, normalise
from guestgraph.offers._errors import CouponCodeInvalid, CouponNotFound, CouponNotRedeemable
from guestgraph.offers._offers import offer_visible

# Why a coupon cannot be redeemed; also the rule codes of an import's findings (rules/default.yaml).
REDEEMED = "coupon.redeemed"
EXPIRED = "coupon.expired"
VOID = "coupon.void"
NOT_YET_VALID = "coupon.not_yet_valid"
WRONG_HOTEL = "coupon.wrong_hotel"
UNKNOWN = "coupon.unknown"
MESSAGES = {
    REDEEMED: "The coupon has been redeemed already.",
    EXPIRED: "The coupon has expired.",
    VOID: "The coupon was withdrawn.",
    NOT_YET_VALID: "The coupon is not valid yet.",
    WRONG_HOTEL: "The coupon is not valid at this hotel.",
    UNKNOWN: "No coupon has this code.",
}


@dataclass(frozen=True)
class CouponView:
    """A coupon as staff see it when they type its code: the offer, never the guest."""

    code: str
    offer_id: int
    offer_name_zh: str
    offer_name_en: str
    kind: str
    value_kind: str
    value: str
    currency: str | None
    state: str
    valid_from: date
    valid_to: date
    redeemed_at: datetime | None
    redeemed_hotel: str | None
    redeemed_amount: str | None
    redeemed_currency: str | None
    problem: str | None = None  # why it cannot be redeemed at this hotel today (a reason code)

    @property
    def shown_code(self) -> str:
        return display(self.code)

    @property
    def problem_message(self) -> str | None:
        return MESSAGES.get(self.problem) if self.problem else None


def parse_code(typed: str) -> str:
    """The stored form of a typed code; refuses a typo with a message saying which check failed."""
    code = normalise(typed)
    if len(code) != LENGTH:
        raise CouponCodeInvalid(
            f"A coupon code has {LENGTH} characters; {len(code)} were typed.",
            hint="Type the code as printed, e.g. 7KX2M-QH9RA (dashes and spaces are ignored).",
        )
    if not is_valid(code):
        raise CouponCodeInvalid(
            "This is not a valid coupon code: a character is wrong or two are swapped.",
            hint="Check the code against the guest's e-mail or voucher and type it again.",
        )
    return code


def local_day(when: datetime, timezone: str | None) -> date:
    return when.astimezone(ZoneInfo(timezone or "Asia/Shanghai")).date()


def problem_with(coupon: Coupon, offer_hotels: set[int], hotel_id: int, day: date) -> str | None:
    """Why this coupon cannot be redeemed at the hotel on that local day; None when it can."""
    if coupon.state is CouponState.REDEEMED:
        return REDEEMED
    if coupon.state is CouponState.VOID:
        return VOID
    if coupon.state is CouponState.EXPIRED or day > coupon.valid_to:
        return EXPIRED
    if day < coupon.valid_from:
        return NOT_YET_VALID
    if offer_hotels and hotel_id not in offer_hotels:
        return WRONG_HOTEL
    return None


def offer_hotel_ids(session: Session, offer_id: int) -> set[int]:
    return set(session.scalars(select(OfferHotel.hotel_id).where(OfferHotel.offer_id == offer_id)))


def _find(session: Session, code: str, scope: DataScope) -> tuple[Coupon, Offer]:
    found = session.execute(
        select(Coupon, Offer)
        .join(Offer, Offer.id == Coupon.offer_id)
        .where(Coupon.code == code, offer_visible(scope))
    ).first()
    if found is None:
        raise CouponNotFound(
            f"No coupon {display(code)} for your hotels.",
            hint="Check the code; a coupon of an offer for other hotels cannot be redeemed here.",
        )
    return found[0], found[1]


def _hotel(session: Session, scope: DataScope, code: str) -> Hotel:
    return hotel_in_scope(session, scope, code.strip())


def _view(session: Session, coupon: Coupon, offer: Offer, problem: str | None) -> CouponView:
    hotel = session.get(Hotel, coupon.redeemed_hotel_id) if coupon.redeemed_hotel_id else None
    amount = str(coupon.redeemed_amount) if coupon.redeemed_amount is not None else None
    state = coupon.state.value if problem != EXPIRED else CouponState.EXPIRED.value
    return CouponView(
        coupon.code, offer.id, offer.name_zh, offer.name_en, offer.kind.value, offer.value_kind.value,
        str(offer.value), offer.currency, state, coupon.valid_from, coupon.valid_to, coupon.redeemed_at,
        hotel.code if hotel else None, amount, coupon.redeemed_currency, problem,
    )  # fmt: skip


def check_coupon(
    session: Session, typed: str, *, scope: DataScope, hotel_code: str, now: datetime
) -> CouponView:
    """What a clerk sees after typing a code: the offer, its state and whether it can be redeemed
    at this hotel now. Reads only."""
    code = parse_code(typed)
    hotel = _hotel(session, scope, hotel_code)
    coupon, offer = _find(session, code, scope)
    day = local_day(now, hotel.timezone)
    return _view(
        session, coupon, offer, problem_with(coupon, offer_hotel_ids(session, offer.id), hotel.id, day)
    )


def _amount(raw: str) -> Decimal:
    try:
        amount = Decimal(raw.strip())
    except InvalidOperation as e:
        raise InvalidInput(
            f"The amount {raw!r} is not a number.", hint="Write the bill's total, e.g. 388.00."
        ) from e
    if not amount.is_finite() or amount < 0 or amount >= Decimal("1e12"):
        raise InvalidInput("The amount must be 0 or more.", hint="Write the bill's total, e.g. 388.00.")
    return amount.quantize(Decimal("0.01"))


def redeem_coupon(
    session: Session,
    typed: str,
    *,
    scope: DataScope,
    hotel_code: str,
    amount: str,
    outlet: str,
    staff_id: int | None,
    now: datetime,
    currency: str | None = None,
) -> CouponView:
    """Redeem a coupon at a hotel in the clerk's scope with the bill's amount and outlet; audited."""
    code = parse_code(typed)
    value = _amount(amount)
    if outlet not in {o.value for o in Outlet}:
        raise InvalidInput(f"Outlet {outlet!r} does not exist.", hint="Use room, fnb, spa, minibar or other.")
    hotel = _hotel(session, scope, hotel_code)
    coupon, offer = _find(session, code, scope)
    problem = problem_with(
        coupon, offer_hotel_ids(session, offer.id), hotel.id, local_day(now, hotel.timezone)
    )
    if problem is None:
        done = session.execute(
            update(Coupon)
            .where(Coupon.id == coupon.id, Coupon.state == CouponState.ISSUED)
            .values(
                state=CouponState.REDEEMED,
                redeemed_at=now,
                redeemed_hotel_id=hotel.id,
                redeemed_outlet=outlet,
                redeemed_amount=value,
                redeemed_currency=(currency or hotel.currency).strip().upper()[:3],
                redeemed_via="staff",
                redeemed_by_id=staff_id,
            )
            .execution_options(synchronize_session=False)
        )
        problem = None if int(done.rowcount or 0) == 1 else REDEEMED  # type: ignore[attr-defined]
    if problem is not None:
        raise CouponNotRedeemable(
            MESSAGES[problem] + f" ({display(code)})",
            reason=problem,
            hint="The guest may hold another coupon; a withdrawn or expired one cannot be redeemed.",
        )
    guest = (
        session.scalar(select(Guest.public_id).where(Guest.id == coupon.guest_id))
        if coupon.guest_id
        else None
    )
    audit.log_event(
        session,
        "coupon.redeem",
        guest_public_id=guest,
        object_type="coupon",
        object_id=str(coupon.id),
        details={"hotel": hotel.code, "outlet": outlet, "via": "staff"},
    )
    session.expire(coupon)
    return _view(session, coupon, offer, None)


def expire_coupons(session: Session, *, today: date) -> int:
    """Mark issued coupons past their last day as expired (a daily job; reads also judge by date)."""
    done = session.execute(
        update(Coupon)
        .where(Coupon.state == CouponState.ISSUED, Coupon.valid_to < today)
        .values(state=CouponState.EXPIRED)
        .execution_options(synchronize_session=False)
    )
    return int(done.rowcount or 0)  # type: ignore[attr-defined]


def has_coupons(session: Session, guest_id: int) -> bool:
    return bool(session.scalar(select(exists().where(Coupon.guest_id == guest_id))))
