"""Offers: create, read, list, pause and resume them in the staff member's scope.

An offer without hotels is valid group-wide and only group-scoped staff create or change one; a
hotel- or region-scoped member of staff sees the group's offers and those of a hotel in their scope,
and changes only offers whose hotels are all in their scope."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from sqlalchemy import ColumnElement, and_, exists, func, select, true
from sqlalchemy.orm import Session

from guestgraph import audit
from guestgraph.access import DataScope, hotel_ids_in_scope, hotel_visible
from guestgraph.db.models import Coupon, CouponState, Hotel, Offer, OfferHotel, OfferKind, OfferStatus
from guestgraph.db.models import OfferValueKind as ValueKind
from guestgraph.errors import InvalidInput
from guestgraph.offers._errors import OfferNotFound

KINDS = tuple(k.value for k in OfferKind)


@dataclass(frozen=True)
class OfferInput:
    """An offer as marketing staff write it; no hotels: valid at every hotel of the group."""

    name_zh: str
    name_en: str
    kind: str
    value_kind: str
    value: str
    valid_from: date
    valid_to: date
    currency: str | None = None
    per_guest_limit: int = 1
    total_limit: int | None = None
    hotel_codes: tuple[str, ...] = ()


@dataclass(frozen=True)
class OfferRow:
    id: int
    name_zh: str
    name_en: str
    kind: str
    value_kind: str
    value: str
    currency: str | None
    valid_from: date
    valid_to: date
    per_guest_limit: int
    total_limit: int | None
    status: str
    hotel_codes: list[str]
    issued: int
    redeemed: int
    created_at: datetime

    def name(self, locale: str) -> str:
        return self.name_zh if locale == "zh_CN" else self.name_en


def offer_visible(scope: DataScope) -> ColumnElement[bool]:
    """A WHERE clause on `Offer`: group-wide, or valid at a hotel in scope."""
    if scope.is_group:
        return true()
    in_scope = select(Hotel.id).where(hotel_visible(scope))
    listed = exists().where(OfferHotel.offer_id == Offer.id)
    mine = exists().where(OfferHotel.offer_id == Offer.id, OfferHotel.hotel_id.in_(in_scope))
    return ~listed | mine


def offer_manageable(scope: DataScope) -> ColumnElement[bool]:
    """A WHERE clause on `Offer`: the caller may change it (all its hotels in scope)."""
    if scope.is_group:
        return true()
    in_scope = select(Hotel.id).where(hotel_visible(scope))
    listed = exists().where(OfferHotel.offer_id == Offer.id)
    outside = exists().where(OfferHotel.offer_id == Offer.id, OfferHotel.hotel_id.not_in(in_scope))
    return and_(listed, ~outside)


def _value(spec: OfferInput) -> Decimal:
    try:
        value = Decimal(spec.value.strip())
    except InvalidOperation as e:
        raise InvalidInput(
            f"The offer's value {spec.value!r} is not a number.", hint="Write e.g. 200 or 15.5."
        ) from e
    if not value.is_finite() or value <= 0 or value >= Decimal("1e12"):
        raise InvalidInput("The offer's value must be more than 0.", hint="Write e.g. 200 or 15.5.")
    if spec.value_kind == ValueKind.PERCENT and value > 100:
        raise InvalidInput("A percentage cannot be more than 100.", hint="Write e.g. 15 for 15 % off.")
    return value.quantize(Decimal("0.01"))


def _check(spec: OfferInput) -> None:
    if not spec.name_zh.strip() or not spec.name_en.strip():
        raise InvalidInput(
            "The offer needs a Chinese and an English name.", hint="Guests see the name in their language."
        )
    if spec.kind not in KINDS:
        raise InvalidInput(
            f"Offer kind {spec.kind!r} does not exist.", hint="Use one of: " + ", ".join(KINDS)
        )
    if spec.value_kind not in (ValueKind.AMOUNT, ValueKind.PERCENT):
        raise InvalidInput(f"Value kind {spec.value_kind!r} does not exist.", hint="Use amount or percent.")
    currency = (spec.currency or "").strip()
    if spec.value_kind == ValueKind.AMOUNT and not (len(currency) == 3 and currency.isalpha()):
        raise InvalidInput("An amount needs its currency.", hint="Write a three-letter code such as CNY.")
    if spec.valid_to < spec.valid_from:
        raise InvalidInput("The offer ends before it starts.", hint="Swap the two dates.")
    if spec.per_guest_limit < 1 or spec.per_guest_limit > 100:
        raise InvalidInput("The limit per guest must be 1 to 100.", hint="Most offers allow 1.")
    if spec.total_limit is not None and spec.total_limit < 1:
        raise InvalidInput("The total limit must be at least 1.", hint="Leave it empty for no limit.")


def _hotel_ids(session: Session, scope: DataScope, codes: tuple[str, ...]) -> list[int]:
    wanted = sorted({c.strip() for c in codes if c.strip()})
    if not wanted:
        if not scope.is_group:
            raise InvalidInput(
                "Your data scope covers some hotels only: choose the hotels the offer is valid at.",
                hint="Pick one or more of your hotels.",
            )
        return []
    return hotel_ids_in_scope(session, scope, wanted)


def create_offer(
    session: Session, *, scope: DataScope, spec: OfferInput, created_by_id: int | None, now: datetime
) -> OfferRow:
    _check(spec)
    value = _value(spec)
    hotel_ids = _hotel_ids(session, scope, spec.hotel_codes)
    offer = Offer(
        name_zh=spec.name_zh.strip()[:120],
        name_en=spec.name_en.strip()[:120],
        kind=OfferKind(spec.kind),
        value_kind=ValueKind(spec.value_kind),
        value=value,
        currency=(spec.currency or "").strip().upper() or None
        if spec.value_kind == ValueKind.AMOUNT
        else None,
        valid_from=spec.valid_from,
        valid_to=spec.valid_to,
        per_guest_limit=spec.per_guest_limit,
        total_limit=spec.total_limit,
        issued_count=0,
        status=OfferStatus.ACTIVE,
        created_by_id=created_by_id,
        created_at=now,
        updated_at=now,
    )
    session.add(offer)
    session.flush()
    session.add_all(OfferHotel(offer_id=offer.id, hotel_id=h) for h in hotel_ids)
    session.flush()
    audit.log_event(
        session,
        "offer.create",
        object_type="offer",
        object_id=str(offer.id),
        details={"kind": offer.kind.value, "hotels": len(hotel_ids)},
    )
    return get_offer(session, offer.id, scope=scope)


def load_offer(session: Session, offer_id: int, *, scope: DataScope, manage: bool = False) -> Offer:
    where = offer_manageable(scope) if manage else offer_visible(scope)
    offer = session.scalar(select(Offer).where(Offer.id == offer_id, where))
    if offer is None:
        raise OfferNotFound(f"No offer {offer_id} in your scope.", hint="Open it from the Offers page.")
    return offer


def _rows(session: Session, offers: list[Offer]) -> list[OfferRow]:
    ids = [o.id for o in offers]
    hotels: dict[int, list[str]] = {}
    for offer_id, code in session.execute(
        select(OfferHotel.offer_id, Hotel.code)
        .join(Hotel, Hotel.id == OfferHotel.hotel_id)
        .where(OfferHotel.offer_id.in_(ids))
        .order_by(Hotel.code)
    ):
        hotels.setdefault(offer_id, []).append(code)
    redeemed = dict(
        session.execute(
            select(Coupon.offer_id, func.count())
            .where(Coupon.offer_id.in_(ids), Coupon.state == CouponState.REDEEMED)
            .group_by(Coupon.offer_id)
        ).all()
    )
    return [
        OfferRow(
            o.id,
            o.name_zh,
            o.name_en,
            o.kind.value,
            o.value_kind.value,
            str(o.value),
            o.currency,
            o.valid_from,
            o.valid_to,
            o.per_guest_limit,
            o.total_limit,
            o.status.value,
            hotels.get(o.id, []),
            o.issued_count,
            int(redeemed.get(o.id, 0)),
            o.created_at,
        )  # fmt: skip
        for o in offers
    ]


def get_offer(session: Session, offer_id: int, *, scope: DataScope) -> OfferRow:
    return _rows(session, [load_offer(session, offer_id, scope=scope)])[0]


def list_offers(session: Session, *, scope: DataScope, active_only: bool = False) -> list[OfferRow]:
    query = select(Offer).where(offer_visible(scope))
    if active_only:
        query = query.where(Offer.status == OfferStatus.ACTIVE)
    return _rows(session, list(session.scalars(query.order_by(Offer.created_at.desc(), Offer.id.desc()))))


def set_offer_status(
    session: Session, offer_id: int, *, scope: DataScope, status: OfferStatus, now: datetime
) -> OfferRow:
    """Pause (no new coupons; issued ones stay redeemable) or resume an offer."""
    offer = load_offer(session, offer_id, scope=scope, manage=True)
    if offer.status is not status:
        offer.status = status
        offer.updated_at = now
        session.flush()
        action = "offer.pause" if status is OfferStatus.PAUSED else "offer.resume"
        audit.log_event(session, action, object_type="offer", object_id=str(offer.id))
    return get_offer(session, offer.id, scope=scope)
