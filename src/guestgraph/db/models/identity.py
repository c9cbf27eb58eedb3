"""Identity resolution's working table: every person mentioned by a source record, with match keys."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from guestgraph.db.models._base import Base, IdMixin, utcnow


class GuestMention(IdMixin, Base):
    """One person as one source record names them (the guest on a PMS row, the booker of an OTA
    booking, a loyalty member), with the standardised values identity resolution compares.

    Contacts marked non-identifying (OTA relay e-mails, virtual numbers) are not copied here, so they
    can never link two guests. `guest_id` is the golden guest the mention resolved to.
    """

    __tablename__ = "guest_mention"
    __table_args__ = (
        Index("ix_guest_mention_record", "source_record_id", "person_index", unique=True),
        Index("ix_guest_mention_name_birth", "name_key", "birth_date"),
    )

    source_record_id: Mapped[int] = mapped_column(ForeignKey("source_record.id", ondelete="CASCADE"))
    person_index: Mapped[int]
    role: Mapped[str] = mapped_column(String(20))
    source_system_id: Mapped[int] = mapped_column(ForeignKey("source_system.id", ondelete="CASCADE"))
    hotel_id: Mapped[int | None] = mapped_column(ForeignKey("hotel.id", ondelete="SET NULL"))
    trust_rank: Mapped[int] = mapped_column(default=50)
    seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    full_name: Mapped[str | None] = mapped_column(String(200))
    family_name: Mapped[str | None] = mapped_column(String(100))
    given_name: Mapped[str | None] = mapped_column(String(100))
    name_simplified: Mapped[str | None] = mapped_column(String(200))
    name_pinyin: Mapped[str | None] = mapped_column(String(200))
    name_key: Mapped[str | None] = mapped_column(String(200), index=True)  # order-normalised Latin letters
    surname_only: Mapped[bool] = mapped_column(default=False)
    salutation: Mapped[str | None] = mapped_column(String(20))
    gender: Mapped[str | None] = mapped_column(String(1))
    birth_date: Mapped[date | None]
    nationality: Mapped[str | None] = mapped_column(String(2))
    phone: Mapped[str | None] = mapped_column(String(32), index=True)
    email: Mapped[str | None] = mapped_column(String(254), index=True)
    id_type: Mapped[str | None] = mapped_column(String(30))
    id_number: Mapped[str | None] = mapped_column(String(64), index=True)
    loyalty_number: Mapped[str | None] = mapped_column(String(40), index=True)
    loyalty_tier: Mapped[str | None] = mapped_column(String(40))
    city: Mapped[str | None] = mapped_column(String(100))
    # The stay this person is the primary guest of, as each system names it: "hotel:confirmation"
    # (PMS row, POS check charged to the room), "hotel:channel booking id" (OTA message, or the order
    # number a PMS clerk copied into the remarks), and the room and dates.
    stay_ref: Mapped[str | None] = mapped_column(String(120), index=True)
    channel_ref: Mapped[str | None] = mapped_column(String(120), index=True)
    room_night: Mapped[str | None] = mapped_column(String(80), index=True)
    stay_span: Mapped[str | None] = mapped_column(String(60), index=True)  # "hotel:arrival:departure"
    guest_id: Mapped[int | None] = mapped_column(ForeignKey("guest.id", ondelete="SET NULL"), index=True)
    link_rule: Mapped[str | None] = mapped_column(String(40))  # why it joined its guest (strongest evidence)


class AppLock(Base):
    """A named lock row: work that must not run twice at once (a resolve pass) updates its row first,
    which takes the write lock on SQLite and a row lock on PostgreSQL until the transaction ends."""

    __tablename__ = "app_lock"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    acquired_at: Mapped[datetime | None]
