"""The guest's rating of a resolved ticket: the link mailed to them, the public page's form and its
one answer. (The service package opens a rating when a ticket about a guest is resolved, and puts the
answer into the ticket's history, reopening it on a low score.)

Delivery: by e-mail only for the guest's own request (filed on their self-service page, or a ticket
made from their e-mail) and only to a guest with an address who is neither erased, merged nor
suppressed (do_not_contact). It is a service message about their own request, so it does not ask the
marketing consent; whatever is not sent records why. The self-service page offers the same rating
on the request, by its own link, so a guest without e-mail can rate too.

Links: a random token minted when the mail goes out, only its SHA-256 hash stored. At most once: the
rating is claimed (hash and `sent_at` set by a guarded UPDATE, committed) before the mail leaves."""

from __future__ import annotations

import smtplib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlalchemy import exists, select, update
from sqlalchemy.orm import Session

from guestgraph import audit, engage, pii, profiles, service
from guestgraph.config import Settings
from guestgraph.db.models import (
    Conversation,
    Guest,
    GuestStatus,
    GuestTag,
    Hotel,
    Interaction,
    SelfServiceRequest,
    ServiceTicket,
    TicketRating,
)
from guestgraph.engage._gate import ERASED, MERGED, NO_ADDRESS, REFUSED
from guestgraph.feedback._errors import (
    InvalidFeedbackInput,
    RatingAnswered,
    RatingExpired,
    RatingLinkInvalid,
)
from guestgraph.feedback._mail import build_survey_mail, rating_mail
from guestgraph.feedback._tokens import looks_like_token, new_token, token_hash

Clock = Callable[[], datetime]
State = Literal["open", "rated", "expired"]
MAX_COMMENT = 2000
LINK_PATH = "/t/"
SUPPRESS_TAG = "do_not_contact"  # the journeys' suppression tag: no message of any kind
SUPPRESSED = "guest suppressed (do_not_contact)"
NOT_OWN = "not the guest's own request (self-service or e-mail)"
SKIP_REASONS = (ERASED, MERGED, SUPPRESSED, NOT_OWN, NO_ADDRESS, REFUSED)
KIND_ZH = {"towels": "加毛巾", "repair": "报修", "late_checkout": "延迟退房", "other": "其他需求"}
R = TicketRating


@dataclass(frozen=True)
class RatingPolicy:
    engage: engage.EngagePolicy  # SMTP and the public base URL

    @classmethod
    def from_settings(cls, settings: Settings) -> RatingPolicy:
        return cls(engage.EngagePolicy.from_settings(settings))


@dataclass
class RatingReport:
    sent: int = 0
    skipped: int = 0
    failed: int = 0


@dataclass(frozen=True)
class RatingForm:
    """All the rating page shows: the hotel, what the request was, and the link's state."""

    state: State
    hotel: str
    title: str
    kind: str | None  # a self-service request's kind (shown translated instead of the title)
    score: int | None


@dataclass(frozen=True)
class Rated:
    rating_id: int
    ticket_id: int
    reopened: bool
    interaction_id: int


# --- sending --------------------------------------------------------------------------------------


def _own_request(session: Session, ticket: ServiceTicket) -> bool:
    """The guest's own request: filed on their self-service page, made from their e-mail, or from a
    conversation in the inbox (an e-mail, SMS, WeChat message or call of theirs)."""
    if session.scalar(select(exists().where(SelfServiceRequest.ticket_id == ticket.id))):
        return True
    if session.scalar(select(exists().where(Conversation.ticket_id == ticket.id))):
        return True
    if ticket.interaction_id is None:
        return False
    channel = session.scalar(select(Interaction.channel).where(Interaction.id == ticket.interaction_id))
    return channel == "email"


def _suppressed(session: Session, guest_id: int) -> bool:
    return bool(
        session.scalar(
            select(
                exists().where(
                    GuestTag.guest_id == guest_id, GuestTag.tag == SUPPRESS_TAG, GuestTag.retired_at.is_(None)
                )
            )
        )
    )


def _reason(session: Session, ticket: ServiceTicket, guest: Guest) -> str | None:
    if guest.status is GuestStatus.ERASED:
        return ERASED
    if guest.status is GuestStatus.MERGED:
        return MERGED
    if _suppressed(session, guest.id):
        return SUPPRESSED
    if not _own_request(session, ticket):
        return NOT_OWN
    return NO_ADDRESS if guest.email_enc is None else None


def _claim(session: Session, rating_id: int, **values: object) -> bool:
    """Set `values` on a rating not yet sent, skipped or answered; committed; False if it was."""
    done = session.execute(
        update(R)
        .where(R.id == rating_id, R.sent_at.is_(None), R.skip_reason.is_(None), R.rated_at.is_(None))
        .values(**values)
    )
    session.commit()
    return bool(done.rowcount)  # type: ignore[attr-defined]


def _title(session: Session, ticket: ServiceTicket) -> str:
    (title,) = service.ticket_titles(session, [ticket])
    return title or ""


def _kind(session: Session, ticket_id: int) -> str | None:
    return session.scalar(select(SelfServiceRequest.kind).where(SelfServiceRequest.ticket_id == ticket_id))


def _send_one(
    session: Session, smtp: engage.SmtpTransport, rating_id: int, *, policy: RatingPolicy, now: datetime
) -> str:
    rating = session.get_one(R, rating_id)
    ticket = session.get_one(ServiceTicket, rating.ticket_id)
    guest = session.get_one(Guest, rating.guest_id)
    reason = _reason(session, ticket, guest)
    address = pii.guest_values(pii.vault_of(session), guest)["email"] if reason is None else None
    if reason is not None or not address:
        return "skipped" if _claim(session, rating_id, skip_reason=reason or NO_ADDRESS) else "lost"
    token, hashed = new_token()
    if not _claim(session, rating_id, token_hash=hashed, sent_at=now):
        return "lost"
    lang = engage.language_of(guest)
    fields = engage.guest_fields(session, guest, lang=lang, hotel_id=rating.hotel_id, unsubscribe_url="")
    names = session.execute(select(Hotel.name_zh, Hotel.name_en).where(Hotel.id == rating.hotel_id)).one()
    kind = _kind(session, ticket.id)
    title = _title(session, ticket)
    what = KIND_ZH.get(kind or "", title) if lang == "zh" else title
    locale = "zh_CN" if lang == "zh" else "en"
    days = max(1, (rating.expires_at - now).days)
    rendered = rating_mail(
        lang=lang, name=fields.name, hotel=names[0] if lang == "zh" else names[1], what=what,
        link=f"{policy.engage.public_base_url}{LINK_PATH}{token}?lang={locale}", days=days,
    )  # fmt: skip
    mail = build_survey_mail(
        rendered, sender=policy.engage.smtp.sender, to=address, message_id=f"<rating-{rating_id}@guestgraph>"
    )
    try:
        smtp.send(mail)
    except (smtplib.SMTPRecipientsRefused, smtplib.SMTPDataError, smtplib.SMTPSenderRefused):
        session.execute(
            update(R).where(R.id == rating_id).values(token_hash=None, sent_at=None, skip_reason=REFUSED)
        )
        session.commit()
        return "failed"
    except engage.DeliveryError:  # nothing left: hand the rating back to the next run
        session.execute(update(R).where(R.id == rating_id).values(token_hash=None, sent_at=None))
        session.commit()
        raise
    return "sent"


def send_rating_links(session: Session, *, policy: RatingPolicy, clock: Clock) -> RatingReport:
    """E-mail the rating link of every resolved ticket not yet sent, skipped or answered, while it is
    open; commits as it goes. Run it every minute (`guestgraph service send-ratings`)."""
    report = RatingReport()
    due = list(
        session.scalars(
            select(R.id)
            .where(R.sent_at.is_(None), R.skip_reason.is_(None), R.rated_at.is_(None), R.expires_at > clock())
            .order_by(R.id)
        )
    )
    try:
        with engage.SmtpTransport(policy.engage.smtp) as smtp:
            for rating_id in due:
                outcome = _send_one(session, smtp, rating_id, policy=policy, now=clock())
                if outcome != "lost":
                    setattr(report, outcome, getattr(report, outcome) + 1)
    finally:
        if report.sent or report.skipped or report.failed:
            audit.log_event(
                session, "ticket.rating_send", object_type="ticket_rating",
                details={"sent": report.sent, "skipped": report.skipped, "failed": report.failed},
            )  # fmt: skip
            session.commit()
    return report


# --- the guest's answer ---------------------------------------------------------------------------


def _by_token(session: Session, token: str) -> TicketRating:
    found = (
        session.scalar(select(R).where(R.token_hash == token_hash(token)))
        if looks_like_token(token)
        else None
    )
    if found is None:
        raise RatingLinkInvalid(
            "This rating link is not valid.",
            hint="Open the link from the e-mail exactly as it was sent, or ask the hotel.",
        )
    return found


def _state(rating: TicketRating, now: datetime) -> State:
    if rating.rated_at is not None:
        return "rated"
    return "expired" if now >= rating.expires_at else "open"


def _form(session: Session, rating: TicketRating, now: datetime) -> RatingForm:
    names = session.execute(select(Hotel.name_zh, Hotel.name_en).where(Hotel.id == rating.hotel_id)).one()
    title = _title(session, session.get_one(ServiceTicket, rating.ticket_id))
    return RatingForm(
        _state(rating, now), f"{names[0]} · {names[1]}", title, _kind(session, rating.ticket_id), rating.score
    )


def rating_form(session: Session, token: str, *, now: datetime) -> RatingForm:
    """What the rating link's page shows; RatingLinkInvalid (404) for a link that names no rating."""
    return _form(session, _by_token(session, token), now)


def rating_form_for(session: Session, rating_id: int, *, now: datetime) -> RatingForm:
    """The same page for a rating the caller has already tied to the guest (their self-service link)."""
    return _form(session, session.get_one(R, rating_id), now)


def _check(score: int, comment: str | None) -> str | None:
    if not 1 <= score <= 5:
        raise InvalidFeedbackInput(f"A rating of {score} is out of range.", hint="Rate from 1 to 5.")
    text = (comment or "").strip()
    if len(text) > MAX_COMMENT:
        raise InvalidFeedbackInput(
            f"The comment has {len(text)} characters.", hint=f"Keep it under {MAX_COMMENT}."
        )
    return text or None


def _timeline(score: int, comment: str | None, ticket: ServiceTicket, title: str, reopened: bool) -> str:
    head = f'Ticket #{ticket.id} "{title}" rated {score}/5' + (" (reopened)" if reopened else "")
    return head + (f"\n{comment}" if comment else "")


def _rate(
    session: Session, rating: TicketRating, *, score: int, comment: str | None, now: datetime, via: str
) -> Rated:
    text = _check(score, comment)
    state = _state(rating, now)
    if state == "expired":
        raise RatingExpired(
            "This rating link has expired.", hint="Thank you all the same; contact the hotel."
        )
    claimed = session.execute(
        update(R)
        .where(R.id == rating.id, R.rated_at.is_(None))
        .values(rated_at=now, score=score, **service.seal_rating_comment(session, rating, text))
    )
    if state == "rated" or not claimed.rowcount:  # type: ignore[attr-defined]
        raise RatingAnswered("This request was already rated.", hint="One answer per link; thank you.")
    reopened = service.record_rating(session, ticket_id=rating.ticket_id, score=score, comment=text, now=now)
    ticket = session.get_one(ServiceTicket, rating.ticket_id)
    entry = profiles.NewInteraction(
        guest_id=rating.guest_id, hotel_id=rating.hotel_id, channel="web", direction="inbound", kind="rating",
        text=_timeline(score, text, ticket, _title(session, ticket), reopened), occurred_at=now,
    )  # fmt: skip
    (interaction_id,) = profiles.store_interactions(session, [entry])
    public_id = session.scalar(select(Guest.public_id).where(Guest.id == rating.guest_id))
    actor = f"guest ({via})"
    audit.log_event(
        session, "ticket.rate", guest_public_id=public_id, object_type="ticket_rating",
        object_id=str(rating.id), actor_username=actor,
        details={"ticket": ticket.id, "low": score <= service.LOW_RATING, "reopened": reopened},
    )  # fmt: skip
    if reopened:
        audit.log_event(
            session, "ticket.reopen", guest_public_id=public_id, object_type="service_ticket",
            object_id=str(ticket.id), actor_username=actor, details={"reason": "low rating by the guest"},
        )  # fmt: skip
    return Rated(rating.id, ticket.id, reopened, interaction_id)


def rate_ticket(session: Session, token: str, *, score: int, comment: str | None, now: datetime) -> Rated:
    """Record the link's one answer (RatingAnswered, 409, for a second; RatingExpired, 410, late); a
    score of 1 or 2 reopens the ticket."""
    return _rate(session, _by_token(session, token), score=score, comment=comment, now=now, via="rating link")


def rate_for(session: Session, rating_id: int, *, score: int, comment: str | None, now: datetime) -> Rated:
    """`rate_ticket` for a rating the caller has already tied to the guest (their self-service link)."""
    return _rate(
        session, session.get_one(R, rating_id), score=score, comment=comment, now=now, via="self-service link"
    )
