"""SLA policies (shipped as YAML, kept as editable rows) and each hotel's business hours."""

from __future__ import annotations

from importlib import resources
from typing import Any

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from guestgraph.access import DataScope, hotel_in_scope
from guestgraph.db.models import Hotel, ServiceHours, SlaPolicy, TicketStatus
from guestgraph.service._errors import InvalidServiceInput
from guestgraph.service._hours import BusinessHours

CATEGORIES = ("room", "cleaning", "fnb", "billing", "noise", "lost_item", "other")
PRIORITIES = ("low", "normal", "high", "urgent")
ACTIVE = (TicketStatus.OPEN, TicketStatus.ASSIGNED, TicketStatus.IN_PROGRESS)
S = TicketStatus
TRANSITIONS: dict[TicketStatus, frozenset[TicketStatus]] = {
    S.OPEN: frozenset({S.ASSIGNED, S.IN_PROGRESS, S.RESOLVED, S.CLOSED}),
    S.ASSIGNED: frozenset({S.OPEN, S.IN_PROGRESS, S.RESOLVED}),
    S.IN_PROGRESS: frozenset({S.ASSIGNED, S.RESOLVED}),
    S.RESOLVED: frozenset({S.CLOSED, S.OPEN}),  # back to open: reopened
    S.CLOSED: frozenset({S.OPEN}),
}


def check_category(category: str, priority: str) -> None:
    if category not in CATEGORIES:
        raise InvalidServiceInput(
            f"Unknown category {category!r}.", hint=f"Use one of: {', '.join(CATEGORIES)}."
        )
    if priority not in PRIORITIES:
        raise InvalidServiceInput(
            f"Unknown priority {priority!r}.", hint=f"Use one of: {', '.join(PRIORITIES)}."
        )


def shipped_policies() -> dict[tuple[str, str], tuple[int, int]]:
    """The policies in the shipped sla_policies.yaml: (category, priority) -> (respond, resolve) minutes."""
    text = resources.files("guestgraph.service").joinpath("sla_policies.yaml").read_text("utf-8")
    doc: dict[str, Any] = yaml.safe_load(text)
    out: dict[tuple[str, str], tuple[int, int]] = {}
    for category in CATEGORIES:
        own = doc["categories"].get(category) or {}
        for priority in PRIORITIES:
            entry = own.get(priority) or doc["defaults"][priority]
            out[(category, priority)] = (int(entry["respond"]), int(entry["resolve"]))
    return out


def load_sla_policies(session: Session, *, replace: bool = False) -> int:
    """Put the shipped policies into `sla_policy`; rows already there are kept unless `replace`.
    Returns how many rows were written."""
    existing = {(p.category, p.priority): p for p in session.scalars(select(SlaPolicy))}
    written = 0
    for (category, priority), (respond, resolve) in shipped_policies().items():
        row = existing.get((category, priority))
        if row is None:
            session.add(
                SlaPolicy(
                    category=category, priority=priority, respond_minutes=respond, resolve_minutes=resolve
                )
            )
        elif replace:
            row.respond_minutes, row.resolve_minutes = respond, resolve
        else:
            continue
        written += 1
    session.flush()
    return written


def policy_minutes(session: Session, category: str, priority: str) -> tuple[int, int]:
    """(respond, resolve) business minutes: the table's row, else the shipped file's."""
    row = session.execute(
        select(SlaPolicy.respond_minutes, SlaPolicy.resolve_minutes).where(
            SlaPolicy.category == category, SlaPolicy.priority == priority
        )
    ).first()
    return (row[0], row[1]) if row else shipped_policies()[(category, priority)]


def hours_for(session: Session, hotel_id: int, default_window: str) -> BusinessHours:
    """The hotel's business hours in its own time zone (its row, else the default window)."""
    timezone = session.scalar(select(Hotel.timezone).where(Hotel.id == hotel_id)) or "Asia/Shanghai"
    row = session.scalar(select(ServiceHours).where(ServiceHours.hotel_id == hotel_id))
    if row is None:
        return BusinessHours.parse(timezone, default_window)
    return BusinessHours(timezone, row.opens, row.closes)


def set_service_hours(session: Session, *, scope: DataScope, hotel_code: str, window: str) -> BusinessHours:
    """Set a hotel's business hours (HH:MM-HH:MM, local time); applies to tickets created from now on."""
    hotel = hotel_in_scope(session, scope, hotel_code)
    hours = BusinessHours.parse(hotel.timezone, window)
    row = session.scalar(select(ServiceHours).where(ServiceHours.hotel_id == hotel.id))
    if row is None:
        session.add(ServiceHours(hotel_id=hotel.id, opens=hours.opens, closes=hours.closes))
    else:
        row.opens, row.closes = hours.opens, hours.closes
    session.flush()
    return hours
