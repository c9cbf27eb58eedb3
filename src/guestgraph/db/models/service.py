"""Service tickets: requests and complaints with an owner and SLA deadlines, their append-only
history, escalations, SLA policies, business hours per hotel and service teams."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from guestgraph.db.models._base import Base, IdMixin, TimestampMixin, str_enum, utcnow


class TicketStatus(enum.StrEnum):
    OPEN = "open"
    ASSIGNED = "assigned"
    IN_PROGRESS = "in_progress"
    RESOLVED = "resolved"
    CLOSED = "closed"


class ServiceTicket(IdMixin, TimestampMixin, Base):
    """One request or complaint at a hotel, optionally about a guest, with its SLA due times. What staff
    and guests write on it (the title, the description, the history's texts) may hold personal data, so
    it is sealed under the ticket's own data key (`key_ref`), shredded when the ticket is erased or
    expires."""

    __tablename__ = "service_ticket"
    __table_args__ = (Index("ix_service_ticket_hotel_status", "hotel_id", "status"),)

    hotel_id: Mapped[int] = mapped_column(ForeignKey("hotel.id", ondelete="RESTRICT"))
    guest_id: Mapped[int | None] = mapped_column(ForeignKey("guest.id", ondelete="CASCADE"), index=True)
    interaction_id: Mapped[int | None] = mapped_column(ForeignKey("interaction.id", ondelete="SET NULL"))
    category: Mapped[str] = mapped_column(String(20))
    priority: Mapped[str] = mapped_column(String(10))
    status: Mapped[TicketStatus] = mapped_column(str_enum(TicketStatus, "ticket_status"))
    key_ref: Mapped[str | None] = mapped_column(String(32))
    title_enc: Mapped[str | None] = mapped_column(Text)  # sealed; set once the row has its id
    description_enc: Mapped[str | None] = mapped_column(Text)
    team: Mapped[str | None] = mapped_column(String(40))
    assignee_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_user.id", ondelete="SET NULL"), index=True
    )
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id", ondelete="SET NULL"))
    respond_due_at: Mapped[datetime]
    resolve_due_at: Mapped[datetime]
    first_response_at: Mapped[datetime | None]
    resolved_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    respond_breached_at: Mapped[datetime | None]
    resolve_breached_at: Mapped[datetime | None]


class TicketEvent(IdMixin, Base):
    """The append-only history of a ticket: creation, every status change, assignment and comment."""

    __tablename__ = "ticket_event"

    ticket_id: Mapped[int] = mapped_column(ForeignKey("service_ticket.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(20))  # created, status, assigned, comment, breach
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str | None] = mapped_column(String(20))
    text_enc: Mapped[str | None] = mapped_column(Text)  # sealed under the ticket's key


class TicketEscalation(IdMixin, Base):
    """A breached deadline escalated to the hotel's manager (one per ticket and deadline)."""

    __tablename__ = "ticket_escalation"
    __table_args__ = (UniqueConstraint("ticket_id", "deadline"),)

    ticket_id: Mapped[int] = mapped_column(ForeignKey("service_ticket.id", ondelete="CASCADE"), index=True)
    deadline: Mapped[str] = mapped_column(String(10))  # respond | resolve
    escalated_to_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id", ondelete="SET NULL"))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]  # the e-mail to the manager left (claimed just before sending)
    skip_reason: Mapped[str | None] = mapped_column(String(60))  # why no e-mail went (no manager, …)


class TicketRating(IdMixin, Base):
    """The guest's rating of how a resolved ticket was handled: one per resolution, one answer each.
    Opened when the ticket is resolved; reached by an e-mailed link (its random token stored only as a
    SHA-256 hash, set when the mail goes out) or from the guest's self-service page."""

    __tablename__ = "ticket_rating"

    ticket_id: Mapped[int] = mapped_column(ForeignKey("service_ticket.id", ondelete="CASCADE"), index=True)
    guest_id: Mapped[int] = mapped_column(ForeignKey("guest.id", ondelete="CASCADE"), index=True)
    hotel_id: Mapped[int] = mapped_column(ForeignKey("hotel.id", ondelete="RESTRICT"), index=True)
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    skip_reason: Mapped[str | None] = mapped_column(String(60))  # why the link was not e-mailed
    rated_at: Mapped[datetime | None]
    score: Mapped[int | None]  # 1-5: how satisfied with how the request was handled
    key_ref: Mapped[str | None] = mapped_column(String(32))  # the guest's key the comment is sealed under
    comment_enc: Mapped[str | None] = mapped_column(Text)


class SlaPolicy(IdMixin, TimestampMixin, Base):
    """Respond and resolve targets, in business minutes, per category and priority."""

    __tablename__ = "sla_policy"
    __table_args__ = (UniqueConstraint("category", "priority"),)

    category: Mapped[str] = mapped_column(String(20))
    priority: Mapped[str] = mapped_column(String(10))
    respond_minutes: Mapped[int]
    resolve_minutes: Mapped[int]


class ServiceHours(IdMixin, Base):
    """A hotel's business hours for SLA clocks, local wall time; `closes` before `opens` spans midnight."""

    __tablename__ = "service_hours"

    hotel_id: Mapped[int] = mapped_column(ForeignKey("hotel.id", ondelete="CASCADE"), unique=True)
    opens: Mapped[str] = mapped_column(String(5))  # HH:MM
    closes: Mapped[str] = mapped_column(String(5))  # HH:MM, 24:00 allowed


class ServiceTeamMember(IdMixin, Base):
    """A member of staff in a hotel's service team (e.g. housekeeping, engineering, front office)."""

    __tablename__ = "service_team_member"
    __table_args__ = (UniqueConstraint("hotel_id", "team", "user_id"),)

    hotel_id: Mapped[int] = mapped_column(ForeignKey("hotel.id", ondelete="CASCADE"))
    team: Mapped[str] = mapped_column(String(40))
    user_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id", ondelete="CASCADE"), index=True)


class TicketAttachment(IdMixin, Base):
    """A file on a ticket (a photo of the damage, a receipt): its bytes sealed under its own data key,
    the type found from the bytes themselves, never from what the uploader claimed."""

    __tablename__ = "ticket_attachment"

    ticket_id: Mapped[int] = mapped_column(ForeignKey("service_ticket.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(120))
    content_type: Mapped[str] = mapped_column(String(40))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    key_ref: Mapped[str | None] = mapped_column(String(32))
    content_enc: Mapped[str | None] = mapped_column(Text)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id", ondelete="SET NULL"))
    uploaded_at: Mapped[datetime]
