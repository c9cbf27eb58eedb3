"""The guest's side of a survey link: what the public page may show (the hotel's name and the
state of the link, never the guest's data), and the one answer the link takes.

Answering writes the scores and the classified comment on the survey row (a guarded UPDATE, so two
submissions race to one winner), adds an interaction to the guest's timeline, and opens a service
ticket when a score is low (NPS ≤ 6 or CSAT ≤ 2)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from guestgraph import audit, service
from guestgraph.access import DataScope
from guestgraph.db.models import Guest, Hotel, Interaction, Survey
from guestgraph.feedback._classify import Classification, classify
from guestgraph.feedback._errors import (
    InvalidFeedbackInput,
    SurveyAnswered,
    SurveyExpired,
    SurveyLinkInvalid,
)
from guestgraph.feedback._rules import current_rules
from guestgraph.feedback._tokens import looks_like_token, token_hash

State = Literal["open", "answered", "expired"]
MAX_COMMENT = 2000
LOW_NPS, LOW_CSAT = 6, 2
CATEGORY_OF_TOPIC = {
    "room": "room",
    "cleaning": "cleaning",
    "fnb": "fnb",
    "noise": "noise",
    "billing": "billing",
}


@dataclass(frozen=True)
class SurveyForm:
    """All the public page shows: no name, no dates, no contact of the guest."""

    state: State
    lang: str
    hotel: str


@dataclass(frozen=True)
class Answer:
    nps: int
    csat: int
    comment: str | None = None


@dataclass(frozen=True)
class Answered:
    survey_id: int
    classification: Classification | None
    ticket_id: int | None
    interaction_id: int


def is_low(nps: int | None, csat: int | None) -> bool:
    return (nps is not None and nps <= LOW_NPS) or (csat is not None and csat <= LOW_CSAT)


def _survey(session: Session, token: str) -> Survey:
    found = (
        session.scalar(select(Survey).where(Survey.token_hash == token_hash(token)))
        if looks_like_token(token)
        else None
    )
    if found is None:
        raise SurveyLinkInvalid(
            "This survey link is not valid.",
            hint="Open the link from the e-mail exactly as it was sent, or ask the hotel for a new one.",
        )
    return found


def _state(survey: Survey, now: datetime) -> State:
    if survey.answered_at is not None:
        return "answered"
    return "expired" if now >= survey.expires_at else "open"


def survey_form(session: Session, token: str, *, now: datetime) -> SurveyForm:
    """What the link's page shows; SurveyLinkInvalid (404) for a link that names no survey."""
    survey = _survey(session, token)
    names = session.execute(select(Hotel.name_zh, Hotel.name_en).where(Hotel.id == survey.hotel_id)).one()
    return SurveyForm(_state(survey, now), survey.lang, names[0] if survey.lang == "zh" else names[1])


def _check(answer: Answer) -> str | None:
    if not (0 <= answer.nps <= 10 and 1 <= answer.csat <= 5):
        raise InvalidFeedbackInput(
            f"Scores out of range (recommend {answer.nps}, satisfaction {answer.csat}).",
            hint="Recommend: 0 to 10; satisfaction: 1 to 5.",
        )
    comment = (answer.comment or "").strip()
    if len(comment) > MAX_COMMENT:
        raise InvalidFeedbackInput(
            f"The comment has {len(comment)} characters.", hint=f"Keep it under {MAX_COMMENT}."
        )
    return comment or None


def _timeline_text(answer: Answer, comment: str | None, found: Classification | None) -> str:
    head = f"Survey: NPS {answer.nps}/10, CSAT {answer.csat}/5"
    if found is not None and comment:
        head += f" ({found.sentiment or 'unclassified'}, {found.topic})"
    return head + (f"\n{comment}" if comment else "")


def answer_survey(
    session: Session, token: str, *, answer: Answer, now: datetime, default_hours: str
) -> Answered:
    """Record the link's one answer (SurveyAnswered, 409, for a second; SurveyExpired, 410, late)."""
    comment = _check(answer)
    survey = _survey(session, token)
    state = _state(survey, now)
    if state == "expired":
        raise SurveyExpired(
            "This survey link has expired.", hint="Thank you all the same; contact the hotel."
        )
    found = classify(comment, current_rules(session)) if comment else None
    claimed = session.execute(
        update(Survey)
        .where(Survey.id == survey.id, Survey.answered_at.is_(None))
        .values(answered_at=now, nps=answer.nps, csat=answer.csat, comment=comment)
    )
    if state == "answered" or not claimed.rowcount:  # type: ignore[attr-defined]
        raise SurveyAnswered("This survey was already answered.", hint="One answer per link; thank you.")
    session.refresh(survey)
    interaction = Interaction(
        guest_id=survey.guest_id, hotel_id=survey.hotel_id, channel="web", direction="inbound",
        kind="survey", text=_timeline_text(answer, comment, found), occurred_at=now,
    )  # fmt: skip
    session.add(interaction)
    session.flush()
    survey.interaction_id = interaction.id
    if found is not None:
        survey.sentiment, survey.topic, survey.matched = found.sentiment, found.topic, found.matched
    if is_low(answer.nps, answer.csat):
        survey.ticket_id = _open_ticket(session, survey, answer, found, comment, now, default_hours)
    session.flush()
    public_id = session.scalar(select(Guest.public_id).where(Guest.id == survey.guest_id))
    audit.log_event(
        session, "survey.answer", guest_public_id=public_id, object_type="survey", object_id=str(survey.id),
        actor_username="guest (survey link)", details={"low_score": survey.ticket_id is not None},
    )  # fmt: skip
    return Answered(survey.id, found, survey.ticket_id, interaction.id)


def _open_ticket(
    session: Session,
    survey: Survey,
    answer: Answer,
    found: Classification | None,
    comment: str | None,
    now: datetime,
    default_hours: str,
) -> int:
    code = session.scalar(select(Hotel.code).where(Hotel.id == survey.hotel_id))
    public_id = session.scalar(select(Guest.public_id).where(Guest.id == survey.guest_id))
    topic = found.topic if found else "other"
    spec = service.NewTicket(
        title=f"Low survey score: NPS {answer.nps}/10, CSAT {answer.csat}/5",
        category=CATEGORY_OF_TOPIC.get(topic, "other"),
        priority="high",
        hotel_code=code,
        description=comment,
        guest_public_id=public_id,
        interaction_id=survey.interaction_id,
    )
    ticket = service.create_ticket(
        session, scope=DataScope.group(), ticket=spec, actor_id=None, now=now, default_hours=default_hours
    )
    return ticket.id
