"""Data-subject requests (access, rectification, erasure, objection) and their deadlines."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from guestgraph.db.models._base import Base, IdMixin, JsonDoc, str_enum, utcnow


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
