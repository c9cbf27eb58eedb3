"""Campaigns and journeys that hand out coupons: a campaign's offer (its `{{ coupon }}` field issues
one coupon per message at send time), and the figures per campaign, per journey and per offer: coupons
issued and redeemed, and the revenue of the redeeming bills (per currency)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from guestgraph import audit
from guestgraph.access import DataScope, hotel_id_visible
from guestgraph.db.models import (
    Campaign,
    CampaignOffer,
    Coupon,
    CouponState,
    Hotel,
    Journey,
    JourneyEnrolment,
    Offer,
    OfferStatus,
)
from guestgraph.errors import Conflict
from guestgraph.offers._errors import CampaignNotFound
from guestgraph.offers._issue import Issued, issue_coupon
from guestgraph.offers._offers import load_offer


@dataclass(frozen=True)
class CouponResults:
    """Coupons of a campaign (or an offer): how many were issued, redeemed, expired and withdrawn,
    and the revenue of the redemptions per currency (redemptions at hotels in the caller's scope)."""

    issued: int = 0
    redeemed: int = 0
    expired: int = 0
    void: int = 0
    revenue: dict[str, str] = field(default_factory=dict)

    def as_dict(self) -> dict[str, object]:
        return {
            "issued": self.issued,
            "redeemed": self.redeemed,
            "expired": self.expired,
            "void": self.void,
            "revenue": self.revenue,
        }


@dataclass(frozen=True)
class CampaignLine:
    """The coupons of an offer issued by one campaign, one journey, or staff."""

    campaign_id: int | None
    campaign_name: str | None
    via: str
    results: CouponResults
    journey_id: int | None = None
    journey_name: str | None = None


def _load_campaign(session: Session, campaign_id: int, scope: DataScope) -> Campaign:
    campaign = session.scalar(
        select(Campaign).where(Campaign.id == campaign_id, hotel_id_visible(Campaign.hotel_id, scope))
    )
    if campaign is None:
        raise CampaignNotFound(
            f"No campaign {campaign_id} in your scope.", hint="Open it from the Campaigns page."
        )
    return campaign


def set_campaign_offer(
    session: Session, campaign_id: int, *, scope: DataScope, offer_id: int | None, now: datetime
) -> int | None:
    """Choose the offer whose coupon each message of a draft campaign carries (None: no coupon)."""
    campaign = _load_campaign(session, campaign_id, scope)
    if campaign.status.value != "draft":
        raise Conflict(
            "The campaign has been sent: its offer no longer changes.", hint="Create a new campaign."
        )
    current = session.get(CampaignOffer, campaign_id)
    if offer_id is None:
        if current is not None:
            session.delete(current)
    else:
        offer = load_offer(session, offer_id, scope=scope)
        if offer.status is not OfferStatus.ACTIVE:
            raise Conflict(f"Offer {offer_id} is paused.", hint="Resume it on the Offers page first.")
        if current is None:
            session.add(CampaignOffer(campaign_id=campaign_id, offer_id=offer_id))
        else:
            current.offer_id = offer_id
    session.flush()
    audit.log_event(
        session,
        "campaign.offer",
        object_type="campaign",
        object_id=str(campaign_id),
        details={"offer": offer_id},
    )
    return offer_id


def campaign_offer(session: Session, campaign_id: int) -> int | None:
    return session.scalar(select(CampaignOffer.offer_id).where(CampaignOffer.campaign_id == campaign_id))


def coupon_for_message(
    session: Session, *, campaign_id: int, message_id: int, guest_id: int, now: datetime
) -> Issued | None:
    """The coupon for one campaign message (issued now, or the one issued for it before); None when
    the campaign has no offer. Flushed in the caller's transaction."""
    offer_id = campaign_offer(session, campaign_id)
    if offer_id is None:
        return None
    return issue_coupon(
        session,
        offer_id=offer_id,
        guest_id=guest_id,
        via="campaign",
        now=now,
        campaign_id=campaign_id,
        campaign_message_id=message_id,
    )


def _results(session: Session, where: ColumnElement[bool], scope: DataScope) -> CouponResults:
    states = {
        state.value: int(n)
        for state, n in session.execute(
            select(Coupon.state, func.count()).where(where).group_by(Coupon.state)
        )
    }
    revenue: dict[str, str] = {}
    for currency, total in session.execute(
        select(Coupon.redeemed_currency, func.sum(Coupon.redeemed_amount))
        .where(
            where,
            Coupon.state == CouponState.REDEEMED,
            hotel_id_visible(Coupon.redeemed_hotel_id, scope),
        )
        .group_by(Coupon.redeemed_currency)
        .order_by(Coupon.redeemed_currency)
    ):
        revenue[currency or ""] = str(Decimal(total or 0).quantize(Decimal("0.01")))
    return CouponResults(
        issued=sum(n for s, n in states.items() if s != CouponState.VOID.value),
        redeemed=states.get(CouponState.REDEEMED.value, 0),
        expired=states.get(CouponState.EXPIRED.value, 0),
        void=states.get(CouponState.VOID.value, 0),
        revenue=revenue,
    )


def campaign_coupon_results(session: Session, campaign_id: int, *, scope: DataScope) -> CouponResults:
    _load_campaign(session, campaign_id, scope)
    return _results(session, Coupon.campaign_id == campaign_id, scope)


def journey_coupon_results(session: Session, journey_id: int, *, scope: DataScope) -> CouponResults:
    """The coupons a journey's `issue_coupon` steps issued, as for a campaign. The caller has checked
    that the journey is in scope (`journeys.journey_coupons`). Found through the enrolments (indexed;
    an erased guest's enrolment and redeemed coupon are both kept)."""
    enrolments = select(JourneyEnrolment.id).where(JourneyEnrolment.journey_id == journey_id)
    return _results(session, Coupon.enrolment_id.in_(enrolments), scope)


@dataclass(frozen=True)
class OfferReport:
    offer_id: int
    totals: CouponResults
    by_campaign: list[CampaignLine]
    by_hotel: dict[str, int]  # redemptions per hotel code (in scope)


def offer_report(session: Session, offer_id: int, *, scope: DataScope) -> OfferReport:
    """An offer's coupons: totals, per campaign, per journey and by staff, redemptions per hotel."""
    load_offer(session, offer_id, scope=scope)
    of_offer = Coupon.offer_id == offer_id
    lines: list[CampaignLine] = []
    sources = session.execute(
        select(Coupon.campaign_id, Coupon.journey_id, Coupon.issued_via, Campaign.name, Journey.name)
        .outerjoin(Campaign, Campaign.id == Coupon.campaign_id)
        .outerjoin(Journey, Journey.id == Coupon.journey_id)
        .where(of_offer)
        .group_by(Coupon.campaign_id, Coupon.journey_id, Coupon.issued_via, Campaign.name, Journey.name)
        .order_by(Coupon.issued_via, Coupon.campaign_id, Coupon.journey_id)
    ).all()
    for campaign_id, journey_id, via, name, journey_name in sources:
        where = of_offer & _same(Coupon.campaign_id, campaign_id) & _same(Coupon.journey_id, journey_id)
        where = where & (Coupon.issued_via == via)
        results = _results(session, where, scope)
        lines.append(CampaignLine(campaign_id, name, via, results, journey_id, journey_name))
    by_hotel = dict(
        session.execute(
            select(Hotel.code, func.count())
            .join(Coupon, Coupon.redeemed_hotel_id == Hotel.id)
            .where(of_offer, Coupon.state == CouponState.REDEEMED, hotel_id_visible(Hotel.id, scope))
            .group_by(Hotel.code)
            .order_by(Hotel.code)
        ).all()
    )
    return OfferReport(offer_id, _results(session, of_offer, scope), lines, by_hotel)


def _same(column: InstrumentedAttribute[int | None], value: int | None) -> ColumnElement[bool]:
    return column == value if value is not None else column.is_(None)


def offer_name(session: Session, offer_id: int) -> tuple[str, str] | None:
    row = session.execute(select(Offer.name_zh, Offer.name_en).where(Offer.id == offer_id)).first()
    return (row[0], row[1]) if row else None
