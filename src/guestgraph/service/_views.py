"""What the pages and the API show of a ticket: a flat view and its history lines, read in scope."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Row, Select, select
from sqlalchemy.orm import Session, aliased

from guestgraph.access import DataScope, hotel_id_visible
from guestgraph.db.models import (
    Guest,
    Hotel,
    Interaction,
    ServiceTicket,
    StaffUser,
    TicketEvent,
    TicketStatus,
)
from guestgraph.profiles import interaction_texts
from guestgraph.service._errors import InvalidServiceInput, TicketNotFound
from guestgraph.service._policies import ACTIVE
from guestgraph.service._sealed import event_texts, ticket_descriptions, ticket_titles


@dataclass(frozen=True)
class TicketView:
    id: int
    hotel: str
    category: str
    priority: str
    status: str
    title: str
    description: str | None
    team: str | None
    assignee: str | None
    guest_id: str | None
    created_at: datetime
    respond_due_at: datetime
    resolve_due_at: datetime
    first_response_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None
    respond_breached: bool
    resolve_breached: bool


@dataclass(frozen=True)
class EventLine:
    at: datetime
    actor: str | None
    kind: str
    from_status: str | None
    to_status: str | None
    text: str | None


def _select(scope: DataScope) -> Select[ServiceTicket, str, str, str]:
    assignee = aliased(StaffUser)
    return (
        select(ServiceTicket, Hotel.code, assignee.display_name, Guest.public_id)
        .join(Hotel, Hotel.id == ServiceTicket.hotel_id)
        .join(assignee, assignee.id == ServiceTicket.assignee_id, isouter=True)
        .join(Guest, Guest.id == ServiceTicket.guest_id, isouter=True)
        .where(hotel_id_visible(ServiceTicket.hotel_id, scope))
    )


def _views(session: Session, rows: Sequence[Row[ServiceTicket, str, str, str]]) -> list[TicketView]:
    """Rows of `_select` as views, their title and description opened by the ticket texts' readers."""
    tickets = [r[0] for r in rows]
    texts = zip(ticket_titles(session, tickets), ticket_descriptions(session, tickets), strict=True)
    return [
        _view(t, h, a, g, title or "", description)
        for (t, h, a, g), (title, description) in zip(rows, texts, strict=True)
    ]


def _view(
    t: ServiceTicket, hotel: str, assignee: str | None, guest: str | None, title: str, description: str | None
) -> TicketView:
    return TicketView(
        t.id, hotel, t.category, t.priority, str(t.status), title, description, t.team, assignee, guest,
        t.created_at, t.respond_due_at, t.resolve_due_at, t.first_response_at, t.resolved_at,
        t.closed_at, t.respond_breached_at is not None, t.resolve_breached_at is not None,
    )  # fmt: skip


def ticket_row(session: Session, scope: DataScope, ticket_id: int) -> ServiceTicket:
    """The ticket if its hotel is in scope, else `TicketNotFound` (as for an unknown number)."""
    found = session.scalar(
        select(ServiceTicket).where(
            ServiceTicket.id == ticket_id, hotel_id_visible(ServiceTicket.hotel_id, scope)
        )
    )
    if found is None:
        raise TicketNotFound(
            f"No ticket {ticket_id} in your data scope.", hint="See the ticket list at /service."
        )
    return found


def get_ticket(session: Session, *, scope: DataScope, ticket_id: int) -> TicketView:
    row = session.execute(_select(scope).where(ServiceTicket.id == ticket_id)).first()
    if row is None:
        raise TicketNotFound(
            f"No ticket {ticket_id} in your data scope.", hint="See the ticket list at /service."
        )
    (view,) = _views(session, [row])
    return view


def list_tickets(
    session: Session,
    *,
    scope: DataScope,
    status: str | None = None,
    hotel_code: str | None = None,
    category: str | None = None,
    open_only: bool = False,
    guest_id: int | None = None,
    limit: int = 200,
) -> list[TicketView]:
    """Tickets in scope, most urgent deadline first, filtered as asked."""
    query = _select(scope)
    if status:
        if status not in set(TicketStatus):
            raise InvalidServiceInput(
                f"Unknown status {status!r}.", hint=f"Use one of: {', '.join(TicketStatus)}."
            )
        query = query.where(ServiceTicket.status == TicketStatus(status))
    if open_only:
        query = query.where(ServiceTicket.status.in_(ACTIVE))
    if hotel_code:
        query = query.where(Hotel.code == hotel_code)
    if category:
        query = query.where(ServiceTicket.category == category)
    if guest_id is not None:
        query = query.where(ServiceTicket.guest_id == guest_id)
    query = query.order_by(ServiceTicket.resolve_due_at, ServiceTicket.id).limit(limit)
    return _views(session, session.execute(query).all())


def ticket_history(session: Session, *, scope: DataScope, ticket_id: int) -> list[EventLine]:
    """Every change of the ticket, oldest first."""
    ticket = ticket_row(session, scope, ticket_id)
    rows = session.execute(
        select(TicketEvent, StaffUser.display_name)
        .join(StaffUser, StaffUser.id == TicketEvent.actor_id, isouter=True)
        .where(TicketEvent.ticket_id == ticket_id)
        .order_by(TicketEvent.at, TicketEvent.id)
    ).all()
    texts = event_texts(session, ticket.key_ref, [e for e, _name in rows])
    return [
        EventLine(e.at, name, e.kind, e.from_status, e.to_status, text)
        for (e, name), text in zip(rows, texts, strict=True)
    ]


@dataclass(frozen=True)
class Complaint:
    interaction_id: int
    text: str
    occurred_at: datetime


def complaints_without_ticket(
    session: Session, *, scope: DataScope, guest_id: int, limit: int = 5
) -> list[Complaint]:
    """The guest's complaints logged at hotels in scope that no ticket follows up yet, newest first."""
    rows = session.execute(
        select(Interaction.id, Interaction.key_ref, Interaction.text_enc, Interaction.occurred_at)
        .where(
            Interaction.guest_id == guest_id,
            Interaction.kind == "complaint",
            Interaction.hotel_id.is_not(None),
            hotel_id_visible(Interaction.hotel_id, scope),
            ~select(ServiceTicket.id).where(ServiceTicket.interaction_id == Interaction.id).exists(),
        )
        .order_by(Interaction.occurred_at.desc())
        .limit(limit)
    ).all()
    texts = interaction_texts(session, rows)
    return [Complaint(int(r.id), text, r.occurred_at) for r, text in zip(rows, texts, strict=True)]
