"""Service teams and auto-assignment: a new ticket for a team goes to its member with the fewest
open tickets (ties: the longest-standing member)."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from guestgraph.db.models import ServiceTeamMember, ServiceTicket, StaffUser
from guestgraph.service._policies import ACTIVE


def least_loaded(session: Session, *, hotel_id: int, team: str) -> int | None:
    """The active team member at the hotel with the fewest open tickets, or None without members."""
    load = (
        select(ServiceTicket.assignee_id, func.count().label("n"))
        .where(ServiceTicket.status.in_(ACTIVE), ServiceTicket.assignee_id.is_not(None))
        .group_by(ServiceTicket.assignee_id)
        .subquery()
    )
    return session.scalar(
        select(ServiceTeamMember.user_id)
        .join(StaffUser, StaffUser.id == ServiceTeamMember.user_id)
        .join(load, load.c.assignee_id == ServiceTeamMember.user_id, isouter=True)
        .where(ServiceTeamMember.hotel_id == hotel_id, ServiceTeamMember.team == team, StaffUser.is_active)
        .order_by(func.coalesce(load.c.n, 0), ServiceTeamMember.id)
        .limit(1)
    )


def add_team_member(session: Session, *, hotel_id: int, team: str, user_id: int) -> None:
    """Put a member of staff into a hotel's team (idempotent)."""
    exists = session.scalar(
        select(ServiceTeamMember.id).where(
            ServiceTeamMember.hotel_id == hotel_id,
            ServiceTeamMember.team == team,
            ServiceTeamMember.user_id == user_id,
        )
    )
    if exists is None:
        session.add(ServiceTeamMember(hotel_id=hotel_id, team=team, user_id=user_id))
        session.flush()
