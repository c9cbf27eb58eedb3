"""The guest's side of a survey link: what the public page may show (the hotel's name and the
state of the link, never the guest's data), and the one answer the link takes.

The page asks, besides NPS and CSAT, for an optional 1-5 rating of each outlet the guest charged to
during the stay (a guest who used the spa is asked about the spa; "other" charges are not asked about).

Answering writes the scores and the classified comment on the survey row (a guarded UPDATE, so two
submissions race to one winner) and the outlet ratings in survey_outlet_score, adds an interaction to
the guest's timeline, and opens a service ticket when a score is low (NPS ≤ 6 or CSAT ≤ 2)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from guestgraph import audit, profiles
from guestgraph.db.models import Charge, Guest, Hotel, Outlet, Survey, SurveyOutletScore
from guestgraph.feedback._classify import Classification, classify
from guestgraph.feedback._errors import (
    InvalidFeedbackInput,
    SurveyAnswered,
    SurveyExpired,
    SurveyLinkInvalid,
)
from guestgraph.feedback._rules import current_rules
from guestgraph.feedback._sealed import seal_survey_comment
from guestgraph.feedback._tickets import low_score_ticket
from guestgraph.feedback._tokens import looks_like_token, token_hash

State = Literal["open", "answered", "expired"]
MAX_COMMENT = 2000
LOW_NPS, LOW_CSAT = 6, 2
RATED_OUTLETS = tuple(o.value for o in Outlet if o is not Outlet.OTHER)  # in the order the page asks


@dataclass(frozen=True)
class SurveyForm:
    """All the public page shows: no name, no dates, no contact of the guest."""

    state: State
    lang: str
    hotel: str
    outlets: tuple[str, ...] = ()  # the outlets charged to during the stay, to be rated (optional)


@dataclass(frozen=True)
class Answer:
    nps: int
    csat: int
    comment: str | None = None
    outlets: Mapping[str, int] = field(default_factory=dict)  # outlet -> 1-5, only those rated


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


def outlets_used(session: Session, stay_id: int | None) -> tuple[str, ...]:
    """The outlets the stay's folio has charges at (other than "other"), in the page's order."""
    if stay_id is None:
        return ()
    used = set(
        session.scalars(select(Charge.outlet).where(Charge.stay_id == stay_id, Charge.outlet != Outlet.OTHER))
    )
    return tuple(o for o in RATED_OUTLETS if o in used)


def survey_form(session: Session, token: str, *, now: datetime) -> SurveyForm:
    """What the link's page shows; SurveyLinkInvalid (404) for a link that names no survey."""
    survey = _survey(session, token)
    names = session.execute(select(Hotel.name_zh, Hotel.name_en).where(Hotel.id == survey.hotel_id)).one()
    state = _state(survey, now)
    outlets = outlets_used(session, survey.stay_id) if state == "open" else ()
    return SurveyForm(state, survey.lang, names[0] if survey.lang == "zh" else names[1], outlets)


def _check(answer: Answer, offered: tuple[str, ...]) -> str | None:
    if not (0 <= answer.nps <= 10 and 1 <= answer.csat <= 5):
        raise InvalidFeedbackInput(
            f"Scores out of range (recommend {answer.nps}, satisfaction {answer.csat}).",
            hint="Recommend: 0 to 10; satisfaction: 1 to 5.",
        )
    for outlet, score in answer.outlets.items():
        if outlet not in offered:
            raise InvalidFeedbackInput(
                f"A rating for {outlet!r}, which this stay did not use.",
                hint=f"Rate only the outlets the page asks about: {', '.join(offered) or 'none'}.",
            )
        if not 1 <= score <= 5:
            raise InvalidFeedbackInput(f"The {outlet} rating is {score}.", hint="Rate each outlet 1 to 5.")
    comment = (answer.comment or "").strip()
    if len(comment) > MAX_COMMENT:
        raise InvalidFeedbackInput(
            f"The comment has {len(comment)} characters.", hint=f"Keep it under {MAX_COMMENT}."
        )
    return comment or None


def _timeline_text(answer: Answer, comment: str | None, found: Classification | None) -> str:
    head = f"Survey: NPS {answer.nps}/10, CSAT {answer.csat}/5"
    rated = [f"{o} {answer.outlets[o]}/5" for o in RATED_OUTLETS if o in answer.outlets]
    if rated:
        head += "; " + ", ".join(rated)
    if found is not None and comment:
        head += f" ({found.sentiment or 'unclassified'}, {found.topic})"
    return head + (f"\n{comment}" if comment else "")


def answer_survey(
    session: Session, token: str, *, answer: Answer, now: datetime, default_hours: str
) -> Answered:
    """Record the link's one answer (SurveyAnswered, 409, for a second; SurveyExpired, 410, late)."""
    survey = _survey(session, token)
    comment = _check(answer, outlets_used(session, survey.stay_id))
    state = _state(survey, now)
    if state == "expired":
        raise SurveyExpired(
            "This survey link has expired.", hint="Thank you all the same; contact the hotel."
        )
    found = classify(comment, current_rules(session)) if comment else None
    claimed = session.execute(
        update(Survey)
        .where(Survey.id == survey.id, Survey.answered_at.is_(None))
        .values(
            answered_at=now, nps=answer.nps, csat=answer.csat, **seal_survey_comment(session, survey, comment)
        )
    )
    if state == "answered" or not claimed.rowcount:  # type: ignore[attr-defined]
        raise SurveyAnswered("This survey was already answered.", hint="One answer per link; thank you.")
    session.refresh(survey)
    session.add_all(
        SurveyOutletScore(survey_id=survey.id, outlet=Outlet(o), score=n) for o, n in answer.outlets.items()
    )
    entry = profiles.NewInteraction(
        guest_id=survey.guest_id, hotel_id=survey.hotel_id, channel="web", direction="inbound",
        kind="survey", text=_timeline_text(answer, comment, found), occurred_at=now,
    )  # fmt: skip
    (interaction_id,) = profiles.store_interactions(session, [entry])
    survey.interaction_id = interaction_id
    if found is not None:
        survey.sentiment, survey.topic, survey.matched = found.sentiment, found.topic, found.matched
    if is_low(answer.nps, answer.csat):
        survey.ticket_id = low_score_ticket(
            session, hotel_id=survey.hotel_id, guest_id=survey.guest_id,
            title=f"Low survey score: NPS {answer.nps}/10, CSAT {answer.csat}/5", found=found,
            comment=comment, interaction_id=survey.interaction_id, now=now, default_hours=default_hours,
        )  # fmt: skip
    session.flush()
    public_id = session.scalar(select(Guest.public_id).where(Guest.id == survey.guest_id))
    audit.log_event(
        session, "survey.answer", guest_public_id=public_id, object_type="survey", object_id=str(survey.id),
        actor_username="guest (survey link)", details={"low_score": survey.ticket_id is not None},
    )  # fmt: skip
    return Answered(survey.id, found, survey.ticket_id, interaction_id)
