"""Offers and coupons: what marketing offers (an upgrade, an F&B credit, a package, a discount), the
hotels it is valid at, the coupons issued to guests for it with a unique code, and their redemption."""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Index, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from guestgraph.db.models._base import Base, IdMixin, TimestampMixin, str_enum

Money = Numeric(14, 2)


class OfferKind(enum.StrEnum):
    ROOM_UPGRADE = "room_upgrade"
    FNB_CREDIT = "fnb_credit"
    FAMILY_PACKAGE = "family_package"
    MEETING_DISCOUNT = "meeting_discount"
    OTHER = "other"


class OfferValueKind(enum.StrEnum):
    AMOUNT = "amount"  # `value` in `currency`
    PERCENT = "percent"  # `value` per cent off


class OfferStatus(enum.StrEnum):
    ACTIVE = "active"  # coupons may be issued
    PAUSED = "paused"  # no new coupons; those issued stay redeemable until they expire


class CouponState(enum.StrEnum):
    ISSUED = "issued"
    REDEEMED = "redeemed"
    EXPIRED = "expired"
    VOID = "void"  # withdrawn (e.g. its e-mail was refused by the mail server)


class Offer(IdMixin, TimestampMixin, Base):
    """An offer with its value, validity and limits; valid at every hotel of the group, or only at
    the hotels listed in `offer_hotel`."""

    __tablename__ = "offer"

    name_zh: Mapped[str] = mapped_column(String(120))
    name_en: Mapped[str] = mapped_column(String(120))
    kind: Mapped[OfferKind] = mapped_column(str_enum(OfferKind, "offer_kind"))
    value_kind: Mapped[OfferValueKind] = mapped_column(str_enum(OfferValueKind, "offer_value_kind"))
    value: Mapped[Decimal] = mapped_column(Money)
    currency: Mapped[str | None] = mapped_column(String(3))  # of an amount; empty for a percentage
    valid_from: Mapped[date]
    valid_to: Mapped[date]  # the last day a coupon can be redeemed
    per_guest_limit: Mapped[int] = mapped_column(default=1)
    total_limit: Mapped[int | None]
    issued_count: Mapped[int] = mapped_column(default=0)  # coupons not void: guards the total limit
    status: Mapped[OfferStatus] = mapped_column(
        str_enum(OfferStatus, "offer_status"), default=OfferStatus.ACTIVE
    )
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id", ondelete="SET NULL"))


class OfferHotel(Base):
    """A hotel an offer is valid at (an offer without any is valid group-wide)."""

    __tablename__ = "offer_hotel"

    offer_id: Mapped[int] = mapped_column(ForeignKey("offer.id", ondelete="CASCADE"), primary_key=True)
    hotel_id: Mapped[int] = mapped_column(
        ForeignKey("hotel.id", ondelete="RESTRICT"), primary_key=True, index=True
    )


class CampaignOffer(Base):
    """The offer whose coupon a campaign's `{{ coupon }}` field issues, one per message."""

    __tablename__ = "campaign_offer"

    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id", ondelete="CASCADE"), primary_key=True)
    offer_id: Mapped[int] = mapped_column(ForeignKey("offer.id", ondelete="RESTRICT"), index=True)


class Coupon(IdMixin, Base):
    """A coupon issued to one guest for an offer: its code, how it was issued (campaign message,
    journey step, staff) and, once redeemed, where, for how much and from which charge."""

    __tablename__ = "coupon"
    __table_args__ = (
        UniqueConstraint("code"),
        UniqueConstraint("campaign_message_id"),  # one coupon per campaign message
        UniqueConstraint("enrolment_id", "journey_step"),  # one per journey step run
        Index("ix_coupon_offer_guest", "offer_id", "guest_id"),
        Index("ix_coupon_campaign", "campaign_id", "state"),
        Index("ix_coupon_guest", "guest_id"),
    )

    code: Mapped[str] = mapped_column(String(12))
    offer_id: Mapped[int] = mapped_column(ForeignKey("offer.id", ondelete="RESTRICT"))
    guest_id: Mapped[int | None] = mapped_column(ForeignKey("guest.id", ondelete="SET NULL"))
    state: Mapped[CouponState] = mapped_column(
        str_enum(CouponState, "coupon_state"), default=CouponState.ISSUED
    )
    issued_via: Mapped[str] = mapped_column(String(12))  # campaign | journey | staff
    issued_at: Mapped[datetime]
    valid_from: Mapped[date]
    valid_to: Mapped[date]
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaign.id", ondelete="SET NULL"))
    campaign_message_id: Mapped[int | None] = mapped_column(
        ForeignKey("campaign_message.id", ondelete="SET NULL")
    )
    journey_id: Mapped[int | None] = mapped_column(ForeignKey("journey.id", ondelete="SET NULL"))
    enrolment_id: Mapped[int | None] = mapped_column(ForeignKey("journey_enrolment.id", ondelete="SET NULL"))
    journey_step: Mapped[str | None] = mapped_column(String(20))
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id", ondelete="SET NULL"))
    redeemed_at: Mapped[datetime | None]
    redeemed_hotel_id: Mapped[int | None] = mapped_column(ForeignKey("hotel.id", ondelete="RESTRICT"))
    redeemed_outlet: Mapped[str | None] = mapped_column(String(12))
    redeemed_amount: Mapped[Decimal | None] = mapped_column(Money)
    redeemed_currency: Mapped[str | None] = mapped_column(String(3))
    redeemed_via: Mapped[str | None] = mapped_column(String(12))  # staff | import
    redeemed_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id", ondelete="SET NULL"))
    charge_id: Mapped[int | None] = mapped_column(ForeignKey("charge.id", ondelete="SET NULL"))
    source_record_id: Mapped[int | None] = mapped_column(ForeignKey("source_record.id", ondelete="SET NULL"))
    voided_at: Mapped[datetime | None]
    void_reason: Mapped[str | None] = mapped_column(String(200))
