"""Engage: one-off campaigns and the messages they queue, one row per guest with its outcome."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from guestgraph.db.models._base import Base, IdMixin, TimestampMixin, str_enum


class CampaignStatus(enum.StrEnum):
    DRAFT = "draft"  # with `scheduled_at`: scheduled (its audience is taken and queued when it is due)
    QUEUED = "queued"  # the audience is queued; the sender works through it


class Delivery(enum.StrEnum):
    """What became of a sent message after it left: e-mail is `delivered` once the SMTP server we
    hand it to accepts it (nothing more is known without a receipt) and `bounced` when a delivery
    status notification (RFC 3464) comes back for it; SMS and WeChat follow the gateway's receipt."""

    DELIVERED = "delivered"
    BOUNCED = "bounced"  # e-mail: a DSN with Action: failed (`delivery_detail` has its status code)
    FAILED = "failed"  # SMS / WeChat: the gateway's receipt says it did not reach the phone


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
    scheduled_at: Mapped[datetime | None]  # a draft that goes out at this time (UTC)
    # bookings made by a recipient within this many days after their message are attributed to it
    attribution_days: Mapped[int] = mapped_column(default=14, server_default="14")


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
    unsubscribed_at: Mapped[datetime | None]  # the guest withdrew consent by this message's link
    # what became of it after it left (None: not sent, or no receipt yet for SMS / WeChat)
    delivery: Mapped[Delivery | None] = mapped_column(str_enum(Delivery, "delivery_state"))
    delivery_at: Mapped[datetime | None]
    delivery_detail: Mapped[str | None] = mapped_column(String(40))  # DSN status (5.1.1) or gateway code
    # a hard bounce's address (blind index of the DSN's Final-Recipient): while the guest's e-mail
    # still has this index, later campaigns skip it ("address bounced")
    bounced_bidx: Mapped[str | None] = mapped_column(String(64))
