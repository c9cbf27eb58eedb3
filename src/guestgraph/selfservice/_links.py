"""Self-service links and the requests filed through them. A link shows only the hotel's name and
the requests filed through that same link (their kind, the guest's own words, a coarse status and,
once done, the guest's rating of it): never the guest's name, other tickets about them, or staff
comments. A done request is rated through the same link (the rating the e-mail links to, if any)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from types import SimpleNamespace

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from guestgraph import audit, feedback, service
from guestgraph.access import DataScope, hotel_in_scope
from guestgraph.db.models import (
    Guest,
    Hotel,
    SelfServiceLink,
    SelfServiceRequest,
    ServiceTicket,
    TicketRating,
    TicketStatus,
)
from guestgraph.errors import Conflict, InvalidInput, NotFound
from guestgraph.feedback._tokens import looks_like_token, new_token, token_hash
from guestgraph.profiles import visible_guest

# kind -> ticket category
KINDS = {"towels": "cleaning", "repair": "room", "late_checkout": "other", "other": "other"}
TITLES = {"towels": "Extra towels", "repair": "Repair", "late_checkout": "Late check-out", "other": "Request"}
GUEST_STATUS = {
    TicketStatus.OPEN: "received",
    TicketStatus.ASSIGNED: "received",
    TicketStatus.IN_PROGRESS: "in_progress",
    TicketStatus.RESOLVED: "done",
    TicketStatus.CLOSED: "done",
}
MAX_TEXT = 1000
MAX_OPEN = 5  # open requests one link may have at a time


class LinkInvalid(NotFound):
    code = "self_service_link_invalid"


class LinkExpired(Conflict):
    status = 410
    code = "self_service_link_expired"


class TooManyRequests(Conflict):
    status = 429
    code = "too_many_open_requests"


@dataclass(frozen=True)
class IssuedLink:
    token: str  # shown once; only its hash is stored
    url: str
    expires_at: datetime


@dataclass(frozen=True)
class GuestRequest:
    kind: str
    text: str | None
    status: str  # received | in_progress | done
    filed_at: datetime
    id: int = 0
    rating: str | None = None  # open (the guest may rate it) | rated | None
    score: int | None = None


@dataclass(frozen=True)
class RequestPage:
    hotel: str
    requests: list[GuestRequest]


def issue_link(
    session: Session,
    *,
    scope: DataScope,
    guest_public_id: str,
    hotel_code: str,
    base_url: str,
    valid_for: timedelta,
    actor_id: int | None,
    now: datetime,
) -> IssuedLink:
    """A new link for a guest in scope at a hotel in scope (e.g. for the QR code of their stay)."""
    guest = visible_guest(session, scope, guest_public_id)
    hotel_id = hotel_in_scope(session, scope, hotel_code).id
    token, hashed = new_token()
    row = SelfServiceLink(
        guest_id=guest.id, hotel_id=hotel_id, token_hash=hashed, created_at=now, expires_at=now + valid_for,
        created_by_id=actor_id,
    )  # fmt: skip
    session.add(row)
    session.flush()
    audit.log_event(
        session, "selfservice.link", guest_public_id=guest.public_id, object_type="self_service_link",
        object_id=str(row.id),
    )  # fmt: skip
    return IssuedLink(token, f"{base_url}/r/{token}", row.expires_at)


def _link(session: Session, token: str, now: datetime) -> SelfServiceLink:
    found = (
        session.scalar(select(SelfServiceLink).where(SelfServiceLink.token_hash == token_hash(token)))
        if looks_like_token(token)
        else None
    )
    if found is None:
        raise LinkInvalid(
            "This link is not valid.", hint="Scan the code in your room again, or ask the front desk."
        )
    if now >= found.expires_at:
        raise LinkExpired("This link has expired.", hint="Ask the front desk for a new one.")
    return found


def request_page(session: Session, token: str, *, now: datetime) -> RequestPage:
    """The hotel's name and the requests filed through this link, newest first."""
    link = _link(session, token, now)
    lang_name = session.execute(select(Hotel.name_zh, Hotel.name_en).where(Hotel.id == link.hotel_id)).one()
    rows = session.execute(
        select(
            SelfServiceRequest.id,
            SelfServiceRequest.kind,
            ServiceTicket.key_ref,
            ServiceTicket.description_enc,
            ServiceTicket.status,
            SelfServiceRequest.created_at,
            SelfServiceRequest.ticket_id,
        )
        .join(ServiceTicket, ServiceTicket.id == SelfServiceRequest.ticket_id)
        .where(SelfServiceRequest.link_id == link.id)
        .order_by(SelfServiceRequest.created_at.desc(), SelfServiceRequest.id.desc())
    ).all()
    ratings = _latest_ratings(session, [r.ticket_id for r in rows], now)
    texts = service.ticket_descriptions(
        session,
        [SimpleNamespace(id=r.ticket_id, key_ref=r.key_ref, description_enc=r.description_enc) for r in rows],
    )
    requests = [
        GuestRequest(
            r.kind, text, GUEST_STATUS[r.status], r.created_at, r.id, *ratings.get(r.ticket_id, (None, None))
        )
        for r, text in zip(rows, texts, strict=True)
    ]
    return RequestPage(f"{lang_name[0]} · {lang_name[1]}", requests)


def _latest_ratings(
    session: Session, ticket_ids: list[int], now: datetime
) -> dict[int, tuple[str, int | None]]:
    """Per ticket, its latest rating if the guest may still give it (open) or gave it (rated)."""
    found: dict[int, tuple[str, int | None]] = {}
    if not ticket_ids:
        return found
    rows = session.execute(
        select(TicketRating.ticket_id, TicketRating.rated_at, TicketRating.expires_at, TicketRating.score)
        .where(TicketRating.ticket_id.in_(ticket_ids))
        .order_by(TicketRating.created_at, TicketRating.id)
    )
    for ticket_id, rated_at, expires_at, score in rows:  # the latest wins
        if rated_at is not None:
            found[ticket_id] = ("rated", score)
        elif now < expires_at:
            found[ticket_id] = ("open", None)
        else:
            found.pop(ticket_id, None)
    return found


def _request_rating(session: Session, token: str, request_id: int, now: datetime) -> int:
    """The latest rating of a request filed through this link (LinkInvalid if there is none)."""
    link = _link(session, token, now)
    found = session.scalar(
        select(TicketRating.id)
        .join(SelfServiceRequest, SelfServiceRequest.ticket_id == TicketRating.ticket_id)
        .where(SelfServiceRequest.id == request_id, SelfServiceRequest.link_id == link.id)
        .order_by(TicketRating.created_at.desc(), TicketRating.id.desc())
        .limit(1)
    )
    if found is None:
        raise LinkInvalid("There is nothing to rate for this request yet.", hint="Go back to your requests.")
    return int(found)


def rating_form(session: Session, token: str, request_id: int, *, now: datetime) -> feedback.RatingForm:
    """The rating page of a done request filed through this link."""
    return feedback.rating_form_for(session, _request_rating(session, token, request_id, now), now=now)


def rate_request(
    session: Session, token: str, request_id: int, *, score: int, comment: str | None, now: datetime
) -> feedback.Rated:
    """The guest's one rating of a done request filed through this link (a low score reopens it)."""
    rating_id = _request_rating(session, token, request_id, now)
    return feedback.rate_for(session, rating_id, score=score, comment=comment, now=now)


def file_request(
    session: Session, token: str, *, kind: str, text: str, now: datetime, default_hours: str
) -> int:
    """File a request through the link: a service ticket for the guest at the link's hotel."""
    if kind not in KINDS or len(text.strip()) > MAX_TEXT:
        raise InvalidInput(
            f"Unknown request kind {kind!r} or a text over {MAX_TEXT} characters.",
            hint="Choose towels, repair, late check-out or other, and keep the note short.",
        )
    link = _link(session, token, now)
    open_now = session.scalar(
        select(func.count())
        .select_from(SelfServiceRequest)
        .join(ServiceTicket, ServiceTicket.id == SelfServiceRequest.ticket_id)
        .where(
            SelfServiceRequest.link_id == link.id,
            ServiceTicket.status.in_((TicketStatus.OPEN, TicketStatus.ASSIGNED, TicketStatus.IN_PROGRESS)),
        )
    )
    if (open_now or 0) >= MAX_OPEN:
        raise TooManyRequests(
            f"This link already has {MAX_OPEN} requests in progress.", hint="Please call the front desk."
        )
    code = session.scalar(select(Hotel.code).where(Hotel.id == link.hotel_id))
    public_id = session.scalar(select(Guest.public_id).where(Guest.id == link.guest_id))
    spec = service.NewTicket(
        title=TITLES[kind], category=KINDS[kind], hotel_code=code, description=text.strip() or None,
        guest_public_id=public_id,
    )  # fmt: skip
    ticket = service.create_ticket(
        session, scope=DataScope.group(), ticket=spec, actor_id=None, now=now, default_hours=default_hours
    )
    session.add(
        SelfServiceRequest(
            link_id=link.id, guest_id=link.guest_id, ticket_id=ticket.id, kind=kind, created_at=now
        )
    )
    session.flush()
    audit.log_event(
        session, "selfservice.request", guest_public_id=public_id, object_type="service_ticket",
        object_id=str(ticket.id), actor_username="guest (self-service link)",
    )  # fmt: skip
    return ticket.id
