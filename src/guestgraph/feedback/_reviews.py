"""Reviews imported from the exports hotels download from OTA extranets (Ctrip, Booking.com...).

A review profile (YAML in review_profiles/, like the ingest mapping profiles) names the export's
columns; the file is read as imports read CSV and Excel (the encoding, UTF-8 with or without BOM or
GB18030, and the delimiter detected; the header may sit below title rows). Each data row becomes
either one review or one or more reported problems (row number, field, what, how to fix): nothing is
dropped silently, and rows read = imported + unchanged + rejected.

A review is keyed by hotel, channel and the OTA's review ID, so importing the same file again changes
nothing. Its score is kept as given and mapped onto the survey's CSAT scale (1-5, linearly from
1..scale, half up); its comment is classified by the feedback rules; a low CSAT (≤ 2) opens a
ticket exactly as a low survey answer does. It is matched to a guest only through its booking
reference (the stay's confirmation number at that hotel), never by the reviewer's nickname, and a
matched review appears on the guest's timeline."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, time
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from guestgraph import audit, ingest, profiles
from guestgraph.access import DataScope, hotel_in_scope, hotel_visible
from guestgraph.db.models import (
    Guest,
    GuestRole,
    GuestStatus,
    Hotel,
    OtaReview,
    OtaReviewScore,
    Stay,
    StayGuest,
)
from guestgraph.feedback._answer import LOW_CSAT
from guestgraph.feedback._classify import Classification, classify
from guestgraph.feedback._errors import InvalidFeedbackInput
from guestgraph.feedback._review_rows import (
    ParsedReview,
    ReviewProfile,
    RowProblem,
    load_review_profile,
    open_reviews,
    review_profiles,
    review_sources,
)
from guestgraph.feedback._rules import Rules, current_rules
from guestgraph.feedback._sealed import seal_review_comment
from guestgraph.feedback._tickets import low_score_ticket


@dataclass
class ReviewImport:
    """What one import did; rows_read = imported + unchanged + rejected (blank rows apart)."""

    filename: str
    profile: str
    channel: str
    rows_read: int = 0
    imported: int = 0
    unchanged: int = 0
    rejected: int = 0
    matched: int = 0
    tickets: int = 0
    blank_rows: int = 0
    problems: list[RowProblem] = field(default_factory=list)

    @property
    def reconciles(self) -> bool:
        return self.rows_read == self.imported + self.unchanged + self.rejected

    def as_dict(self) -> dict[str, Any]:
        return {
            "filename": self.filename, "profile": self.profile, "channel": self.channel,
            "rows_read": self.rows_read, "imported": self.imported, "unchanged": self.unchanged,
            "rejected": self.rejected, "matched": self.matched, "tickets": self.tickets,
            "blank_rows": self.blank_rows, "reconciles": self.reconciles,
            "problems": [
                {"row": p.row, "field": p.field, "problem": p.problem, "fix": p.fix} for p in self.problems
            ],
        }  # fmt: skip


def _profiles_for(source: str, profile: Path | None) -> list[ReviewProfile]:
    if profile is not None:
        return [load_review_profile(profile)]
    found = [p for p in review_profiles().values() if p.channel == source]
    if not found:
        raise InvalidFeedbackInput(
            f"No review profile for the source {source!r}.",
            hint=f"Use one of: {', '.join(review_sources())}, or pass a review profile (.yaml).",
        )
    return found


def _default_hotel(session: Session, scope: DataScope, code: str | None) -> int | None:
    if code:
        return hotel_in_scope(session, scope, code).id
    ids = list(session.scalars(select(Hotel.id).where(hotel_visible(scope)).limit(2)))
    return ids[0] if len(ids) == 1 else None


def _guest_of_stay(session: Session, stay_id: int) -> Guest | None:
    """The stay's primary guest as they stand now (a merged one: the guest merged into; erased: none)."""
    guest = session.scalar(
        select(Guest)
        .join(StayGuest, StayGuest.guest_id == Guest.id)
        .where(StayGuest.stay_id == stay_id, StayGuest.role == GuestRole.PRIMARY)
    )
    for _ in range(10):
        if guest is None or guest.status is not GuestStatus.MERGED or guest.merged_into_id is None:
            break
        guest = session.get(Guest, guest.merged_into_id)
    return guest if guest is not None and guest.status is GuestStatus.ACTIVE else None


def _timeline_text(review: OtaReview, comment: str | None, found: Classification | None) -> str:
    head = f"Review on {review.channel}: {review.score}/{review.scale} (CSAT {review.csat}/5)"
    if found is not None and comment:
        head += f" ({found.sentiment or 'unclassified'}, {found.topic})"
    return head + (f"\n{comment}" if comment else "")


@dataclass(frozen=True)
class _Run:
    channel: str
    rules: Rules
    actor_id: int | None
    now: datetime
    default_hours: str


def _new_review(
    run: _Run, hotel_id: int, scale: int, parsed: ParsedReview, found: Classification | None
) -> OtaReview:
    review = OtaReview(
        hotel_id=hotel_id, channel=run.channel, external_id=parsed.external_id,
        reviewed_on=parsed.reviewed_on, score=parsed.score, scale=scale, csat=parsed.csat,
        reviewer=parsed.reviewer, booking_ref=parsed.booking_ref, imported_at=run.now,
        imported_by_id=run.actor_id,
    )  # fmt: skip
    if found is not None:
        review.sentiment, review.topic, review.matched = found.sentiment, found.topic, found.matched
    return review


def _link(
    session: Session, run: _Run, review: OtaReview, comment: str | None, found: Classification | None
) -> None:
    """Match through the booking reference, put the review on the timeline, open a low-score ticket;
    then seal the review's text (under the guest's key when one matched)."""
    if review.booking_ref:
        review.stay_id = session.scalar(
            select(Stay.id).where(
                Stay.hotel_id == review.hotel_id, Stay.confirmation_number == review.booking_ref
            )
        )
    guest = _guest_of_stay(session, review.stay_id) if review.stay_id else None
    if guest is not None:
        review.guest_id = guest.id
        entry = profiles.NewInteraction(
            guest_id=guest.id, hotel_id=review.hotel_id, channel="ota", direction="inbound", kind="review",
            text=_timeline_text(review, comment, found),
            occurred_at=datetime.combine(review.reviewed_on, time.min, UTC),
        )  # fmt: skip
        (review.interaction_id,) = profiles.store_interactions(session, [entry])
    if review.csat <= LOW_CSAT:
        review.ticket_id = low_score_ticket(
            session, hotel_id=review.hotel_id, guest_id=review.guest_id,
            title=f"Low review score on {review.channel}: {review.score}/{review.scale}", found=found,
            comment=comment, interaction_id=review.interaction_id, now=run.now,
            default_hours=run.default_hours,
        )  # fmt: skip
    seal_review_comment(session, review, comment)


def import_reviews(
    session: Session,
    path: Path,
    *,
    scope: DataScope,
    source: str,
    hotel_code: str | None = None,
    profile: Path | None = None,
    actor_id: int | None,
    now: datetime,
    default_hours: str,
    filename: str | None = None,
) -> ReviewImport:
    """Import an OTA review export (CSV or Excel) into hotels in scope, in the caller's transaction."""
    profiles = _profiles_for(source, profile)
    default_hotel = _default_hotel(session, scope, hotel_code)
    shown_name = filename or path.name
    reading = open_reviews(ingest.table_rows(path), profiles, source=shown_name, today=now.date())
    p = reading.profile
    hotels = {
        row[0]: row[1] for row in session.execute(select(Hotel.code, Hotel.id).where(hotel_visible(scope)))
    }
    run = _Run(p.channel, current_rules(session), actor_id, now, default_hours)
    out = ReviewImport(shown_name, p.name, p.channel)
    seen: set[tuple[int, str]] = set()
    hotel_column = next((c for c, f in p.columns.items() if f == "hotel"), "hotel")
    for parsed in reading.rows():
        out.rows_read += 1
        if isinstance(parsed, list):
            out.rejected += 1
            out.problems += parsed
            continue
        hotel_id = hotels.get(parsed.hotel_code) if parsed.hotel_code else default_hotel
        if hotel_id is None:
            out.rejected += 1
            out.problems.append(
                RowProblem(
                    parsed.row,
                    hotel_column,
                    f"no hotel {parsed.hotel_code!r} in your data scope"
                    if parsed.hotel_code
                    else "no hotel given",
                    "Pass the hotel (--hotel CODE or the form's hotel), or a hotel code you may import for.",
                )
            )
            continue
        key = (hotel_id, parsed.external_id)
        if key in seen or session.scalar(
            select(OtaReview.id).where(
                OtaReview.hotel_id == hotel_id,
                OtaReview.channel == p.channel,
                OtaReview.external_id == parsed.external_id,
            )
        ):
            seen.add(key)
            out.unchanged += 1
            continue
        seen.add(key)
        found = classify(parsed.comment, run.rules) if parsed.comment else None
        review = _new_review(run, hotel_id, p.scale, parsed, found)
        try:
            with session.begin_nested():
                session.add(review)
                session.flush()
        except IntegrityError:  # the same review imported at the same moment by another import
            out.unchanged += 1
            continue
        session.add_all(
            OtaReviewScore(review_id=review.id, aspect=a, score=s) for a, s in parsed.aspects.items()
        )
        _link(session, run, review, parsed.comment, found)
        session.flush()
        out.imported += 1
        out.matched += review.guest_id is not None
        out.tickets += review.ticket_id is not None
        if review.guest_id is not None:
            public_id = session.scalar(select(Guest.public_id).where(Guest.id == review.guest_id))
            audit.log_event(
                session, "feedback.review.match", guest_public_id=public_id, object_type="ota_review",
                object_id=str(review.id),
                details={"channel": p.channel, "low_score": review.ticket_id is not None},
            )  # fmt: skip
    out.blank_rows = reading.blank_rows
    audit.log_event(
        session, "feedback.reviews.import", object_type="ota_review", object_id=p.channel,
        details={k: v for k, v in out.as_dict().items() if k not in ("problems", "filename")},
    )  # fmt: skip
    return out
