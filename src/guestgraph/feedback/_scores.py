"""Survey scores per hotel, overall and by month of sending: links sent, answers, response rate,
NPS (promoters 9-10 minus detractors 0-6, in points) and mean CSAT; one grouped query, in scope."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from sqlalchemy import ColumnElement, case, func, literal_column, select
from sqlalchemy.orm import Session

from guestgraph.access import DataScope, hotel_visible
from guestgraph.db.models import Guest, Hotel, Survey
from guestgraph.feedback._answer import is_low


@dataclass(frozen=True)
class ScoreRow:
    hotel: str
    period: str  # "YYYY-MM", or "all"
    sent: int
    answered: int
    response_rate: float | None  # answered / sent, 0-1
    nps: float | None  # -100 to 100
    csat: float | None  # mean, 1-5


@dataclass(frozen=True)
class FeedbackLine:
    survey_id: int
    hotel: str
    guest_public_id: str
    answered_at: datetime | None  # never None here: only answered surveys are listed
    nps: int | None
    csat: int | None
    comment: str | None
    sentiment: str | None
    topic: str | None
    matched: list[str]
    ticket_id: int | None
    low: bool


def _month(session: Session) -> ColumnElement[str]:
    if session.get_bind().dialect.name == "postgresql":
        # literal formats, so the grouped expression is the selected one (bound values would differ)
        return func.to_char(
            func.timezone(literal_column("'UTC'"), Survey.sent_at), literal_column("'YYYY-MM'")
        )
    return func.strftime(literal_column("'%Y-%m'"), Survey.sent_at)


def _bounds(since: date | None, until: date | None) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = [Survey.sent_at.is_not(None)]
    if since is not None:
        where.append(Survey.sent_at >= datetime.combine(since, time.min, UTC))
    if until is not None:
        where.append(Survey.sent_at < datetime.combine(until, time.max, UTC))
    return where


def survey_scores(
    session: Session,
    *,
    scope: DataScope,
    since: date | None = None,
    until: date | None = None,
    by_month: bool = False,
) -> list[ScoreRow]:
    """Per hotel in scope (and per month the links were sent, if asked), hotels A-Z, months in order."""
    keys = [Hotel.code, _month(session)] if by_month else [Hotel.code]
    promoters = func.sum(case((Survey.nps >= 9, 1), else_=0))
    detractors = func.sum(case((Survey.nps <= 6, 1), else_=0))
    figures = (
        func.count(Survey.id),
        func.count(Survey.answered_at),
        promoters,
        detractors,
        func.count(Survey.nps),
        func.avg(Survey.csat),
    )
    rows = session.execute(
        select(*keys, *figures)
        .join(Hotel, Hotel.id == Survey.hotel_id)
        .where(hotel_visible(scope), *_bounds(since, until))
        .group_by(*keys)
        .order_by(*keys)
    )
    out = []
    for row in rows:
        code, when = row[0], (row[1] if by_month else "all")
        sent, answered, pro, det, rated, csat = row[-6:]
        nps = round(100 * (int(pro or 0) - int(det or 0)) / rated, 1) if rated else None
        out.append(
            ScoreRow(
                code,
                str(when),
                int(sent),
                int(answered),
                round(answered / sent, 3) if sent else None,
                nps,
                round(float(csat), 2) if csat is not None else None,
            )  # fmt: skip
        )
    return out


def recent_feedback(session: Session, *, scope: DataScope, limit: int = 50) -> list[FeedbackLine]:
    """The latest answers in scope with their classification and matched words, newest first."""
    rows = session.execute(
        select(Survey, Hotel.code, Guest.public_id)
        .join(Hotel, Hotel.id == Survey.hotel_id)
        .join(Guest, Guest.id == Survey.guest_id)
        .where(hotel_visible(scope), Survey.answered_at.is_not(None))
        .order_by(Survey.answered_at.desc(), Survey.id.desc())
        .limit(limit)
    )
    return [
        FeedbackLine(
            s.id,
            code,
            public_id,
            s.answered_at,
            s.nps,
            s.csat,
            s.comment,
            s.sentiment,
            s.topic,
            list(s.matched or []),
            s.ticket_id,
            is_low(s.nps, s.csat),
        )  # fmt: skip
        for s, code, public_id in rows
    ]
