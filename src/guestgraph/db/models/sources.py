"""Lineage: the systems that send us data and every record they sent, kept as sent."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from guestgraph.db.models._base import Base, IdMixin, TimestampMixin, str_enum, utcnow


class SourceKind(enum.StrEnum):
    PMS = "pms"
    OTA = "ota"
    LOYALTY = "loyalty"
    POS = "pos"
    FRONTDESK = "frontdesk"
    FILE = "file"
    API = "api"


class RecordType(enum.StrEnum):
    PROFILE = "profile"
    RESERVATION = "reservation"
    CANCELLATION = "cancellation"
    MEMBER = "member"
    REGISTRATION = "registration"
    FOLIO = "folio"


class RecordStatus(enum.StrEnum):
    ACCEPTED = "accepted"
    ACCEPTED_WITH_WARNINGS = "accepted_with_warnings"
    QUARANTINED = "quarantined"
    SUPERSEDED = "superseded"
    DISCARDED = "discarded"
    ERASED = "erased"


class SourceSystem(IdMixin, TimestampMixin, Base):
    """A system that sends guest data: a PMS, an OTA channel, the loyalty system, POS, the front desk.

    `trust_rank` orders sources for survivorship: the lower the number, the more we trust it.
    """

    __tablename__ = "source_system"

    code: Mapped[str] = mapped_column(String(40), unique=True)
    kind: Mapped[SourceKind] = mapped_column(str_enum(SourceKind, "source_kind"))
    name_zh: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(100))
    trust_rank: Mapped[int] = mapped_column(default=50)
    api_key_hash: Mapped[str | None] = mapped_column(String(200))
    api_key_hint: Mapped[str | None] = mapped_column(String(60))  # first characters, to tell keys apart


class SourceRecord(IdMixin, Base):
    """One row, message or form exactly as a source system sent it, with what we made of it.

    Immutable once stored except for `status` and `guest_id`; a newer version of the same
    external record is a new row and the older one becomes `superseded`.
    """

    __tablename__ = "source_record"
    __table_args__ = (
        UniqueConstraint("source_system_id", "external_id", "version_key"),
        Index("ix_source_record_batch", "batch_id"),
        Index("ix_source_record_guest_id", "guest_id", "hotel_id"),  # the data-scope check (0047)
    )

    source_system_id: Mapped[int] = mapped_column(ForeignKey("source_system.id", ondelete="RESTRICT"))
    hotel_id: Mapped[int | None] = mapped_column(ForeignKey("hotel.id", ondelete="RESTRICT"), index=True)
    record_type: Mapped[RecordType] = mapped_column(str_enum(RecordType, "record_type"))
    external_id: Mapped[str] = mapped_column(String(200))
    version_key: Mapped[str] = mapped_column(String(80))  # orders versions of one external record
    content_hash: Mapped[str] = mapped_column(String(64))
    is_current: Mapped[bool] = mapped_column(default=True)
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("import_batch.id", ondelete="SET NULL"))
    location: Mapped[str | None] = mapped_column(String(100))
    source_version: Mapped[int | None] = mapped_column(BigInteger)
    source_updated_at: Mapped[datetime | None]
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    raw_format: Mapped[str] = mapped_column(String(20))
    # The record as sent and as standardised, sealed under the record's own data key (`key_ref`):
    # erasing its guest shreds the key, so no backup can give the payload back (guestgraph.pii).
    key_ref: Mapped[str | None] = mapped_column(String(32))
    raw_sealed: Mapped[str] = mapped_column(Text, server_default="")
    standardised_sealed: Mapped[str | None] = mapped_column(Text)
    # The standardised persons carry consent flags (consent_email_marketing...) for the ledger.
    has_consent_flags: Mapped[bool] = mapped_column(default=False, server_default=false())
    status: Mapped[RecordStatus] = mapped_column(str_enum(RecordStatus, "record_status"), index=True)
    guest_id: Mapped[int | None] = mapped_column(ForeignKey("guest.id", ondelete="SET NULL"))
    steward_note: Mapped[str | None] = mapped_column(Text)

    source_system: Mapped[SourceSystem] = relationship()
