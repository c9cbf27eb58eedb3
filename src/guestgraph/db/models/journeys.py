"""Journeys (automations): a trigger and its steps as data, the guests enrolled in each journey with
the step they are at, and one row per guest per step run (the unique key makes a step run once)."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from guestgraph.db.models._base import Base, IdMixin, JsonDoc, TimestampMixin, str_enum


class JourneyStatus(enum.StrEnum):
    DRAFT = "draft"
    ACTIVE = "active"  # enrols guests and runs their due steps
    PAUSED = "paused"  # enrols no one and runs nothing; resumes at each guest's step


class EnrolmentStatus(enum.StrEnum):
    WAITING = "waiting"  # the step `step` is due at `next_at`
    RUNNING = "running"  # claimed by a worker
    DONE = "done"  # went through every step
    EXITED = "exited"  # a condition sent the guest out of the journey
    STOPPED = "stopped"  # the guest was erased or merged; `reason` says which


class Journey(IdMixin, TimestampMixin, Base):
    """A trigger and its steps (`definition`, see guestgraph.journeys), optionally for one hotel."""

    __tablename__ = "journey"

    name: Mapped[str] = mapped_column(String(120))
    template: Mapped[str | None] = mapped_column(String(40))  # the shipped template it was made from
    hotel_id: Mapped[int | None] = mapped_column(ForeignKey("hotel.id", ondelete="RESTRICT"))
    status: Mapped[JourneyStatus] = mapped_column(
        str_enum(JourneyStatus, "journey_status"), default=JourneyStatus.DRAFT
    )
    definition: Mapped[dict[str, Any]] = mapped_column(JsonDoc)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id", ondelete="SET NULL"))
    activated_at: Mapped[datetime | None]  # first activation: triggers look at what happened since


class JourneyEnrolment(IdMixin, Base):
    """One guest's way through a journey, once per trigger occurrence (`trigger_key`: a stay, a
    lifecycle change, a birthday year); the hotel and stay it was triggered by give the context."""

    __tablename__ = "journey_enrolment"
    __table_args__ = (
        UniqueConstraint("journey_id", "guest_id", "trigger_key"),
        Index("ix_journey_enrolment_due", "status", "next_at"),
        Index("ix_journey_enrolment_guest", "guest_id"),
    )

    journey_id: Mapped[int] = mapped_column(ForeignKey("journey.id", ondelete="CASCADE"))
    guest_id: Mapped[int] = mapped_column(ForeignKey("guest.id", ondelete="CASCADE"))
    trigger_key: Mapped[str] = mapped_column(String(40))
    hotel_id: Mapped[int | None] = mapped_column(ForeignKey("hotel.id", ondelete="SET NULL"))
    stay_id: Mapped[int | None] = mapped_column(ForeignKey("stay.id", ondelete="SET NULL"))
    status: Mapped[EnrolmentStatus] = mapped_column(
        str_enum(EnrolmentStatus, "enrolment_status"), default=EnrolmentStatus.WAITING
    )
    step: Mapped[str | None] = mapped_column(String(20))  # the key of the next step; empty when ended
    next_at: Mapped[datetime | None]
    claimed_by: Mapped[str | None] = mapped_column(String(40))
    claimed_at: Mapped[datetime | None]
    entered_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]
    reason: Mapped[str | None] = mapped_column(String(200))  # why stopped, or why a send was put off


class JourneyStepRun(IdMixin, Base):
    """A step run for one guest: its outcome (sent, skipped with the reason, tagged, matched …).
    Unique per enrolment and step: the database's final guard that a step never runs twice."""

    __tablename__ = "journey_step_run"
    __table_args__ = (
        UniqueConstraint("enrolment_id", "step"),
        Index("ix_journey_step_run_journey", "journey_id", "step", "outcome"),
        Index("ix_journey_step_run_guest", "guest_id", "sent_at"),
    )

    enrolment_id: Mapped[int] = mapped_column(ForeignKey("journey_enrolment.id", ondelete="CASCADE"))
    journey_id: Mapped[int] = mapped_column(ForeignKey("journey.id", ondelete="CASCADE"))
    guest_id: Mapped[int] = mapped_column(ForeignKey("guest.id", ondelete="CASCADE"))
    step: Mapped[str] = mapped_column(String(20))
    kind: Mapped[str] = mapped_column(String(12))
    outcome: Mapped[str] = mapped_column(String(12))  # started, sent, skipped, failed, interrupted, done …
    purpose: Mapped[str | None] = mapped_column(String(40))  # of a send: counts towards the frequency cap
    reason: Mapped[str | None] = mapped_column(String(200))
    started_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
