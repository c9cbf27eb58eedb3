"""Issuing coupons: one per campaign message, per journey step run or per staff action, within the
offer's dates, its total and its limit per guest.

The total is guarded by one conditional UPDATE of the offer's `issued_count` (it also serialises
issuing for one offer on both databases), then the guest's coupons of the offer are counted inside
that lock; a guest at the limit gets none and the count is given back. Issuing is idempotent: the
same campaign message or journey step run always gets the coupon it got the first time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from guestgraph import audit
from guestgraph.access import DataScope, guest_visible
from guestgraph.db.models import Coupon, CouponState, Guest, GuestStatus, Offer, OfferStatus
from guestgraph.errors import GuestNotFound
from guestgraph.offers._codes import new_code
from guestgraph.offers._errors import OfferLimitReached
from guestgraph.offers._offers import load_offer

# Why a coupon was not issued (recorded as the skip reason of a message or step; translated).
COUPON_LIMIT = "coupon limit reached"
OFFER_PAUSED = "offer paused"
OFFER_ENDED = "offer ended"
OFFER_SOLD_OUT = "offer total limit reached"
NOT_ISSUED = (COUPON_LIMIT, OFFER_PAUSED, OFFER_ENDED, OFFER_SOLD_OUT)


@dataclass(frozen=True)
class Issued:
    """The coupon issued (or issued before, for the same message or step), or why none was."""

    coupon_id: int | None
    code: str | None
    reason: str | None = None


def _existing(session: Session, **key: object) -> Issued | None:
    found = session.execute(
        select(Coupon.id, Coupon.code).where(*(getattr(Coupon, k) == v for k, v in key.items()))
    ).first()
    return Issued(found[0], found[1]) if found else None


def _why_not(offer: Offer | None, today: object) -> str:
    if offer is None or offer.status is OfferStatus.PAUSED:
        return OFFER_PAUSED
    if offer.valid_to < today:  # type: ignore[operator]
        return OFFER_ENDED
    return OFFER_SOLD_OUT


def issue_coupon(
    session: Session,
    *,
    offer_id: int,
    guest_id: int,
    via: str,
    now: datetime,
    campaign_id: int | None = None,
    campaign_message_id: int | None = None,
    journey_id: int | None = None,
    enrolment_id: int | None = None,
    journey_step: str | None = None,
    issued_by_id: int | None = None,
) -> Issued:
    """Issue one coupon of the offer to the guest, in the caller's transaction (flushed, not
    committed). Returns the earlier coupon for the same message or step run, if any."""
    earlier = None
    if campaign_message_id is not None:
        earlier = _existing(session, campaign_message_id=campaign_message_id)
    elif enrolment_id is not None and journey_step is not None:
        earlier = _existing(session, enrolment_id=enrolment_id, journey_step=journey_step)
    if earlier is not None:
        return earlier
    today = now.date()
    taken = session.execute(
        update(Offer)
        .where(
            Offer.id == offer_id,
            Offer.status == OfferStatus.ACTIVE,
            Offer.valid_to >= today,
            (Offer.total_limit.is_(None)) | (Offer.issued_count < Offer.total_limit),
        )
        .values(issued_count=Offer.issued_count + 1)
        .execution_options(synchronize_session=False)
    )
    if int(taken.rowcount or 0) == 0:  # type: ignore[attr-defined]
        return Issued(None, None, _why_not(session.get(Offer, offer_id), today))
    offer = session.get(Offer, offer_id)
    assert offer is not None  # noqa: S101 (just updated)
    held = session.scalar(
        select(func.count())
        .select_from(Coupon)
        .where(Coupon.offer_id == offer_id, Coupon.guest_id == guest_id, Coupon.state != CouponState.VOID)
    )
    if int(held or 0) >= offer.per_guest_limit:
        session.execute(
            update(Offer)
            .where(Offer.id == offer_id)
            .values(issued_count=Offer.issued_count - 1)
            .execution_options(synchronize_session=False)
        )
        return Issued(None, None, COUPON_LIMIT)
    coupon = Coupon(
        code=new_code(),
        offer_id=offer_id,
        guest_id=guest_id,
        state=CouponState.ISSUED,
        issued_via=via,
        issued_at=now,
        valid_from=offer.valid_from,
        valid_to=offer.valid_to,
        campaign_id=campaign_id,
        campaign_message_id=campaign_message_id,
        journey_id=journey_id,
        enrolment_id=enrolment_id,
        journey_step=journey_step,
        issued_by_id=issued_by_id,
    )
    session.add(coupon)
    session.flush()
    return Issued(coupon.id, coupon.code)


def void_coupon(session: Session, coupon_id: int, *, reason: str, now: datetime) -> bool:
    """Withdraw an issued coupon (its mail never reached the guest); its place under the limits is
    given back. Returns whether it was voided."""
    done = session.execute(
        update(Coupon)
        .where(Coupon.id == coupon_id, Coupon.state == CouponState.ISSUED)
        .values(state=CouponState.VOID, voided_at=now, void_reason=reason[:200])
        .execution_options(synchronize_session=False)
    )
    if int(done.rowcount or 0) == 0:  # type: ignore[attr-defined]
        return False
    offer_id = select(Coupon.offer_id).where(Coupon.id == coupon_id).scalar_subquery()
    session.execute(
        update(Offer)
        .where(Offer.id == offer_id)
        .values(issued_count=Offer.issued_count - 1)
        .execution_options(synchronize_session=False)
    )
    return True


def issue_by_staff(
    session: Session,
    *,
    scope: DataScope,
    offer_id: int,
    guest_public_id: str,
    staff_id: int | None,
    now: datetime,
) -> Issued:
    """A member of staff gives a guest in their scope a coupon of an offer in their scope; audited."""
    load_offer(session, offer_id, scope=scope)
    guest_id = session.scalar(
        select(Guest.id).where(
            Guest.public_id == guest_public_id.strip(),
            Guest.status == GuestStatus.ACTIVE,
            guest_visible(scope),
        )
    )
    if guest_id is None:
        raise GuestNotFound(
            f"No guest {guest_public_id!r} in your scope.", hint="Copy a guest ID from the Guests page."
        )
    try:
        issued = issue_coupon(
            session, offer_id=offer_id, guest_id=guest_id, via="staff", now=now, issued_by_id=staff_id
        )
    except IntegrityError as e:  # a code collision (1 in 10¹³): try again
        raise OfferLimitReached("The coupon could not be issued.", hint="Try again.") from e
    if issued.reason is not None:
        raise OfferLimitReached(
            f"No coupon issued: {issued.reason}.",
            hint="A guest gets at most the offer's limit; a paused or ended offer issues none.",
        )
    audit.log_event(
        session,
        "coupon.issue",
        guest_public_id=guest_public_id.strip(),
        object_type="coupon",
        object_id=str(issued.coupon_id),
        details={"offer": offer_id, "via": "staff"},
    )
    return issued
