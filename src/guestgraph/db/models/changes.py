"""The change feed downstream systems read to stay in step with the golden record: a guest's details
were corrected, two guests became one (or were split again), a guest was erased. Entries name the guest
and the fields that changed, never the values: a downstream system fetches the profile it may see."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from guestgraph.db.models._base import Base, IdMixin, str_enum, utcnow


class ChangeKind(enum.StrEnum):
    RECTIFIED = "rectified"  # a staff member corrected golden values (GDPR 16, PIPL 46)
    MERGED = "merged"  # the guest was merged into `other_public_id`
    UNMERGED = "unmerged"  # the guest was split from `other_public_id` again
    SPLIT = "split"  # records of the guest were split off into `guest_public_id` (a new guest)
    ERASED = "erased"  # the guest's personal data is gone; downstream copies must go too


class GuestChange(IdMixin, Base):
    """One entry of the change feed, in order of `id` (a reader keeps the last id it has seen)."""

    __tablename__ = "guest_change"
    __table_args__ = (Index("ix_guest_change_guest", "guest_id"),)

    guest_id: Mapped[int | None] = mapped_column(ForeignKey("guest.id", ondelete="SET NULL"))
    guest_public_id: Mapped[str] = mapped_column(String(20))
    kind: Mapped[ChangeKind] = mapped_column(str_enum(ChangeKind, "change_kind"))
    fields: Mapped[list[str]] = mapped_column(JSON, default=list)  # which golden attributes changed
    other_public_id: Mapped[str | None] = mapped_column(String(20))
    source_record_id: Mapped[int | None] = mapped_column(ForeignKey("source_record.id", ondelete="SET NULL"))
    request_id: Mapped[int | None] = mapped_column(ForeignKey("privacy_request.id", ondelete="SET NULL"))
    reason: Mapped[str | None] = mapped_column(String(500))
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id", ondelete="SET NULL"))
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)


class GuestChangeHotel(Base):
    """The hotels the guest was seen at when the change was made: who may read the entry (a hotel's
    integration must learn of an erasure even though the erased guest is no longer seen anywhere)."""

    __tablename__ = "guest_change_hotel"

    change_id: Mapped[int] = mapped_column(
        ForeignKey("guest_change.id", ondelete="CASCADE"), primary_key=True
    )
    hotel_id: Mapped[int] = mapped_column(
        ForeignKey("hotel.id", ondelete="CASCADE"), primary_key=True, index=True
    )
