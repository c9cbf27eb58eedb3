"""Service prompts: rules (data) that turn what we know about an arriving guest into a task for a
hotel department before arrival, and the prompts they generate, one per stay and rule."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from guestgraph.db.models._base import Base, IdMixin, JsonDoc, TimestampMixin, str_enum, utcnow


class PromptStatus(enum.StrEnum):
    OPEN = "open"
    DONE = "done"  # ticked off by staff
    WITHDRAWN = "withdrawn"  # the booking changed and no longer matches the rule


class PromptRule(IdMixin, TimestampMixin, Base):
    """A rule: a condition on the arriving stay and its guest, and the department that acts on it.
    Shipped rules are inserted once (`shipped`); staff add, edit and retire rules. A rule applies to
    the stays of one hotel (`hotel_id`) or, without one, to every hotel of the group."""

    __tablename__ = "prompt_rule"
    __table_args__ = (UniqueConstraint("code"),)

    code: Mapped[str] = mapped_column(String(40))
    name_zh: Mapped[str] = mapped_column(String(120))
    name_en: Mapped[str] = mapped_column(String(120))
    department: Mapped[str] = mapped_column(String(20))
    condition: Mapped[dict[str, Any]] = mapped_column(JsonDoc)
    active: Mapped[bool] = mapped_column(default=True)
    shipped: Mapped[bool] = mapped_column(default=False)
    hotel_id: Mapped[int | None] = mapped_column(ForeignKey("hotel.id", ondelete="CASCADE"), index=True)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id", ondelete="SET NULL"))


class ServicePrompt(IdMixin, Base):
    """One task for a department about one stay, from one rule, with the reason it applies. The reason's
    detail may quote an allergy, a do-not-rent reason or a complaint, so it is sealed under the guest's
    data key (CR-01; AAD row `service_prompt:<stay>:<rule>`) and shredded with the guest."""

    __tablename__ = "service_prompt"
    __table_args__ = (
        UniqueConstraint("stay_id", "rule_id"),
        Index("ix_service_prompt_hotel_due", "hotel_id", "due_on"),
        Index("ix_service_prompt_guest", "guest_id"),
    )

    rule_id: Mapped[int] = mapped_column(ForeignKey("prompt_rule.id", ondelete="RESTRICT"))
    hotel_id: Mapped[int] = mapped_column(ForeignKey("hotel.id", ondelete="RESTRICT"))
    stay_id: Mapped[int] = mapped_column(ForeignKey("stay.id", ondelete="CASCADE"))
    guest_id: Mapped[int] = mapped_column(ForeignKey("guest.id", ondelete="CASCADE"))
    department: Mapped[str] = mapped_column(String(20))
    reason_kind: Mapped[str] = mapped_column(String(40))
    key_ref: Mapped[str | None] = mapped_column(String(32))  # the guest's key the detail is sealed under
    reason_detail_enc: Mapped[str | None] = mapped_column(Text)  # "2", "peanuts", an alert's text
    due_on: Mapped[date]  # the arrival day
    status: Mapped[PromptStatus] = mapped_column(
        str_enum(PromptStatus, "prompt_status"), default=PromptStatus.OPEN
    )
    generated_at: Mapped[datetime] = mapped_column(default=utcnow)
    done_at: Mapped[datetime | None]
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id", ondelete="SET NULL"))
    withdrawn_at: Mapped[datetime | None]
