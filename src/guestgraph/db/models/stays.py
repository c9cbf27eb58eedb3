"""Stays (one room over a span of nights) and the folio lines charged to them."""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Index, Numeric, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from guestgraph.db.models._base import Base, IdMixin, TimestampMixin, str_enum, utcnow

Money = Numeric(14, 2)


class StayStatus(enum.StrEnum):
    BOOKED = "booked"
    IN_HOUSE = "in_house"
    CHECKED_OUT = "checked_out"
    CANCELLED = "cancelled"
    NO_SHOW = "no_show"


class GuestRole(enum.StrEnum):
    PRIMARY = "primary"
    ADDITIONAL = "additional"
    BOOKER = "booker"


class Outlet(enum.StrEnum):
    ROOM = "room"
    FNB = "fnb"
    SPA = "spa"
    MINIBAR = "minibar"
    OTHER = "other"


class PaymentMethod(enum.StrEnum):
    CASH = "cash"
    CARD = "card"
    ALIPAY = "alipay"
    WECHAT_PAY = "wechat_pay"
    BANK_TRANSFER = "bank_transfer"
    CITY_LEDGER = "city_ledger"  # billed to a company account: the folio may close with a balance
    DEPOSIT = "deposit"


class Stay(IdMixin, TimestampMixin, Base):
    """One room at one hotel from arrival to departure (the check-out date, exclusive)."""

    __tablename__ = "stay"
    __table_args__ = (
        UniqueConstraint("hotel_id", "confirmation_number"),
        # a hotel's stays by date; channel and status (and the id, on PostgreSQL) ride along so that a
        # segment's stay condition is answered from the index alone (0050)
        Index(
            "ix_stay_hotel_arrival_channel",
            "hotel_id",
            "arrival",
            "channel",
            "status",
            postgresql_include=["id"],
        ),
        # the stays of a period in any hotel, for the dashboard's distinct guests, read from the index (0052)
        Index("ix_stay_arrival_status", "arrival", "status", "hotel_id"),
        # what an incremental analytics refresh looks for: stays re-imported or updated since the last (0052)
        Index("ix_stay_source_record", "source_record_id"),
        Index("ix_stay_updated_at", "updated_at"),
        Index("ix_stay_confirmation_number", "confirmation_number"),  # front-desk search by number alone
        Index("ix_stay_room_status", "room_number", "status"),  # front-desk search: the guest in room 1208
    )

    hotel_id: Mapped[int] = mapped_column(ForeignKey("hotel.id", ondelete="RESTRICT"))
    confirmation_number: Mapped[str] = mapped_column(String(64))
    arrival: Mapped[date]
    departure: Mapped[date]
    room_number: Mapped[str | None] = mapped_column(String(20))
    room_type: Mapped[str | None] = mapped_column(String(40))
    rate_plan: Mapped[str | None] = mapped_column(String(40))
    channel: Mapped[str | None] = mapped_column(String(40))
    adults: Mapped[int | None]
    children: Mapped[int | None]
    amount: Mapped[Decimal | None] = mapped_column(Money)
    currency: Mapped[str | None] = mapped_column(String(3))
    status: Mapped[StayStatus] = mapped_column(str_enum(StayStatus, "stay_status"))
    source_record_id: Mapped[int | None] = mapped_column(ForeignKey("source_record.id", ondelete="SET NULL"))
    # the arrival day the dashboard's day roll-ups count this stay under (set by the import, then by
    # each analytics refresh that rebuilds the day); None: not counted yet. When the arrival moves, the
    # next incremental refresh rebuilds this day too (`analytics._incremental.changed_days`). (0053)
    rollup_day: Mapped[date | None]

    guests: Mapped[list[StayGuest]] = relationship(back_populates="stay", cascade="all, delete-orphan")


class StayGuest(Base):
    """Who was on a stay, and as what: the primary guest, a companion, or the booker."""

    __tablename__ = "stay_guest"
    # The data-scope check reads a guest's stays from this index alone (revision 0047).
    __table_args__ = (Index("ix_stay_guest_guest_id", "guest_id", "stay_id"),)

    stay_id: Mapped[int] = mapped_column(ForeignKey("stay.id", ondelete="CASCADE"), primary_key=True)
    guest_id: Mapped[int] = mapped_column(ForeignKey("guest.id", ondelete="CASCADE"), primary_key=True)
    role: Mapped[GuestRole] = mapped_column(str_enum(GuestRole, "guest_role"), primary_key=True)

    stay: Mapped[Stay] = relationship(back_populates="guests")


class Charge(IdMixin, Base):
    """A folio line: room revenue, F&B, spa, minibar or other spend, posted to a stay or a guest."""

    __tablename__ = "charge"
    __table_args__ = (
        Index("ix_charge_stay", "stay_id"),
        Index("ix_charge_guest", "guest_id"),
        Index(
            "ix_charge_source_record", "source_record_id"
        ),  # re-imported lines, changed since a refresh (0052)
        # the stays with a room line, which the analytics refresh leaves out of stay amounts (0051)
        Index(
            "ix_charge_room_stay",
            "stay_id",
            sqlite_where=text("outlet = 'room'"),
            postgresql_where=text("outlet = 'room'"),
        ),
        # the lines waiting for their stay, found by the stays an import inserts (0054)
        Index(
            "ix_charge_awaited_stay",
            "awaited_confirmation_number",
            sqlite_where=text("awaited_confirmation_number IS NOT NULL"),
            postgresql_where=text("awaited_confirmation_number IS NOT NULL"),
        ),
    )

    hotel_id: Mapped[int] = mapped_column(ForeignKey("hotel.id", ondelete="RESTRICT"))
    stay_id: Mapped[int | None] = mapped_column(ForeignKey("stay.id", ondelete="SET NULL"))
    guest_id: Mapped[int | None] = mapped_column(ForeignKey("guest.id", ondelete="SET NULL"))
    outlet: Mapped[Outlet] = mapped_column(str_enum(Outlet, "outlet"))
    description: Mapped[str | None] = mapped_column(String(200))
    amount: Mapped[Decimal] = mapped_column(Money)
    currency: Mapped[str] = mapped_column(String(3))
    posted_at: Mapped[datetime] = mapped_column(default=utcnow)
    source_record_id: Mapped[int | None] = mapped_column(ForeignKey("source_record.id", ondelete="SET NULL"))
    # The confirmation number of the stay (at `hotel_id`) a line named while no stay had it: the import
    # that brings that stay posts the line to it and clears this (issues 4 and 8, nothing is lost).
    awaited_confirmation_number: Mapped[str | None] = mapped_column(String(64))


class Payment(IdMixin, Base):
    """Money received against a stay's folio (cash, card, Alipay, a city-ledger transfer...). Its own
    table, not a charge with a sign: charges are revenue and spend (analytics, RFM, dashboards read
    `charge`), a payment is neither. A stay's balance is its charges less its payments. A card's number
    is never stored (the import strips card numbers), only its last four digits when sent.

    A refund is a payment below zero, with the clerk's reason. A payment posted in error is voided, never
    deleted: a newer version of its record marks the row (`voided_at`, `void_reason`) and the balance
    leaves it out (0056)."""

    __tablename__ = "payment"
    __table_args__ = (
        Index("ix_payment_stay", "stay_id"),
        Index("ix_payment_source_record", "source_record_id"),  # a newer version of the line replaces it
        # a payment imported before its stay, waiting for the import that brings the stay (0058)
        Index(
            "ix_payment_awaited_stay",
            "awaited_confirmation_number",
            sqlite_where=text("awaited_confirmation_number IS NOT NULL"),
            postgresql_where=text("awaited_confirmation_number IS NOT NULL"),
        ),
    )

    hotel_id: Mapped[int] = mapped_column(ForeignKey("hotel.id", ondelete="RESTRICT"))
    stay_id: Mapped[int | None] = mapped_column(ForeignKey("stay.id", ondelete="SET NULL"))
    method: Mapped[PaymentMethod] = mapped_column(str_enum(PaymentMethod, "payment_method"))
    amount: Mapped[Decimal] = mapped_column(Money)
    currency: Mapped[str] = mapped_column(String(3))
    paid_at: Mapped[datetime] = mapped_column(default=utcnow)
    reference: Mapped[str | None] = mapped_column(String(64))  # a receipt, terminal or transfer number
    card_last4: Mapped[str | None] = mapped_column(String(4))
    source_record_id: Mapped[int | None] = mapped_column(ForeignKey("source_record.id", ondelete="SET NULL"))
    # the confirmation number a payment imported before its stay named, until that stay's import posts
    # it there (a deposit in the PMS folio export ahead of the reservation feed)
    awaited_confirmation_number: Mapped[str | None] = mapped_column(String(64))
    reason: Mapped[str | None] = mapped_column(String(300))  # a refund's (amount below zero)
    voided_at: Mapped[datetime | None]  # posted in error: kept, left out of the balance
    void_reason: Mapped[str | None] = mapped_column(String(300))
