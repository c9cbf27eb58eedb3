"""The SLA dashboard: per hotel and category, open tickets, breaches, median minutes (wall clock)
from creation to first response and to resolution, and the guests' average rating (1-5)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from statistics import median
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from guestgraph.access import DataScope, hotel_id_visible
from guestgraph.db.models import Hotel, ServiceTicket, TicketRating
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
    ratings: int = 0
    average_rating: float | None = None


def _minutes(dialect: str, start: Any, end: Any) -> ColumnElement[Any]:
    """Minutes from `start` to `end` computed by the database (no per-row datetime parsing here)."""
    if dialect == "postgresql":
        return func.extract("epoch", end - start) / 60
    return (func.julianday(end) - func.julianday(start)) * 1440


def _float(value: Any) -> float | None:
    return None if value is None else float(value)


def _median(values: list[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return round(median(present), 1) if present else None


def sla_dashboard(session: Session, *, scope: DataScope, since: datetime | None = None) -> list[SlaRow]:
    """One row per hotel and category in scope (tickets created since `since`, if given)."""
    dialect = session.get_bind().dialect.name
    query = (
        select(
            Hotel.code,
            ServiceTicket.category,
            ServiceTicket.status,
            _minutes(dialect, ServiceTicket.created_at, ServiceTicket.first_response_at),
            _minutes(dialect, ServiceTicket.created_at, ServiceTicket.resolved_at),
            ServiceTicket.respond_breached_at.is_not(None) | ServiceTicket.resolve_breached_at.is_not(None),
        )
        .join(Hotel, Hotel.id == ServiceTicket.hotel_id)
        .where(hotel_id_visible(ServiceTicket.hotel_id, scope))
    )
    if since is not None:
        query = query.where(ServiceTicket.created_at >= since)
    groups: dict[tuple[str, str], list[tuple[bool, bool, float | None, float | None]]] = defaultdict(list)
    for hotel, category, status, responded, resolved, breached in session.execute(query):
        groups[(hotel, category)].append(
            (status in ACTIVE, bool(breached), _float(responded), _float(resolved))
        )
    rated = _ratings(session, scope, since)
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
            *rated.get((hotel, category), (0, None)),
        )
        for (hotel, category), rows in sorted(groups.items())
    ]


def _ratings(
    session: Session, scope: DataScope, since: datetime | None
) -> dict[tuple[str, str], tuple[int, float | None]]:
    """(answers, average score) of the guests' ratings per hotel and category, computed by the database."""
    query = (
        select(Hotel.code, ServiceTicket.category, func.count(TicketRating.id), func.avg(TicketRating.score))
        .join(ServiceTicket, ServiceTicket.id == TicketRating.ticket_id)
        .join(Hotel, Hotel.id == ServiceTicket.hotel_id)
        .where(TicketRating.score.is_not(None), hotel_id_visible(ServiceTicket.hotel_id, scope))
        .group_by(Hotel.code, ServiceTicket.category)
    )
    if since is not None:
        query = query.where(ServiceTicket.created_at >= since)
    return {
        (hotel, category): (int(n), None if avg is None else round(float(avg), 2))
        for hotel, category, n, avg in session.execute(query)
    }
