"""Import batches, rule findings per record, and data-quality figures and alerts."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from guestgraph.db.models._base import Base, BigId, IdMixin, JsonDoc, str_enum, utcnow


class BatchStatus(enum.StrEnum):
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"


class Severity(enum.StrEnum):
    FIX = "fix"  # we normalised the value and recorded the change
    WARN = "warn"  # accepted, flagged
    REJECT = "reject"  # quarantined


class ImportBatch(IdMixin, Base):
    """One import run: a file, an API call or a form, with counts that always reconcile:

    rows_read = accepted + accepted_with_warnings + quarantined + duplicates
    """

    __tablename__ = "import_batch"
    __table_args__ = (Index("ix_import_batch_source_file", "source_system_id", "file_sha256"),)

    source_system_id: Mapped[int] = mapped_column(ForeignKey("source_system.id", ondelete="RESTRICT"))
    hotel_id: Mapped[int | None] = mapped_column(ForeignKey("hotel.id", ondelete="RESTRICT"))
    channel: Mapped[str] = mapped_column(String(10))  # file | api | form | steward
    format: Mapped[str] = mapped_column(String(20))
    profile: Mapped[str | None] = mapped_column(String(60))
    filename: Mapped[str | None] = mapped_column(String(500))
    file_sha256: Mapped[str | None] = mapped_column(String(64))
    file_size: Mapped[int | None] = mapped_column(BigInteger)
    status: Mapped[BatchStatus] = mapped_column(
        str_enum(BatchStatus, "batch_status"), default=BatchStatus.RUNNING
    )
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id", ondelete="SET NULL"))
    rows_read: Mapped[int] = mapped_column(default=0)
    accepted: Mapped[int] = mapped_column(default=0)
    accepted_with_warnings: Mapped[int] = mapped_column(default=0)
    quarantined: Mapped[int] = mapped_column(default=0)
    duplicates: Mapped[int] = mapped_column(default=0)
    superseded: Mapped[int] = mapped_column(default=0)
    checkpoint: Mapped[int] = mapped_column(default=0)  # input position committed so far (resume point)
    error: Mapped[str | None] = mapped_column(Text)
    rule_counts: Mapped[dict[str, Any]] = mapped_column(JsonDoc, default=dict)


class RecordIssue(IdMixin, Base):
    """What a rule found on a record: a fix (raw -> standardised), a warning or a rejection."""

    __tablename__ = "record_issue"
    __table_args__ = (Index("ix_record_issue_record", "source_record_id"),)

    source_record_id: Mapped[int] = mapped_column(ForeignKey("source_record.id", ondelete="CASCADE"))
    rule: Mapped[str] = mapped_column(String(60), index=True)
    severity: Mapped[Severity] = mapped_column(str_enum(Severity, "severity"))
    field: Mapped[str | None] = mapped_column(String(60))
    person: Mapped[int | None]  # index into the record's persons, when the field is a person's
    # the value as sent and as fixed, sealed under the record's data key (guestgraph.pii.issue_row)
    raw_value_enc: Mapped[str | None] = mapped_column(Text)
    fixed_value_enc: Mapped[str | None] = mapped_column(Text)
    detail: Mapped[str | None] = mapped_column(String(500))


class QualityStat(Base):
    """Data-quality counts per day, hotel and source; the dashboard sums these (set-based, cheap)."""

    __tablename__ = "quality_stat"
    __table_args__ = (UniqueConstraint("day", "hotel_id", "source_system_id", "batch_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True, sort_order=-100)
    day: Mapped[date]
    hotel_id: Mapped[int | None] = mapped_column(ForeignKey("hotel.id", ondelete="CASCADE"), index=True)
    source_system_id: Mapped[int] = mapped_column(ForeignKey("source_system.id", ondelete="CASCADE"))
    batch_id: Mapped[int] = mapped_column(ForeignKey("import_batch.id", ondelete="CASCADE"))
    records: Mapped[int] = mapped_column(default=0)  # new records stored (duplicates excluded)
    valid: Mapped[int] = mapped_column(default=0)  # accepted, with or without warnings
    quarantined: Mapped[int] = mapped_column(default=0)
    persons: Mapped[int] = mapped_column(default=0)
    complete: Mapped[int] = mapped_column(default=0)  # persons with a name and an identifying phone or e-mail
    with_name: Mapped[int] = mapped_column(default=0)
    with_phone: Mapped[int] = mapped_column(default=0)
    with_email: Mapped[int] = mapped_column(default=0)
    with_document: Mapped[int] = mapped_column(default=0)
    with_birth_date: Mapped[int] = mapped_column(default=0)
    non_identifying_contact: Mapped[int] = mapped_column(default=0)


class QualityAlert(IdMixin, Base):
    """Raised when a hotel's completeness or validity falls below its threshold."""

    __tablename__ = "quality_alert"

    hotel_id: Mapped[int] = mapped_column(ForeignKey("hotel.id", ondelete="CASCADE"), index=True)
    metric: Mapped[str] = mapped_column(String(40))
    value: Mapped[float]
    threshold: Mapped[float]
    raised_at: Mapped[datetime] = mapped_column(default=utcnow)
    resolved_at: Mapped[datetime | None]
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("import_batch.id", ondelete="SET NULL"))
