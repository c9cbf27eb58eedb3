"""Identity resolution's working table: every person mentioned by a source record, with match keys."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from guestgraph.db.models._base import Base, IdMixin, JsonDoc, utcnow


class GuestMention(IdMixin, Base):
    """One person as one source record names them (the guest on a PMS row, the booker of an OTA
    booking, a loyalty member), with the standardised values identity resolution compares.

    Contacts marked non-identifying (OTA relay e-mails, virtual numbers) are not copied here, so they
    can never link two guests. `guest_id` is the golden guest the mention resolved to.
    """

    __tablename__ = "guest_mention"
    __table_args__ = (
        Index("ix_guest_mention_record", "source_record_id", "person_index", unique=True),
        Index("ix_guest_mention_name_birth", "name_key", "birth_bidx"),
        # with id and guest_id: a front-desk name search reads a common name's newest mentions and
        # their guests (thousands of mentions) from the index alone, with no table lookup per mention
        # (PostgreSQL: an index-only scan; SQLite: a covering index)
        Index("ix_guest_mention_name_key", "name_key", "id", "guest_id"),
        Index("ix_guest_mention_name_simplified", "name_simplified", "id", "guest_id"),
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
    name_simplified: Mapped[str | None] = mapped_column(String(200))  # front-desk search (indexed above)
    name_pinyin: Mapped[str | None] = mapped_column(String(200))
    name_key: Mapped[str | None] = mapped_column(
        String(200)
    )  # order-normalised Latin letters (indexed above)
    surname_only: Mapped[bool] = mapped_column(default=False)
    salutation: Mapped[str | None] = mapped_column(String(20))
    gender: Mapped[str | None] = mapped_column(String(1))
    nationality: Mapped[str | None] = mapped_column(String(2))
    id_type: Mapped[str | None] = mapped_column(String(30))
    # Sealed under the source record's data key (`key_ref`), with keyed blind indexes for exact
    # matching and search; identity resolution opens the values it compares (guestgraph.pii).
    key_ref: Mapped[str | None] = mapped_column(String(32))
    phone_enc: Mapped[str | None] = mapped_column(Text)
    phone_bidx: Mapped[str | None] = mapped_column(String(64), index=True)
    email_enc: Mapped[str | None] = mapped_column(Text)
    email_bidx: Mapped[str | None] = mapped_column(String(64), index=True)
    id_number_enc: Mapped[str | None] = mapped_column(Text)
    id_number_bidx: Mapped[str | None] = mapped_column(String(64), index=True)
    birth_date_enc: Mapped[str | None] = mapped_column(Text)
    birth_bidx: Mapped[str | None] = mapped_column(String(64))
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


class MatchModelVersion(IdMixin, Base):
    """A trained Fellegi–Sunter model (fields, comparison levels, m and u, prior) as JSON, versioned:
    later resolve passes reuse the newest version until it is retrained."""

    __tablename__ = "match_model"

    version: Mapped[int] = mapped_column(unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    records: Mapped[int]  # mentions it was trained on
    params: Mapped[dict[str, Any]] = mapped_column(JsonDoc)


class MatchReview(IdMixin, Base):
    """A pair of mentions the model could not decide (between the review and link thresholds), for a
    data steward; `rejected` (different people) is honoured by every later resolve pass.

    Mentions are named by a key that survives new versions of their records
    ("source system id:person index:external id"); the guest ids are those at queueing time."""

    __tablename__ = "match_review"
    __table_args__ = (
        UniqueConstraint("left_key", "right_key"),
        Index("ix_match_review_status_weight", "status", "match_weight"),
    )

    left_key: Mapped[str] = mapped_column(String(240))
    right_key: Mapped[str] = mapped_column(String(240))
    left_guest_id: Mapped[int | None] = mapped_column(ForeignKey("guest.id", ondelete="SET NULL"))
    right_guest_id: Mapped[int | None] = mapped_column(ForeignKey("guest.id", ondelete="SET NULL"))
    match_weight: Mapped[float]
    match_probability: Mapped[float]
    contributions: Mapped[dict[str, Any]] = mapped_column(JsonDoc)  # field -> {level, weight}
    model_version: Mapped[int | None]
    status: Mapped[str] = mapped_column(String(10), default="pending")  # pending, accepted, rejected
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_by: Mapped[str | None] = mapped_column(String(100))
    decided_at: Mapped[datetime | None]
    reason: Mapped[str | None] = mapped_column(String(500))


class GuestMerge(IdMixin, Base):
    """One guest merged into another, by a resolve pass (a rule or the model linked them) or by a data
    steward, with the mentions the merged guest held then, so an unmerge restores exactly them."""

    __tablename__ = "guest_merge"
    __table_args__ = (Index("ix_guest_merge_survivor", "survivor_id", "merged_at"),)

    survivor_id: Mapped[int] = mapped_column(ForeignKey("guest.id", ondelete="CASCADE"))
    merged_id: Mapped[int] = mapped_column(ForeignKey("guest.id", ondelete="CASCADE"), index=True)
    mention_keys: Mapped[list[str]] = mapped_column(JsonDoc)  # MentionKeys.key of the merged guest's mentions
    rule: Mapped[str | None] = mapped_column(String(40))  # the rule, "model" or "steward" that joined them
    merged_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_by: Mapped[str | None] = mapped_column(String(100))  # a steward's merge; None: a resolve pass
    reason: Mapped[str | None] = mapped_column(String(500))
    undone_at: Mapped[datetime | None]
    undone_by: Mapped[str | None] = mapped_column(String(100))
    undo_reason: Mapped[str | None] = mapped_column(String(500))
