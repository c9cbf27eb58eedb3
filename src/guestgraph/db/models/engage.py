"""Engage: one-off campaigns and the messages they queue, one row per guest with its outcome."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from guestgraph.db.models._base import Base, IdMixin, TimestampMixin, str_enum


class CampaignStatus(enum.StrEnum):
    DRAFT = "draft"
    QUEUED = "queued"  # the audience is queued; the sender works through it


class MessageStatus(enum.StrEnum):
    QUEUED = "queued"
    SENDING = "sending"  # claimed by a sender; becomes sent, skipped or failed
    SENT = "sent"
    SKIPPED = "skipped"  # the reason says why (no consent, erased, frequency cap, no address)
    FAILED = "failed"


class Campaign(IdMixin, TimestampMixin, Base):
    """A one-off message to an audience, with its templates in Chinese and English."""

    __tablename__ = "campaign"

    name: Mapped[str] = mapped_column(String(120))
    purpose: Mapped[str] = mapped_column(String(40))  # a privacy.Purpose value
    channel: Mapped[str] = mapped_column(String(20))  # a privacy.Channel value
    subject_zh: Mapped[str] = mapped_column(String(200))
    subject_en: Mapped[str] = mapped_column(String(200))
    body_zh: Mapped[str] = mapped_column(Text)
    body_en: Mapped[str] = mapped_column(Text)
    hotel_id: Mapped[int | None] = mapped_column(ForeignKey("hotel.id", ondelete="RESTRICT"))
    last_stay_from: Mapped[date | None]
    last_stay_to: Mapped[date | None]
    status: Mapped[CampaignStatus] = mapped_column(
        str_enum(CampaignStatus, "campaign_status"), default=CampaignStatus.DRAFT
    )
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id", ondelete="SET NULL"))
    queued_at: Mapped[datetime | None]


class CampaignMessage(IdMixin, Base):
    """One guest of a campaign's audience: queued, then sent, skipped (with the reason) or failed."""

    __tablename__ = "campaign_message"
    __table_args__ = (
        UniqueConstraint("campaign_id", "guest_id"),
        Index("ix_campaign_message_status", "status", "id"),
        Index("ix_campaign_message_guest_sent", "guest_id", "sent_at"),
    )

    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id", ondelete="CASCADE"))
    guest_id: Mapped[int] = mapped_column(ForeignKey("guest.id", ondelete="CASCADE"))
    status: Mapped[MessageStatus] = mapped_column(
        str_enum(MessageStatus, "message_status"), default=MessageStatus.QUEUED
    )
    reason: Mapped[str | None] = mapped_column(String(200))
    claimed_by: Mapped[str | None] = mapped_column(String(40))
    queued_at: Mapped[datetime]
    claimed_at: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    # e-mail tracking (personal data: exported with the message, deleted with it on erasure)
    opened_at: Mapped[datetime | None]  # first fetch of the open pixel (or first click)
    clicked_at: Mapped[datetime | None]  # first click on a tracked link
