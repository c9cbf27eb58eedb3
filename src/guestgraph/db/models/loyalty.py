"""Loyalty: membership schemes (one per brand, or the group's), their tiers and earn rates as data,
members (a guest's membership of a scheme, with its number and tier), the append-only points ledger
and the history of tier changes."""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal

from sqlalchemy import BigInteger, ForeignKey, Index, Numeric, String, UniqueConstraint
from sqlalchemy import false as sa_false
from sqlalchemy.orm import Mapped, mapped_column

from guestgraph.db.models._base import Base, BigId, IdMixin, JsonDoc, TimestampMixin, str_enum, utcnow
from guestgraph.db.models.stays import Money, Outlet


class MemberStatus(enum.StrEnum):
    ACTIVE = "active"
    ERASED = "erased"  # the guest was erased: the row stays, without guest or number, for the ledger


class EntryKind(enum.StrEnum):
    EARN = "earn"  # folio revenue of a checked-out stay (positive)
    REDEEM = "redeem"  # staff redeemed points for the guest (negative)
    EXPIRE = "expire"  # points older than the scheme's expiry (negative)
    REVERSE = "reverse"  # an earn whose folio line was replaced or removed (the earn's points, negated)
    ADJUST = "adjust"  # a correction by staff (either sign)


class LoyaltyScheme(IdMixin, TimestampMixin, Base):
    """A membership programme: the group's, or one brand's (valid at the hotels listed in
    `loyalty_scheme_hotel`; none listed: every hotel of the group)."""

    __tablename__ = "loyalty_scheme"

    code: Mapped[str] = mapped_column(String(20), unique=True)
    name_zh: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(100))
    currency: Mapped[str] = mapped_column(String(3), default="CNY")  # folio lines in it earn
    expiry_months: Mapped[int] = mapped_column(default=24)  # points older than this expire
    # members come from the guests' golden loyalty number (the loyalty source system's programme)
    golden_number: Mapped[bool] = mapped_column(default=False, server_default=sa_false())


class LoyaltySchemeHotel(Base):
    __tablename__ = "loyalty_scheme_hotel"

    scheme_id: Mapped[int] = mapped_column(
        ForeignKey("loyalty_scheme.id", ondelete="CASCADE"), primary_key=True
    )
    hotel_id: Mapped[int] = mapped_column(ForeignKey("hotel.id", ondelete="RESTRICT"), primary_key=True)


class LoyaltyTier(IdMixin, Base):
    """A tier of a scheme: reached with `min_nights` nights OR `min_spend` qualifying spend in the
    rolling 12 months; the highest rank reached wins. Rank 0 is the entry tier (0 and 0)."""

    __tablename__ = "loyalty_tier"
    __table_args__ = (UniqueConstraint("scheme_id", "code"), UniqueConstraint("scheme_id", "rank"))

    scheme_id: Mapped[int] = mapped_column(ForeignKey("loyalty_scheme.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(20))
    name_zh: Mapped[str] = mapped_column(String(60))
    name_en: Mapped[str] = mapped_column(String(60))
    rank: Mapped[int]
    min_nights: Mapped[int] = mapped_column(default=0)
    min_spend: Mapped[Decimal] = mapped_column(Money, default=Decimal(0))
    # the labels the loyalty source system sends for this tier (gold, 金卡 …), for members it creates
    labels: Mapped[list[str]] = mapped_column(JsonDoc, default=list)


class LoyaltyEarnRate(Base):
    """Points per unit of the scheme's currency a folio line of the outlet earns (0: none)."""

    __tablename__ = "loyalty_earn_rate"

    scheme_id: Mapped[int] = mapped_column(
        ForeignKey("loyalty_scheme.id", ondelete="CASCADE"), primary_key=True
    )
    outlet: Mapped[Outlet] = mapped_column(str_enum(Outlet, "outlet"), primary_key=True)
    points_per_unit: Mapped[Decimal] = mapped_column(Numeric(8, 2))


class LoyaltyMember(IdMixin, TimestampMixin, Base):
    """A guest's membership of a scheme. It names the guest (the golden record) it was made for;
    after a merge the survivor's profile shows the memberships of every guest merged into it, each
    with its own tier."""

    __tablename__ = "loyalty_member"
    __table_args__ = (
        UniqueConstraint("scheme_id", "member_number"),
        Index("ix_loyalty_member_number", "member_number"),  # front-desk search by number alone
    )

    scheme_id: Mapped[int] = mapped_column(ForeignKey("loyalty_scheme.id", ondelete="RESTRICT"))
    guest_id: Mapped[int | None] = mapped_column(ForeignKey("guest.id", ondelete="SET NULL"), index=True)
    member_number: Mapped[str] = mapped_column(String(40))
    tier_id: Mapped[int | None] = mapped_column(ForeignKey("loyalty_tier.id", ondelete="RESTRICT"))
    status: Mapped[MemberStatus] = mapped_column(
        str_enum(MemberStatus, "loyalty_member_status"), default=MemberStatus.ACTIVE
    )
    source: Mapped[str] = mapped_column(String(20))  # golden (loyalty number), staff, demo
    enrolled_at: Mapped[datetime] = mapped_column(default=utcnow)
    tier_since: Mapped[datetime | None]


class LoyaltyEntry(Base):
    """One line of the points ledger. Append-only: never updated (a database trigger refuses it) nor
    deleted; a correction is a new entry. The balance is the sum of a guest's entries.

    `charge_id` and `room_stay_id` say which folio revenue an earn came from (unique: each earns once);
    they are plain references, not foreign keys, because a new version of a folio replaces its lines
    and the ledger keeps what was earned (a `reverse` entry takes it back)."""

    __tablename__ = "loyalty_entry"
    __table_args__ = (Index("ix_loyalty_entry_member_at", "member_id", "occurred_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("loyalty_member.id", ondelete="RESTRICT"))
    kind: Mapped[EntryKind] = mapped_column(str_enum(EntryKind, "loyalty_entry_kind"))
    points: Mapped[int] = mapped_column(BigInteger)
    amount: Mapped[Decimal | None] = mapped_column(Money)  # the revenue an earn is on (qualifying spend)
    currency: Mapped[str | None] = mapped_column(String(3))
    outlet: Mapped[str | None] = mapped_column(String(10))
    hotel_id: Mapped[int | None] = mapped_column(ForeignKey("hotel.id", ondelete="RESTRICT"))
    stay_id: Mapped[int | None] = mapped_column(BigInteger)
    charge_id: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    room_stay_id: Mapped[int | None] = mapped_column(BigInteger, unique=True)  # room revenue of a stay
    reverses_id: Mapped[int | None] = mapped_column(ForeignKey("loyalty_entry.id"), unique=True)
    reason: Mapped[str | None] = mapped_column(String(200))
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    occurred_at: Mapped[datetime]  # when the revenue was posted, or the action happened
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class LoyaltyTierChange(IdMixin, Base):
    """A member's tier changed: from, to, when, who (a job or staff) and why (the figures)."""

    __tablename__ = "loyalty_tier_change"
    __table_args__ = (
        Index("ix_loyalty_tier_change_member", "member_id", "changed_at"),
        Index("ix_loyalty_tier_change_at", "changed_at"),
    )

    member_id: Mapped[int] = mapped_column(ForeignKey("loyalty_member.id", ondelete="CASCADE"))
    from_tier_id: Mapped[int | None] = mapped_column(ForeignKey("loyalty_tier.id", ondelete="RESTRICT"))
    to_tier_id: Mapped[int] = mapped_column(ForeignKey("loyalty_tier.id", ondelete="RESTRICT"))
    direction: Mapped[str] = mapped_column(String(10))  # up, down, initial
    nights: Mapped[int | None]
    spend: Mapped[Decimal | None] = mapped_column(Money)
    reason: Mapped[str] = mapped_column(String(200))
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)
