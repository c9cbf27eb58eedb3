"""Post-stay surveys (one row per link sent, holding its one answer, and its optional ratings of the
outlets the guest used), reviews imported from OTA exports (with their sub-scores), and the steward's
edits to the feedback classification words."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ForeignKey, Index, Numeric, SmallInteger, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from guestgraph.db.models._base import Base, IdMixin, JsonDoc, str_enum
from guestgraph.db.models.stays import Outlet


class Survey(IdMixin, Base):
    """A survey about one guest's stay: the link (its token stored only as a SHA-256 hash), why it was
    not sent if it was not, and the guest's one answer with its classification (the comment sealed
    under the guest's key)."""

    __tablename__ = "survey"
    __table_args__ = (UniqueConstraint("stay_id", "guest_id"),)

    guest_id: Mapped[int] = mapped_column(ForeignKey("guest.id", ondelete="CASCADE"), index=True)
    hotel_id: Mapped[int] = mapped_column(ForeignKey("hotel.id", ondelete="RESTRICT"), index=True)
    stay_id: Mapped[int | None] = mapped_column(ForeignKey("stay.id", ondelete="SET NULL"))
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    lang: Mapped[str] = mapped_column(String(2))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    skip_reason: Mapped[str | None] = mapped_column(String(60))
    answered_at: Mapped[datetime | None]
    nps: Mapped[int | None]  # 0-10: how likely to recommend
    csat: Mapped[int | None]  # 1-5: how satisfied with the stay
    key_ref: Mapped[str | None] = mapped_column(String(32))  # the guest's key the comment is sealed under
    comment_enc: Mapped[str | None] = mapped_column(Text)
    sentiment: Mapped[str | None] = mapped_column(String(20))  # complaint | suggestion | praise
    topic: Mapped[str | None] = mapped_column(String(20))
    matched: Mapped[Any | None] = mapped_column(JsonDoc)  # the words that decided the classification
    interaction_id: Mapped[int | None] = mapped_column(ForeignKey("interaction.id", ondelete="SET NULL"))
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("service_ticket.id", ondelete="SET NULL"))


class SurveyOutletScore(Base):
    """The guest's optional 1-5 rating of one outlet they charged to during the surveyed stay."""

    __tablename__ = "survey_outlet_score"

    survey_id: Mapped[int] = mapped_column(ForeignKey("survey.id", ondelete="CASCADE"), primary_key=True)
    outlet: Mapped[Outlet] = mapped_column(str_enum(Outlet, "outlet"), primary_key=True)
    score: Mapped[int] = mapped_column(SmallInteger)  # 1-5


class OtaReview(IdMixin, Base):
    """A review imported from an OTA's export (Ctrip, Booking.com...): one row per review, keyed by
    the OTA's own review ID so that importing a file again changes nothing. The score is kept as the
    OTA gave it (`score` out of `scale`) and mapped to the survey's CSAT scale (1-5). Matched to a
    guest only through the booking reference (a stay's confirmation number), never by nickname. The
    comment is sealed under the guest's key, or a key of the review's own when no guest matched."""

    __tablename__ = "ota_review"
    __table_args__ = (
        UniqueConstraint("hotel_id", "channel", "external_id"),
        Index("ix_ota_review_hotel_reviewed_on", "hotel_id", "reviewed_on"),
    )

    hotel_id: Mapped[int] = mapped_column(ForeignKey("hotel.id", ondelete="RESTRICT"))
    channel: Mapped[str] = mapped_column(String(20))  # ctrip | booking | meituan | expedia ...
    external_id: Mapped[str] = mapped_column(String(100))
    reviewed_on: Mapped[date]
    score: Mapped[Decimal] = mapped_column(Numeric(4, 1))  # as the OTA gave it
    scale: Mapped[int] = mapped_column(SmallInteger)  # 5 or 10
    csat: Mapped[int] = mapped_column(SmallInteger)  # the score on the survey's 1-5 scale
    reviewer: Mapped[str | None] = mapped_column(String(100))  # the display name the OTA shows
    booking_ref: Mapped[str | None] = mapped_column(String(64))
    key_ref: Mapped[str | None] = mapped_column(String(32))  # the guest's key, else the review's own
    comment_enc: Mapped[str | None] = mapped_column(Text)
    sentiment: Mapped[str | None] = mapped_column(String(20))
    topic: Mapped[str | None] = mapped_column(String(20))
    matched: Mapped[Any | None] = mapped_column(JsonDoc)
    stay_id: Mapped[int | None] = mapped_column(ForeignKey("stay.id", ondelete="SET NULL"))
    guest_id: Mapped[int | None] = mapped_column(ForeignKey("guest.id", ondelete="SET NULL"), index=True)
    interaction_id: Mapped[int | None] = mapped_column(ForeignKey("interaction.id", ondelete="SET NULL"))
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("service_ticket.id", ondelete="SET NULL"))
    imported_at: Mapped[datetime]
    imported_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id", ondelete="SET NULL"))


class OtaReviewScore(Base):
    """A review's sub-score on one aspect (cleanliness, service, location...), on the review's scale.
    Aspects are the OTA's, not the hotel's outlets."""

    __tablename__ = "ota_review_score"

    review_id: Mapped[int] = mapped_column(ForeignKey("ota_review.id", ondelete="CASCADE"), primary_key=True)
    aspect: Mapped[str] = mapped_column(String(20), primary_key=True)
    score: Mapped[Decimal] = mapped_column(Numeric(4, 1))


class FeedbackRule(IdMixin, Base):
    """A steward's word list for one label (replaces the shipped list for that label)."""

    __tablename__ = "feedback_rule"
    __table_args__ = (UniqueConstraint("dimension", "label"),)

    dimension: Mapped[str] = mapped_column(String(20))  # sentiment | topic
    label: Mapped[str] = mapped_column(String(20))
    words: Mapped[str] = mapped_column(Text)  # one word or phrase per line
    updated_at: Mapped[datetime]
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id", ondelete="SET NULL"))


class SelfServiceLink(IdMixin, Base):
    """A guest's self-service link at one hotel (from a message or a QR code in the room): its
    random token stored only as a SHA-256 hash."""

    __tablename__ = "self_service_link"

    guest_id: Mapped[int] = mapped_column(ForeignKey("guest.id", ondelete="CASCADE"), index=True)
    hotel_id: Mapped[int] = mapped_column(ForeignKey("hotel.id", ondelete="RESTRICT"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id", ondelete="SET NULL"))


class SelfServiceRequest(IdMixin, Base):
    """A request a guest filed through their link, and the ticket it became."""

    __tablename__ = "self_service_request"

    link_id: Mapped[int] = mapped_column(ForeignKey("self_service_link.id", ondelete="CASCADE"), index=True)
    guest_id: Mapped[int] = mapped_column(ForeignKey("guest.id", ondelete="CASCADE"), index=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("service_ticket.id", ondelete="CASCADE"), unique=True)
    kind: Mapped[str] = mapped_column(String(20))  # towels | repair | late_checkout | other
    created_at: Mapped[datetime]
