"""What guests write in feedback, sealed: a survey's comment and an OTA review's text may name a phone
number, a room or a health complaint. A survey's comment is under its guest's data key; a review's
under its guest's when the booking reference matched one, else under a key of the review's own.
Erasing the guest shreds those keys (and the review's own, when the review is about their stay).
`seal_survey_comment` / `survey_comments` and `seal_review_comment` / `review_comments` are each
table's one writer and one reader (the ticket rating's are in the service package)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.orm import Session

from guestgraph import pii
from guestgraph.db.models import OtaReview, Survey

SURVEY = ("survey", "comment")  # the places (table, column) in the values' AAD
REVIEW = ("ota_review", "comment")


def seal_survey_comment(session: Session, survey: Survey, comment: str | None) -> dict[str, str | None]:
    """The values that put the guest's comment on the survey (for the UPDATE that claims the answer)."""
    key, sealed = pii.seal_guest_text(session, survey.guest_id, SURVEY, pii.survey_row(survey.id), comment)
    return {"key_ref": key, "comment_enc": sealed}


def survey_comments(session: Session, surveys: Sequence[Any]) -> list[str | None]:
    """The comments of surveys (rows with `id`, `key_ref` and `comment_enc`), in order."""
    rows = [(pii.survey_row(s.id), s.key_ref, s.comment_enc) for s in surveys]
    return pii.open_guest_texts(session, SURVEY, rows)


def seal_review_comment(session: Session, review: OtaReview, comment: str | None) -> None:
    """Put the review's text on the (flushed, matched) review, sealed."""
    key, sealed = pii.seal_guest_text(session, review.guest_id, REVIEW, pii.review_row(review.id), comment)
    review.key_ref, review.comment_enc = key, sealed


def review_comments(session: Session, reviews: Sequence[Any]) -> list[str | None]:
    """The texts of reviews (rows with `id`, `key_ref` and `comment_enc`), in order."""
    rows = [(pii.review_row(r.id), r.key_ref, r.comment_enc) for r in reviews]
    return pii.open_guest_texts(session, REVIEW, rows)
