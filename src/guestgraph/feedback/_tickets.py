"""The service ticket a low score opens, the same for a survey answer and an imported OTA review:
high priority, its category from the comment's topic, the comment as its description."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from guestgraph import service
from guestgraph.access import DataScope
from guestgraph.db.models import Guest, Hotel
from guestgraph.feedback._classify import Classification

CATEGORY_OF_TOPIC = {
    "room": "room",
    "cleaning": "cleaning",
    "fnb": "fnb",
    "noise": "noise",
    "billing": "billing",
}


def low_score_ticket(
    session: Session,
    *,
    hotel_id: int,
    guest_id: int | None,
    title: str,
    found: Classification | None,
    comment: str | None,
    interaction_id: int | None,
    now: datetime,
    default_hours: str,
) -> int:
    """Open the ticket (as the system, group scope: the feedback itself decided it) and return its id."""
    code = session.scalar(select(Hotel.code).where(Hotel.id == hotel_id))
    public_id = session.scalar(select(Guest.public_id).where(Guest.id == guest_id)) if guest_id else None
    topic = found.topic if found else "other"
    spec = service.NewTicket(
        title=title,
        category=CATEGORY_OF_TOPIC.get(topic, "other"),
        priority="high",
        hotel_code=code,
        description=comment,
        guest_public_id=public_id,
        interaction_id=interaction_id,
    )
    ticket = service.create_ticket(
        session, scope=DataScope.group(), ticket=spec, actor_id=None, now=now, default_hours=default_hours
    )
    return ticket.id
