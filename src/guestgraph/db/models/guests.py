"""The golden guest record and what we know about the guest: preferences, consent, interactions."""

from __future__ import annotations

import enum
import secrets
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from guestgraph.db.models._base import Base, IdMixin, JsonDoc, TimestampMixin, str_enum, utcnow

CROCKFORD32 = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def new_public_id() -> str:
    """A stable global guest ID: 'G' and 12 Crockford base-32 characters (60 random bits)."""
    n = secrets.randbits(60)
    return "G" + "".join(CROCKFORD32[(n >> shift) & 31] for shift in range(55, -1, -5))


class GuestStatus(enum.StrEnum):
    ACTIVE = "active"
    MERGED = "merged"
    ERASED = "erased"


class Guest(IdMixin, TimestampMixin, Base):
    """One real person as we believe them to be: the golden record of identity resolution.

    `public_id` is the stable global guest ID shown to staff and partners; it never changes.
    A guest merged into another keeps its row (status `merged`, `merged_into_id` set) so that
    its public ID still resolves.
    """

    __tablename__ = "guest"
    __table_args__ = (
        Index("ix_guest_family_given", "family_name", "given_name"),
        # partial: almost every guest has none, and a full index's statistics then tell the planner it is
        # useless (after ANALYZE, SQLite scanned 1M guests to list a profile's merged guests)
        Index(
            "ix_guest_merged_into_id",
            "merged_into_id",
            sqlite_where=text("merged_into_id IS NOT NULL"),
            postgresql_where=text("merged_into_id IS NOT NULL"),
        ),
    )

    public_id: Mapped[str] = mapped_column(String(20), unique=True, default=new_public_id)
    status: Mapped[GuestStatus] = mapped_column(
        str_enum(GuestStatus, "guest_status"), default=GuestStatus.ACTIVE
    )
    merged_into_id: Mapped[int | None] = mapped_column(
        ForeignKey("guest.id", ondelete="SET NULL")
    )  # indexed (partial, above): a profile lists the guests merged into it

    full_name: Mapped[str | None] = mapped_column(String(200))
    family_name: Mapped[str | None] = mapped_column(String(100))
    given_name: Mapped[str | None] = mapped_column(String(100))
    name_pinyin: Mapped[str | None] = mapped_column(String(200))
    salutation: Mapped[str | None] = mapped_column(String(20))
    gender: Mapped[str | None] = mapped_column(String(1))
    nationality: Mapped[str | None] = mapped_column(String(2))
    language: Mapped[str | None] = mapped_column(String(16))
    id_document_type: Mapped[str | None] = mapped_column(String(20))
    # Sensitive fields are sealed under the guest's data key (`key_ref`, see guestgraph.pii): the
    # columns hold ciphertext, exact search uses the keyed blind indexes, and erasure shreds the key.
    key_ref: Mapped[str | None] = mapped_column(String(32))
    phone_enc: Mapped[str | None] = mapped_column(Text)
    phone_bidx: Mapped[str | None] = mapped_column(String(64), index=True)
    phone_tail_bidx: Mapped[str | None] = mapped_column(String(64), index=True)  # last four digits
    email_enc: Mapped[str | None] = mapped_column(Text)
    email_bidx: Mapped[str | None] = mapped_column(String(64), index=True)
    id_number_enc: Mapped[str | None] = mapped_column(Text)
    id_number_bidx: Mapped[str | None] = mapped_column(String(64), index=True)
    birth_date_enc: Mapped[str | None] = mapped_column(Text)
    birth_month: Mapped[int | None]  # month and day only, for birthday greetings and alerts
    birth_day: Mapped[int | None]
    loyalty_number: Mapped[str | None] = mapped_column(String(40), index=True)
    loyalty_tier: Mapped[str | None] = mapped_column(String(40))
    vip_level: Mapped[str | None] = mapped_column(String(20))
    city: Mapped[str | None] = mapped_column(String(100))
    country: Mapped[str | None] = mapped_column(String(2))
    provenance: Mapped[dict[str, Any]] = mapped_column(JsonDoc, default=dict)


class Preference(IdMixin, Base):
    """Something the guest likes or needs (high floor, feather-free pillow, peanut allergy). The value
    may be health data (an allergy, a diet), so it is sealed under the guest's data key (`key_ref`,
    the guest's when it was written) and erasure shreds it with the guest's other values."""

    __tablename__ = "preference"

    guest_id: Mapped[int] = mapped_column(ForeignKey("guest.id", ondelete="CASCADE"), index=True)
    category: Mapped[str] = mapped_column(String(30))
    key_ref: Mapped[str | None] = mapped_column(String(32))
    value_enc: Mapped[str | None] = mapped_column(Text)
    source_record_id: Mapped[int | None] = mapped_column(ForeignKey("source_record.id", ondelete="SET NULL"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    retired_at: Mapped[datetime | None]


class ConsentDecision(enum.StrEnum):
    GRANTED = "granted"
    WITHDRAWN = "withdrawn"


class Consent(IdMixin, Base):
    """Append-only consent ledger: the latest entry per purpose and channel is in force.

    No entry means "unknown", which is never treated as granted.
    """

    __tablename__ = "consent"
    __table_args__ = (Index("ix_consent_guest_purpose", "guest_id", "purpose", "channel", "recorded_at"),)

    guest_id: Mapped[int] = mapped_column(ForeignKey("guest.id", ondelete="CASCADE"))
    purpose: Mapped[str] = mapped_column(String(40))
    channel: Mapped[str] = mapped_column(String(20))
    decision: Mapped[ConsentDecision] = mapped_column(str_enum(ConsentDecision, "consent_decision"))
    lawful_basis: Mapped[str] = mapped_column(String(30), server_default="consent")
    source: Mapped[str | None] = mapped_column(String(60))  # staff_ui, front_desk, api, import:<system>
    notice_version: Mapped[str | None] = mapped_column(String(40))  # the privacy notice the guest saw
    evidence: Mapped[str | None] = mapped_column(Text)
    source_record_id: Mapped[int | None] = mapped_column(ForeignKey("source_record.id", ondelete="SET NULL"))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id", ondelete="SET NULL"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)


class Interaction(IdMixin, Base):
    """A contact with the guest: a call, e-mail, chat, complaint, compliment or a staff note. What staff
    typed may hold personal data (a phone number, a health remark), so the text is sealed under the
    guest's data key (`key_ref`, the guest's when it was written) and erasure shreds it with the guest."""

    __tablename__ = "interaction"
    __table_args__ = (Index("ix_interaction_guest_at", "guest_id", "occurred_at"),)

    guest_id: Mapped[int] = mapped_column(ForeignKey("guest.id", ondelete="CASCADE"))
    hotel_id: Mapped[int | None] = mapped_column(ForeignKey("hotel.id", ondelete="SET NULL"))
    channel: Mapped[str] = mapped_column(String(20))
    direction: Mapped[str] = mapped_column(String(10))
    kind: Mapped[str] = mapped_column(String(20))
    key_ref: Mapped[str | None] = mapped_column(String(32))
    text_enc: Mapped[str | None] = mapped_column(Text)
    occurred_at: Mapped[datetime] = mapped_column(default=utcnow)
    staff_user_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id", ondelete="SET NULL"))

    guest: Mapped[Guest] = relationship()
