"""Data-subject requests (access, rectification, erasure, objection) and their deadlines."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from guestgraph.db.models._base import Base, IdMixin, JsonDoc, TimestampMixin, str_enum, utcnow


class RequestKind(enum.StrEnum):
    ACCESS = "access"
    RECTIFICATION = "rectification"
    ERASURE = "erasure"
    OBJECTION = "objection"


class Jurisdiction(enum.StrEnum):
    PIPL = "pipl"  # 个人信息保护法 / GB/T 35273-2020
    GDPR = "gdpr"


class RequestStatus(enum.StrEnum):
    OPEN = "open"
    COMPLETED = "completed"
    REFUSED = "refused"


class PrivacyRequest(IdMixin, Base):
    """A request a guest made about their own data, with the deadline the law gives us to answer.

    The row outlives an erasure (it is the evidence that we answered): it names the guest only by the
    erased guest row and its random public ID, never by personal data. `outcome` holds what was
    done: counts of erased rows and what was kept, with its legal basis.
    """

    __tablename__ = "privacy_request"
    __table_args__ = (Index("ix_privacy_request_status_due", "status", "due_at"),)

    guest_id: Mapped[int | None] = mapped_column(ForeignKey("guest.id", ondelete="SET NULL"), index=True)
    guest_public_id: Mapped[str] = mapped_column(String(20))
    kind: Mapped[RequestKind] = mapped_column(str_enum(RequestKind, "privacy_request_kind"))
    jurisdiction: Mapped[Jurisdiction] = mapped_column(str_enum(Jurisdiction, "privacy_jurisdiction"))
    status: Mapped[RequestStatus] = mapped_column(
        str_enum(RequestStatus, "privacy_request_status"), default=RequestStatus.OPEN
    )
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    due_at: Mapped[datetime]
    extended_at: Mapped[datetime | None]
    extension_reason: Mapped[str | None] = mapped_column(String(500))
    details: Mapped[str | None] = mapped_column(Text)  # how it reached us; no personal data beyond the guest
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id", ondelete="SET NULL"))
    closed_at: Mapped[datetime | None]
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id", ondelete="SET NULL"))
    refusal_reason: Mapped[str | None] = mapped_column(String(1000))
    outcome: Mapped[dict[str, Any]] = mapped_column(JsonDoc, default=dict)


class RetentionRule(IdMixin, Base):
    """A compliance officer's override of one retention period of the schedule (`privacy/_retention.py`
    holds the categories and their defaults). `days` NULL keeps the category's data indefinitely."""

    __tablename__ = "retention_rule"

    category: Mapped[str] = mapped_column(String(40), unique=True)
    days: Mapped[int | None]
    note: Mapped[str | None] = mapped_column(String(500))  # why the period differs from the default
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class RecipientKind(enum.StrEnum):
    PROCESSOR = "processor"  # another personal-information handler (PIPL 23): separate consent
    ENTRUSTED = "entrusted"  # processes on our behalf under a contract (PIPL 21)
    SYNC_TARGET = "sync_target"  # a system of ours that guest data is synchronised to
    EXPORT_DESTINATION = "export_destination"  # where exported guest lists are sent


class TransferRoute(enum.StrEnum):
    """The legal route for a transfer outside mainland China (PIPL 38; CAC Provisions on Promoting and
    Regulating Cross-Border Data Flows, 2024)."""

    BOOKING_CONTRACT = "booking_contract"  # necessary for a contract the guest is party to (2024 Art. 5(1))
    UNDER_THRESHOLD = "under_threshold"  # < 100,000 persons' non-sensitive PI a year (2024 Art. 5(4))
    STANDARD_CONTRACT = "standard_contract"  # CAC standard contract, filed (PIPL 38(3))
    CERTIFICATION = "certification"  # PI protection certification (PIPL 38(2))
    SECURITY_ASSESSMENT = "security_assessment"  # CAC security assessment passed (PIPL 38(1), 40)


class DataRecipient(IdMixin, TimestampMixin, Base):
    """Someone guest data may leave to: a processor, a sync target or an export destination, with its
    country and, outside mainland China, the configured transfer route (checklist DG-03)."""

    __tablename__ = "data_recipient"

    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[RecipientKind] = mapped_column(str_enum(RecipientKind, "recipient_kind"))
    country: Mapped[str] = mapped_column(String(2))  # ISO 3166-1; CN is mainland China only
    route: Mapped[TransferRoute | None] = mapped_column(str_enum(TransferRoute, "transfer_route"))
    route_reference: Mapped[str | None] = mapped_column(String(200))  # filing number, certificate id
    active: Mapped[bool] = mapped_column(default=True)
