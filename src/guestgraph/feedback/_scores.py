"""Feedback scores in scope, each figure one grouped query: survey scores per hotel, overall and by
month of sending (links sent, answers, response rate, NPS: promoters 9-10 minus detractors 0-6, in
points, and mean CSAT); OTA review scores per hotel and month of the review (reviews, mean CSAT on
the survey's 1-5 scale), the two tagged by source; the survey's outlet ratings per hotel, outlet and
month; and the reviews' sub-scores per hotel, aspect and month (on the 1-5 scale). Outlets are the
hotel's (from folio charges); aspects are the OTA's; they are never mixed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any, Literal

from sqlalchemy import ColumnElement, case, func, literal_column, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from guestgraph.access import DataScope, hotel_visible, mask_name
from guestgraph.db.models import Guest, Hotel, OtaReview, OtaReviewScore, Survey, SurveyOutletScore
from guestgraph.feedback._answer import LOW_CSAT, is_low
from guestgraph.feedback._sealed import review_comments, survey_comments

Source = Literal["survey", "review"]
SOURCES: tuple[Source, ...] = ("survey", "review")


@dataclass(frozen=True)
class ScoreRow:
    hotel: str
    period: str  # "YYYY-MM", or "all"
    sent: int
    answered: int
    response_rate: float | None  # answered / sent, 0-1
    nps: float | None  # -100 to 100
    csat: float | None  # mean, 1-5
    source: str = "survey"  # survey | review (reviews: sent = answered = reviews, no NPS)


@dataclass(frozen=True)
class OutletScoreRow:
    hotel: str
    outlet: str  # room | fnb | spa | minibar
    period: str  # "YYYY-MM" the survey was sent
    ratings: int
    average: float  # 1-5


@dataclass(frozen=True)
class AspectScoreRow:
    hotel: str
    aspect: str  # the OTA's: cleanliness, service, location...
    period: str  # "YYYY-MM" of the review
    reviews: int
    average: float  # on the 1-5 scale


@dataclass(frozen=True)
class ReviewLine:
    review_id: int
    hotel: str
    channel: str
    reviewed_on: date
    score: Decimal
    scale: int
    csat: int
    reviewer: str | None  # masked like a guest's name
    guest_public_id: str | None  # None: not matched
    comment: str | None
    sentiment: str | None
    topic: str | None
    matched: list[str]
    ticket_id: int | None
    low: bool


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


def _month(session: Session, column: Any = Survey.sent_at, *, is_date: bool = False) -> ColumnElement[str]:
    if session.get_bind().dialect.name == "postgresql":
        # literal formats, so the grouped expression is the selected one (bound values would differ)
        when = column if is_date else func.timezone(literal_column("'UTC'"), column)
        return func.to_char(when, literal_column("'YYYY-MM'"))
    return func.strftime(literal_column("'%Y-%m'"), column)


def _bounds(since: date | None, until: date | None) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = [Survey.sent_at.is_not(None)]
    if since is not None:
        where.append(Survey.sent_at >= datetime.combine(since, time.min, UTC))
    if until is not None:
        where.append(Survey.sent_at < datetime.combine(until, time.max, UTC))
    return where


def _day_bounds(
    column: InstrumentedAttribute[date], since: date | None, until: date | None
) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = []
    if since is not None:
        where.append(column >= since)
    if until is not None:
        where.append(column <= until)
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
    ).all()
    comments = survey_comments(session, [r[0] for r in rows])
    return [
        FeedbackLine(
            s.id,
            code,
            public_id,
            s.answered_at,
            s.nps,
            s.csat,
            comment,
            s.sentiment,
            s.topic,
            list(s.matched or []),
            s.ticket_id,
            is_low(s.nps, s.csat),
        )  # fmt: skip
        for (s, code, public_id), comment in zip(rows, comments, strict=True)
    ]


def review_scores(
    session: Session,
    *,
    scope: DataScope,
    since: date | None = None,
    until: date | None = None,
    by_month: bool = False,
) -> list[ScoreRow]:
    """OTA reviews per hotel in scope (and per month of the review): count and mean CSAT (1-5)."""
    keys = [Hotel.code, _month(session, OtaReview.reviewed_on, is_date=True)] if by_month else [Hotel.code]
    rows = session.execute(
        select(*keys, func.count(OtaReview.id), func.avg(OtaReview.csat))
        .join(Hotel, Hotel.id == OtaReview.hotel_id)
        .where(hotel_visible(scope), *_day_bounds(OtaReview.reviewed_on, since, until))
        .group_by(*keys)
        .order_by(*keys)
    )
    return [
        ScoreRow(
            row[0],
            str(row[1]) if by_month else "all",
            int(row[-2]),
            int(row[-2]),
            None,
            None,
            round(float(row[-1]), 2) if row[-1] is not None else None,
            "review",
        )  # fmt: skip
        for row in rows
    ]


def feedback_scores(
    session: Session,
    *,
    scope: DataScope,
    since: date | None = None,
    until: date | None = None,
    by_month: bool = False,
    source: Source | None = None,
) -> list[ScoreRow]:
    """Survey and review scores together (or one source), by hotel, period, then source."""
    rows: list[ScoreRow] = []
    if source in (None, "survey"):
        rows += survey_scores(session, scope=scope, since=since, until=until, by_month=by_month)
    if source in (None, "review"):
        rows += review_scores(session, scope=scope, since=since, until=until, by_month=by_month)
    return sorted(rows, key=lambda r: (r.hotel, r.period, r.source))


def outlet_scores(
    session: Session, *, scope: DataScope, since: date | None = None, until: date | None = None
) -> list[OutletScoreRow]:
    """The survey's outlet ratings per hotel in scope, outlet and month the survey was sent."""
    keys = [Hotel.code, SurveyOutletScore.outlet, _month(session)]
    rows = session.execute(
        select(*keys, func.count(), func.avg(SurveyOutletScore.score))
        .select_from(SurveyOutletScore)
        .join(Survey, Survey.id == SurveyOutletScore.survey_id)
        .join(Hotel, Hotel.id == Survey.hotel_id)
        .where(hotel_visible(scope), *_bounds(since, until))
        .group_by(*keys)
        .order_by(keys[0], keys[2], keys[1])
    )
    return [OutletScoreRow(r[0], str(r[1]), str(r[2]), int(r[3]), round(float(r[4]), 2)) for r in rows]


def aspect_scores(
    session: Session, *, scope: DataScope, since: date | None = None, until: date | None = None
) -> list[AspectScoreRow]:
    """OTA review sub-scores per hotel in scope, aspect and month, on the 1-5 scale."""
    keys = [Hotel.code, OtaReviewScore.aspect, _month(session, OtaReview.reviewed_on, is_date=True)]
    # 4.0, not 4: SQLite would divide integers (a sub-score of 8 is stored as the integer 8)
    five_point = 1 + (OtaReviewScore.score - 1) * literal_column("4.0") / (OtaReview.scale - 1)
    rows = session.execute(
        select(*keys, func.count(), func.avg(five_point))
        .select_from(OtaReviewScore)
        .join(OtaReview, OtaReview.id == OtaReviewScore.review_id)
        .join(Hotel, Hotel.id == OtaReview.hotel_id)
        .where(hotel_visible(scope), *_day_bounds(OtaReview.reviewed_on, since, until))
        .group_by(*keys)
        .order_by(keys[0], keys[2], keys[1])
    )
    return [AspectScoreRow(r[0], str(r[1]), str(r[2]), int(r[3]), round(float(r[4]), 2)) for r in rows]


def recent_reviews(session: Session, *, scope: DataScope, limit: int = 50) -> list[ReviewLine]:
    """The latest imported reviews in scope, newest review first; reviewers' names masked."""
    rows = session.execute(
        select(OtaReview, Hotel.code, Guest.public_id)
        .join(Hotel, Hotel.id == OtaReview.hotel_id)
        .join(Guest, Guest.id == OtaReview.guest_id, isouter=True)
        .where(hotel_visible(scope))
        .order_by(OtaReview.reviewed_on.desc(), OtaReview.id.desc())
        .limit(limit)
    ).all()
    comments = review_comments(session, [r[0] for r in rows])
    return [
        ReviewLine(
            r.id,
            code,
            r.channel,
            r.reviewed_on,
            r.score,
            r.scale,
            r.csat,
            mask_name(r.reviewer),
            public_id,
            comment,
            r.sentiment,
            r.topic,
            list(r.matched or []),
            r.ticket_id,
            r.csat <= LOW_CSAT,
        )  # fmt: skip
        for (r, code, public_id), comment in zip(rows, comments, strict=True)
    ]
