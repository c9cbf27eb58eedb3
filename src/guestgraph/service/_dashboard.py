"""The SLA dashboard: per hotel and category, open tickets, breaches, and median minutes (wall
clock) from creation to first response and to resolution."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from statistics import median

from sqlalchemy import select
from sqlalchemy.orm import Session

from guestgraph.access import DataScope, hotel_id_visible
from guestgraph.db.models import Hotel, ServiceTicket
from guestgraph.service._policies import ACTIVE


@dataclass(frozen=True)
class SlaRow:
    hotel: str
    category: str
    tickets: int
    open: int
    breached_open: int
    breached_total: int
    median_response_minutes: float | None
    median_resolution_minutes: float | None


def _minutes(start: datetime, end: datetime | None) -> float | None:
    return None if end is None else (end - start).total_seconds() / 60


def _median(values: list[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return round(median(present), 1) if present else None


def sla_dashboard(session: Session, *, scope: DataScope, since: datetime | None = None) -> list[SlaRow]:
    """One row per hotel and category in scope (tickets created since `since`, if given)."""
    query = (
        select(
            Hotel.code,
            ServiceTicket.category,
            ServiceTicket.status,
            ServiceTicket.created_at,
            ServiceTicket.first_response_at,
            ServiceTicket.resolved_at,
            ServiceTicket.respond_breached_at.is_not(None) | ServiceTicket.resolve_breached_at.is_not(None),
        )
        .join(Hotel, Hotel.id == ServiceTicket.hotel_id)
        .where(hotel_id_visible(ServiceTicket.hotel_id, scope))
    )
    if since is not None:
        query = query.where(ServiceTicket.created_at >= since)
    groups: dict[tuple[str, str], list[tuple[bool, bool, float | None, float | None]]] = defaultdict(list)
    for hotel, category, status, created, responded, resolved, breached in session.execute(query):
        is_open = status in ACTIVE
        groups[(hotel, category)].append(
            (is_open, bool(breached), _minutes(created, responded), _minutes(created, resolved))
        )
    return [
        SlaRow(
            hotel,
            category,
            len(rows),
            sum(1 for r in rows if r[0]),
            sum(1 for r in rows if r[0] and r[1]),
            sum(1 for r in rows if r[1]),
            _median([r[2] for r in rows]),
            _median([r[3] for r in rows]),
        )
        for (hotel, category), rows in sorted(groups.items())
    ]
