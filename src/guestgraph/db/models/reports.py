"""Scheduled report e-mails: which report, how often, in which format, to which members of staff, and
the last period sent (so that each period goes out once)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from guestgraph.db.models._base import Base, BigId, IdMixin, JsonDoc, utcnow


class ReportSchedule(IdMixin, Base):
    """A report e-mailed every day, week or month. Each recipient gets it computed in their own data
    scope; `last_period` is the start of the last period sent (claimed before the mail leaves)."""

    __tablename__ = "report_schedule"

    report: Mapped[str] = mapped_column(String(20))
    frequency: Mapped[str] = mapped_column(String(7))  # daily | weekly | monthly
    format: Mapped[str] = mapped_column(String(4))  # xlsx | pdf
    params: Mapped[dict[str, Any]] = mapped_column(JsonDoc, default=dict)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    active: Mapped[bool] = mapped_column(default=True)
    last_period: Mapped[date | None]
    last_sent_at: Mapped[datetime | None]
    last_outcome: Mapped[str | None] = mapped_column(String(200))


class ReportScheduleRecipient(Base):
    """A member of staff a scheduled report goes to (at the e-mail address of their account)."""

    __tablename__ = "report_schedule_recipient"

    schedule_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("report_schedule.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("staff_user.id", ondelete="CASCADE"), primary_key=True
    )
    last_period: Mapped[date | None]  # the start of the last period this recipient was sent (or skipped)
