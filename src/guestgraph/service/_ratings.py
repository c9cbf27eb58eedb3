"""The ticket side of the guest's rating: a rating opens when a ticket about a guest is resolved (one
waiting at a time per ticket), the guest's score goes into the ticket's history, a low score (1 or 2)
reopens the ticket, and staff see the ratings on the ticket page and in the API. Links, mail and the
guest's page are the feedback package's; this module holds no token and sends nothing."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from guestgraph import pii
from guestgraph.access import DataScope
from guestgraph.db.models import ServiceTicket, TicketRating, TicketStatus
from guestgraph.service._views import ticket_row

RATING_VALID_FOR = timedelta(days=14)
LOW_RATING = 2  # 1 or 2 of 5 reopens the ticket
REOPENABLE = (TicketStatus.RESOLVED, TicketStatus.CLOSED)
COMMENT = ("ticket_rating", "comment")  # the place (table, column) in the comment's AAD


@dataclass(frozen=True)
class RatingLine:
    """One rating of a ticket as staff see it: the link's fate and the guest's answer."""

    id: int
    state: str  # rated | waiting | expired
    created_at: datetime
    expires_at: datetime
    sent_at: datetime | None
    skip_reason: str | None
    rated_at: datetime | None
    score: int | None
    comment: str | None


def open_rating(session: Session, ticket: ServiceTicket, now: datetime, valid_for: timedelta) -> int | None:
    """On resolution: a rating for the ticket's guest (None for a ticket about no guest), unless one
    opened earlier still waits for its answer (the guest keeps that one link)."""
    if ticket.guest_id is None:
        return None
    waiting = session.scalar(
        select(TicketRating.id)
        .where(
            TicketRating.ticket_id == ticket.id,
            TicketRating.rated_at.is_(None),
            TicketRating.expires_at > now,
        )
        .limit(1)
    )
    if waiting is not None:
        return int(waiting)
    row = TicketRating(
        ticket_id=ticket.id, guest_id=ticket.guest_id, hotel_id=ticket.hotel_id, created_at=now,
        expires_at=now + valid_for,
    )  # fmt: skip
    session.add(row)
    session.flush()
    return row.id


def seal_rating_comment(session: Session, rating: TicketRating, comment: str | None) -> dict[str, str | None]:
    """The values that put the guest's comment on the rating (for the UPDATE that claims the answer),
    sealed under the guest's data key: the one writer of rating comments."""
    key, sealed = pii.seal_guest_text(session, rating.guest_id, COMMENT, pii.rating_row(rating.id), comment)
    return {"key_ref": key, "comment_enc": sealed}


def rating_comments(session: Session, ratings: Sequence[Any]) -> list[str | None]:
    """The comments of ratings (rows with `id`, `key_ref` and `comment_enc`), in order: the one reader."""
    rows = [(pii.rating_row(r.id), r.key_ref, r.comment_enc) for r in ratings]
    return pii.open_guest_texts(session, COMMENT, rows)


def rating_text(score: int, comment: str | None) -> str:
    """The history line: `guest rated 2/5: the comment`."""
    return f"guest rated {score}/5" + (f": {comment}" if comment else "")


def ticket_ratings(session: Session, *, scope: DataScope, ticket_id: int, now: datetime) -> list[RatingLine]:
    """The ticket's ratings, oldest first (TicketNotFound for a ticket out of scope)."""
    ticket_row(session, scope, ticket_id)
    rows = session.scalars(
        select(TicketRating)
        .where(TicketRating.ticket_id == ticket_id)
        .order_by(TicketRating.created_at, TicketRating.id)
    ).all()
    return [
        RatingLine(
            r.id,
            "rated" if r.rated_at is not None else ("expired" if now >= r.expires_at else "waiting"),
            r.created_at,
            r.expires_at,
            r.sent_at,
            r.skip_reason,
            r.rated_at,
            r.score,
            comment,
        )  # fmt: skip
        for r, comment in zip(rows, rating_comments(session, rows), strict=True)
    ]
