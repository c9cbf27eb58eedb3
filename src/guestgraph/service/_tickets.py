"""The ticket lifecycle: create (from staff, the API or a complaint), assign, change status, comment.
Every change appends a `ticket_event`; nothing in the history is ever updated or deleted."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select, true
from sqlalchemy.orm import Session

from guestgraph import pii
from guestgraph.access import DataScope, hotel_id_visible, hotel_in_scope, hotel_visible
from guestgraph.db.models import (
    Guest,
    Hotel,
    Interaction,
    ScopeLevel,
    ServiceTicket,
    StaffUser,
    TicketStatus,
)
from guestgraph.profiles import interaction_texts, visible_guest
from guestgraph.service._assign import least_loaded
from guestgraph.service._errors import InvalidServiceInput, InvalidTransition
from guestgraph.service._hours import add_business_minutes
from guestgraph.service._policies import TRANSITIONS, check_category, hours_for, policy_minutes
from guestgraph.service._ratings import LOW_RATING, RATING_VALID_FOR, REOPENABLE, open_rating, rating_text
from guestgraph.service._sealed import NewEvent, record_events, seal_ticket_texts
from guestgraph.service._views import TicketView, get_ticket, ticket_row

MAX_TEXT = 4000
RESPONDED = (TicketStatus.IN_PROGRESS, TicketStatus.RESOLVED, TicketStatus.CLOSED)


@dataclass(frozen=True)
class NewTicket:
    """What a ticket is opened with; `hotel_code` may be left out by a single-hotel user."""

    title: str
    category: str = "other"
    priority: str = "normal"
    hotel_code: str | None = None
    description: str | None = None
    guest_public_id: str | None = None
    team: str | None = None
    assignee_id: int | None = None
    interaction_id: int | None = None


def _event(
    session: Session, ticket: ServiceTicket, now: datetime, actor_id: int | None, kind: str, **kw: str | None
) -> None:
    record_events(session, [NewEvent(ticket.id, now, kind, actor_id=actor_id, **kw)])


def _hotel_id(session: Session, scope: DataScope, code: str | None) -> int:
    if code:
        return hotel_in_scope(session, scope, code).id
    ids = list(session.scalars(select(Hotel.id).where(hotel_visible(scope)).limit(2)))
    if len(ids) != 1:
        raise InvalidServiceInput("Say which hotel the ticket is for.", hint="Pass the hotel code.")
    return ids[0]


def _assignee(session: Session, user_id: int, hotel_id: int) -> int:
    """The member of staff, if active and able to see the hotel (never handed a ticket they cannot open)."""
    hotel = select(Hotel.id, Hotel.region_id).where(Hotel.id == hotel_id).subquery()
    sees_hotel = or_(
        StaffUser.scope_level == ScopeLevel.GROUP,
        (StaffUser.scope_level == ScopeLevel.REGION) & (StaffUser.scope_region_id == hotel.c.region_id),
        (StaffUser.scope_level == ScopeLevel.HOTEL) & (StaffUser.scope_hotel_id == hotel.c.id),
    )
    if not session.scalar(
        select(func.count())
        .select_from(StaffUser)
        .join(hotel, true())
        .where(StaffUser.id == user_id, StaffUser.is_active, sees_hotel)
    ):
        raise InvalidServiceInput(
            f"No active member of staff {user_id} who works at this hotel.",
            hint="Pick someone from the hotel's staff.",
        )
    return user_id


def _text(value: str | None, what: str, *, required: bool, limit: int = MAX_TEXT) -> str | None:
    body = (value or "").strip()
    if (required and not body) or len(body) > limit:
        raise InvalidServiceInput(f"The {what} needs 1 to {limit} characters.", hint=f"Write the {what}.")
    return body or None


def create_ticket(
    session: Session,
    *,
    scope: DataScope,
    ticket: NewTicket,
    actor_id: int | None,
    now: datetime,
    default_hours: str,
) -> TicketView:
    """Open a ticket in scope with its SLA due times; assigned to the person named, else to the
    least-loaded member of the team named, else left open."""
    check_category(ticket.category, ticket.priority)
    title = _text(ticket.title, "title", required=True, limit=200)
    hotel_id = _hotel_id(session, scope, ticket.hotel_code)
    guest_id = visible_guest(session, scope, ticket.guest_public_id).id if ticket.guest_public_id else None
    team = _text(ticket.team, "team", required=False, limit=40)
    assignee = _assignee(session, ticket.assignee_id, hotel_id) if ticket.assignee_id else None
    if assignee is None and team:
        assignee = least_loaded(session, hotel_id=hotel_id, team=team)
    hours = hours_for(session, hotel_id, default_hours)
    respond, resolve = policy_minutes(session, ticket.category, ticket.priority)
    row = ServiceTicket(
        hotel_id=hotel_id, guest_id=guest_id, interaction_id=ticket.interaction_id,
        category=ticket.category, priority=ticket.priority, team=team,
        key_ref=pii.vault_of(session).new_guest_key(), assignee_id=assignee, created_by_id=actor_id,
        created_at=now, updated_at=now,
        status=TicketStatus.ASSIGNED if assignee else TicketStatus.OPEN,
        respond_due_at=add_business_minutes(now, respond, hours),
        resolve_due_at=add_business_minutes(now, resolve, hours),
    )  # fmt: skip
    session.add(row)
    session.flush()
    seal_ticket_texts(session, row, title or "", _text(ticket.description, "description", required=False))
    _event(session, row, now, actor_id, "created", to_status=str(row.status), text=title)
    session.flush()
    return get_ticket(session, scope=scope, ticket_id=row.id)


def ticket_from_interaction(
    session: Session,
    *,
    scope: DataScope,
    interaction_id: int,
    actor_id: int | None,
    now: datetime,
    default_hours: str,
    category: str = "other",
    priority: str = "normal",
) -> TicketView:
    """Open a ticket for a logged complaint (its guest, hotel and text), once per complaint."""
    found = session.scalar(
        select(Interaction).where(
            Interaction.id == interaction_id, hotel_id_visible(Interaction.hotel_id, scope)
        )
    )
    if found is None or found.kind != "complaint" or found.hotel_id is None:
        raise InvalidServiceInput(
            f"No complaint {interaction_id} at a hotel in your scope.",
            hint="Log the complaint at a hotel first.",
        )
    existing = session.scalar(select(ServiceTicket.id).where(ServiceTicket.interaction_id == interaction_id))
    if existing is not None:
        return get_ticket(session, scope=scope, ticket_id=existing)
    code = session.scalar(select(Hotel.code).where(Hotel.id == found.hotel_id))
    guest = session.scalar(select(Guest.public_id).where(Guest.id == found.guest_id))
    (text,) = interaction_texts(session, [found])
    title = (text.splitlines() or [""])[0][:200]
    new = NewTicket(title, category, priority, code, text, guest, interaction_id=found.id)
    return create_ticket(
        session, scope=scope, ticket=new, actor_id=actor_id, now=now, default_hours=default_hours
    )


def change_status(
    session: Session,
    *,
    scope: DataScope,
    ticket_id: int,
    to: str,
    actor_id: int | None,
    now: datetime,
    note: str | None = None,
    rating_valid_for: timedelta = RATING_VALID_FOR,
) -> TicketView:
    """Move the ticket to status `to` if the lifecycle allows it (else `InvalidTransition`, 409).
    Resolving a ticket about a guest opens the guest's rating of it (open for `rating_valid_for`)."""
    row = ticket_row(session, scope, ticket_id)
    try:
        target = TicketStatus(to)
    except ValueError as e:
        raise InvalidServiceInput(
            f"Unknown status {to!r}.", hint=f"Use one of: {', '.join(TicketStatus)}."
        ) from e
    if target not in TRANSITIONS[row.status]:
        allowed = ", ".join(sorted(TRANSITIONS[row.status]))
        raise InvalidTransition(
            f"Ticket {ticket_id} is {row.status}; it cannot become {target}.",
            hint=f"From {row.status}: {allowed}.",
        )
    if target is TicketStatus.ASSIGNED and row.assignee_id is None:
        raise InvalidTransition(
            f"Ticket {ticket_id} has nobody to assign it to.", hint="Assign a person instead."
        )
    before = row.status
    row.status = target
    if target in RESPONDED and row.first_response_at is None:
        row.first_response_at = now
    if target is TicketStatus.RESOLVED:
        row.resolved_at = now
    if target is TicketStatus.CLOSED:
        row.closed_at = now
    if target is TicketStatus.OPEN:  # reopened (or handed back): the work is not done
        row.resolved_at = row.closed_at = None
    _event(
        session,
        row,
        now,
        actor_id,
        "status",
        from_status=str(before),
        to_status=str(target),
        text=_text(note, "note", required=False),
    )
    session.flush()
    if target is TicketStatus.RESOLVED:
        open_rating(session, row, now, rating_valid_for)
    return get_ticket(session, scope=scope, ticket_id=ticket_id)


def assign_ticket(
    session: Session,
    *,
    scope: DataScope,
    ticket_id: int,
    assignee_id: int,
    actor_id: int | None,
    now: datetime,
) -> TicketView:
    """Give the ticket to a member of staff; an open ticket becomes assigned."""
    row = ticket_row(session, scope, ticket_id)
    if row.status in (TicketStatus.RESOLVED, TicketStatus.CLOSED):
        raise InvalidTransition(f"Ticket {ticket_id} is {row.status}.", hint="Reopen it first.")
    row.assignee_id = _assignee(session, assignee_id, row.hotel_id)
    name = session.scalar(select(StaffUser.display_name).where(StaffUser.id == assignee_id))
    before = row.status
    if row.status is TicketStatus.OPEN:
        row.status = TicketStatus.ASSIGNED
    _event(
        session, row, now, actor_id, "assigned", from_status=str(before), to_status=str(row.status), text=name
    )
    session.flush()
    return get_ticket(session, scope=scope, ticket_id=ticket_id)


def add_comment(
    session: Session, *, scope: DataScope, ticket_id: int, text: str, actor_id: int | None, now: datetime
) -> TicketView:
    """Add a comment; the first one by staff counts as the first response."""
    row = ticket_row(session, scope, ticket_id)
    body = _text(text, "comment", required=True)
    if row.first_response_at is None:
        row.first_response_at = now
    row.updated_at = now
    _event(session, row, now, actor_id, "comment", text=body)
    session.flush()
    return get_ticket(session, scope=scope, ticket_id=ticket_id)


def record_rating(
    session: Session, *, ticket_id: int, score: int, comment: str | None, now: datetime
) -> bool:
    """Put the guest's rating into the ticket's history (actor: nobody on staff) and reopen the ticket
    on a low score if it is resolved or closed; True when it was reopened. The caller has checked the
    guest's link and audits."""
    ticket = session.get_one(ServiceTicket, ticket_id)
    _event(session, ticket, now, None, "rating", text=rating_text(score, comment))
    ticket.updated_at = now
    session.flush()
    if score > LOW_RATING or ticket.status not in REOPENABLE:
        return False
    change_status(
        session,
        scope=DataScope.group(),
        ticket_id=ticket_id,
        to=TicketStatus.OPEN.value,
        actor_id=None,
        now=now,
        note=f"reopened: {rating_text(score, None)}",
    )
    return True
