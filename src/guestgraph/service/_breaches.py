"""Breach detection: run every minute (`guestgraph service check-breaches`). A ticket whose respond
or resolve deadline passed is marked breached once, gets a history line, and is escalated to its
hotel's manager (an escalation row; sending the e-mail comes with the notification work)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import InstrumentedAttribute, Session

from guestgraph.db.models import Role, ScopeLevel, ServiceTicket, StaffUser, TicketEscalation
from guestgraph.service._policies import ACTIVE
from guestgraph.service._sealed import NewEvent, record_events

MANAGER_ROLE = "hotel_manager"


@dataclass(frozen=True)
class BreachReport:
    respond: int
    resolve: int
    escalations: int


def _managers(session: Session, hotel_ids: set[int]) -> dict[int, int]:
    """Each hotel's manager to escalate to (the longest-standing active one), by hotel id."""
    rows = session.execute(
        select(StaffUser.scope_hotel_id, func.min(StaffUser.id))
        .join(Role, Role.id == StaffUser.role_id)
        .where(
            Role.code == MANAGER_ROLE,
            StaffUser.is_active,
            StaffUser.scope_level == ScopeLevel.HOTEL,
            StaffUser.scope_hotel_id.in_(hotel_ids),
        )
        .group_by(StaffUser.scope_hotel_id)
    )
    return {int(hotel): int(user) for hotel, user in rows if hotel is not None}


def _mark(
    session: Session,
    now: datetime,
    deadline: str,
    due: InstrumentedAttribute[datetime],
    done: InstrumentedAttribute[datetime | None],
    breached: InstrumentedAttribute[datetime | None],
) -> list[tuple[int, int]]:
    found = [
        (int(i), int(h))
        for i, h in session.execute(
            select(ServiceTicket.id, ServiceTicket.hotel_id).where(
                ServiceTicket.status.in_(ACTIVE), done.is_(None), breached.is_(None), due < now
            )
        )
    ]
    if found:
        ids = [i for i, _ in found]
        session.execute(update(ServiceTicket).where(ServiceTicket.id.in_(ids)).values({breached: now}))
        record_events(session, [NewEvent(i, now, "breach", f"{deadline} deadline passed") for i in ids])
    return found


def check_breaches(session: Session, now: datetime) -> BreachReport:
    """Mark tickets whose deadlines passed by `now` and escalate each to its hotel's manager; set-based,
    idempotent (a ticket breaches each deadline once), in the caller's transaction."""
    respond = _mark(
        session,
        now,
        "respond",
        ServiceTicket.respond_due_at,
        ServiceTicket.first_response_at,
        ServiceTicket.respond_breached_at,
    )
    resolve = _mark(
        session,
        now,
        "resolve",
        ServiceTicket.resolve_due_at,
        ServiceTicket.resolved_at,
        ServiceTicket.resolve_breached_at,
    )
    managers = _managers(session, {h for _, h in respond + resolve})
    rows: list[dict[str, Any]] = [
        {"ticket_id": i, "deadline": deadline, "escalated_to_id": managers.get(h), "at": now}
        for deadline, found in (("respond", respond), ("resolve", resolve))
        for i, h in found
    ]
    if rows:
        session.execute(insert(TicketEscalation), rows)
    session.flush()
    return BreachReport(len(respond), len(resolve), len(rows))
