"""The unified inbox: conversations with guests over e-mail, SMS, WeChat and logged phone calls,
each message kept sealed under the conversation's own data key (erasing the guest or the retention
period shreds that key), matched to a guest by blind index and threaded per counterpart."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from guestgraph.db.models._base import Base, IdMixin


class Channel(enum.StrEnum):
    EMAIL = "email"
    SMS = "sms"
    WECHAT = "wechat"
    PHONE = "phone"


class Conversation(IdMixin, Base):
    """One thread with one counterpart (an address, a number, a WeChat account) at one hotel."""

    __tablename__ = "conversation"
    __table_args__ = (
        Index("ix_conversation_thread", "counterpart_bidx", "channel", "hotel_id", "status"),
        Index("ix_conversation_hotel_last", "hotel_id", "status", "last_message_at"),
    )

    hotel_id: Mapped[int] = mapped_column(ForeignKey("hotel.id", ondelete="RESTRICT"))
    channel: Mapped[str] = mapped_column(String(10))
    key_ref: Mapped[str | None] = mapped_column(String(32))  # the conversation's data key; None once shredded
    counterpart_enc: Mapped[str | None] = mapped_column(Text)  # the address/number/account, sealed
    counterpart_bidx: Mapped[str] = mapped_column(String(64))  # keyed blind index, for threading
    subject_enc: Mapped[str | None] = mapped_column(Text)
    guest_id: Mapped[int | None] = mapped_column(ForeignKey("guest.id", ondelete="SET NULL"), index=True)
    match: Mapped[str] = mapped_column(String(12))  # matched | ambiguous | unknown | linked
    candidates: Mapped[int] = mapped_column(default=0)  # guests sharing the contact when ambiguous
    status: Mapped[str] = mapped_column(String(10))  # open | closed
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("service_ticket.id", ondelete="SET NULL"))
    created_at: Mapped[datetime]
    last_message_at: Mapped[datetime]
    unread: Mapped[int] = mapped_column(default=0)  # inbound messages since staff last replied or read


class InboxMessage(IdMixin, Base):
    """One message in or out; its body sealed under the conversation's key. `external_id` (the
    e-mail Message-ID, the gateway's message id) makes a redelivery change nothing."""

    __tablename__ = "inbox_message"
    __table_args__ = (UniqueConstraint("channel", "external_id"),)

    conversation_id: Mapped[int] = mapped_column(
        ForeignKey("conversation.id", ondelete="CASCADE"), index=True
    )
    channel: Mapped[str] = mapped_column(String(10))
    direction: Mapped[str] = mapped_column(String(3))  # in | out
    external_id: Mapped[str] = mapped_column(String(255))
    body_enc: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime]
    staff_user_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id", ondelete="SET NULL"))
    delivery: Mapped[str] = mapped_column(String(10))  # received | sent | failed | logged
    error: Mapped[str | None] = mapped_column(String(300))
