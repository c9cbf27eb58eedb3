"""Surveys and feedback for staff: scores per hotel, source (survey or OTA review), outlet, review
aspect and month with the latest answers and reviews (/surveys, report.read; JSON under
/api/v1/surveys and /api/v1/feedback/scores), sending the post-stay surveys (ticket.manage),
importing OTA review exports (import.manage; the form on /surveys and POST /api/v1/feedback/reviews),
and the classification words a data steward edits (/feedback/rules, feedback.rules). Thin adapters:
rules, consent and scope live in `guestgraph.feedback`."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Annotated, Any, Literal

from fastapi import APIRouter, File, Form, Path, Query, Request, UploadFile
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, Field

from guestgraph import audit, feedback, frontdesk, ingest, selfservice
from guestgraph.access import DataScope, Permission
from guestgraph.config import Settings
from guestgraph.web._auth import CurrentPrincipal, ScopeDep, allow, now_utc
from guestgraph.web._deps import SessionDep, SettingsDep
from guestgraph.web._render import render

router = APIRouter()
api = APIRouter(prefix="/api/v1", tags=["surveys"])
REPORTS = [allow(Permission.REPORT_READ)]
SEND = [allow(Permission.TICKET_MANAGE)]
RULES = [allow(Permission.FEEDBACK_RULES)]
IMPORT = [allow(Permission.IMPORT_MANAGE)]
MAX_REVIEW_FILE = 50 * 1024 * 1024
SourceFilter = Annotated[
    Literal["survey", "review"] | None, Query(description="Only survey answers, or only OTA reviews.")
]
Dimension = Literal["sentiment", "topic"]
Label = Annotated[str, Path(max_length=20, pattern=r"^[a-z_]+$")]


class SendIn(BaseModel):
    model_config = {"extra": "forbid"}

    checked_out_since: date = Field(description="Checked-out stays that departed on or after this day.")


class LinkIn(BaseModel):
    model_config = {"extra": "forbid"}

    hotel_code: str = Field(max_length=20, description="The hotel the guest's requests go to.")


class ClassifyIn(BaseModel):
    model_config = {"extra": "forbid"}

    text: str = Field(max_length=4000)


class RuleIn(BaseModel):
    model_config = {"extra": "forbid"}

    words: list[str] = Field(max_length=300, description="The label's words or phrases (each ≤ 40 chars).")


# --- what the API answers (AC-04: only these keys leave; names are masked in the data layer) -------


class ScoreOut(BaseModel):
    hotel: str
    period: str = Field(description='"YYYY-MM", or "all".')
    sent: int
    answered: int
    response_rate: float | None = Field(description="Answered / sent, 0-1.")
    nps: float | None = Field(description="-100 to 100.")
    csat: float | None = Field(description="Mean, 1-5.")
    source: str = Field(description="survey or review (reviews: sent = answered = reviews, no NPS).")


class OutletScoreOut(BaseModel):
    hotel: str
    outlet: str
    period: str = Field(description='"YYYY-MM" the survey was sent.')
    ratings: int
    average: float = Field(description="1-5.")


class AspectScoreOut(BaseModel):
    hotel: str
    aspect: str = Field(description="The OTA's: cleanliness, service, location...")
    period: str = Field(description='"YYYY-MM" of the review.')
    reviews: int
    average: float = Field(description="On the 1-5 scale.")


class AnswerOut(BaseModel):
    survey_id: int
    hotel: str
    guest_public_id: str
    answered_at: datetime | None
    nps: int | None
    csat: int | None
    comment: str | None
    sentiment: str | None
    topic: str | None
    matched: list[str] = Field(description="The classification words found in the comment.")
    ticket_id: int | None
    low: bool


class ReviewOut(BaseModel):
    review_id: int
    hotel: str
    channel: str
    reviewed_on: date
    score: Decimal
    scale: int
    csat: int
    reviewer: str | None = Field(description="Masked like a guest's name.")
    guest_public_id: str | None = Field(description="None: not matched to a guest.")
    comment: str | None
    sentiment: str | None
    topic: str | None
    matched: list[str]
    ticket_id: int | None
    low: bool


class RowProblemOut(BaseModel):
    row: int
    field: str
    problem: str
    fix: str


class ReviewImportOut(BaseModel):
    filename: str
    profile: str
    channel: str
    rows_read: int
    imported: int
    unchanged: int
    rejected: int
    matched: int
    tickets: int
    blank_rows: int
    reconciles: bool
    problems: list[RowProblemOut]


class SurveysSentOut(BaseModel):
    sent: int
    skipped: int
    failed: int


class LinkOut(BaseModel):
    url: str = Field(description="Shown this once.")
    expires_at: str = Field(description="ISO 8601 with its UTC offset.")


class RulesOut(BaseModel):
    """Each label's words, per dimension."""

    sentiment: dict[str, list[str]]
    topic: dict[str, list[str]]


class WordsOut(BaseModel):
    words: list[str]


class ClassificationOut(BaseModel):
    sentiment: str | None
    topic: str
    sentiment_words: list[str]
    topic_words: list[str]
    matched: list[str]


def _send(session: SessionDep, scope: ScopeDep, settings: Settings, since: date) -> feedback.SurveyReport:
    return feedback.send_surveys(
        session, scope=scope, since=since, policy=feedback.SurveyPolicy.from_settings(settings), clock=now_utc
    )


def _rules_context(session: SessionDep) -> dict[str, Any]:
    rules = feedback.current_rules(session)
    return {"dimensions": {d: rules.of(d) for d in feedback.DIMENSIONS}}


def _import_reviews(
    session: SessionDep,
    scope: DataScope,
    settings: Settings,
    principal_id: int,
    file: UploadFile,
    source: str,
    hotel: str | None,
) -> feedback.ReviewImport:
    """The upload is read from a scratch copy that is removed at once (the reviews are in the database)."""
    with ingest.held_upload(
        settings.data_dir, file.filename or "reviews.csv", file.file, max_bytes=MAX_REVIEW_FILE
    ) as path:
        return feedback.import_reviews(
            session, path, scope=scope, source=source, hotel_code=hotel, actor_id=principal_id,
            now=now_utc(), default_hours=settings.service_hours_default, filename=file.filename,
        )  # fmt: skip


# --- pages ----------------------------------------------------------------------------------------


def _surveys_context(session: SessionDep, scope: ScopeDep, source: str | None) -> dict[str, Any]:
    src: Any = source or None
    return {
        "active": "surveys",
        "source": source or "",
        "by_hotel": feedback.feedback_scores(session, scope=scope, source=src),
        "by_month": feedback.feedback_scores(session, scope=scope, source=src, by_month=True),
        "outlets": feedback.outlet_scores(session, scope=scope),
        "aspects": feedback.aspect_scores(session, scope=scope),
        "recent": feedback.recent_feedback(session, scope=scope),
        "reviews": feedback.recent_reviews(session, scope=scope),
        "review_sources": feedback.review_sources(),
        "hotels": frontdesk.desk_options(session, scope).hotels,
        "since": (now_utc().date() - timedelta(days=7)).isoformat(),
    }


@router.get("/surveys", include_in_schema=False, dependencies=REPORTS)
def surveys_page(
    request: Request,
    session: SessionDep,
    scope: ScopeDep,
    sent: Annotated[int | None, Query(ge=0)] = None,
    skipped: Annotated[int | None, Query(ge=0)] = None,
    source: Annotated[Literal["", "survey", "review"], Query()] = "",
) -> Response:
    context = _surveys_context(session, scope, source)
    context["report"] = {"sent": sent, "skipped": skipped} if sent is not None else None
    return render(request, "surveys.html", context)


def _review_page(
    request: Request, session: SessionDep, scope: ScopeDep, done: feedback.ReviewImport | None
) -> Response:
    context = {
        "active": "imports",
        "review_import": done,
        "review_sources": feedback.review_sources(),
        "hotels": frontdesk.desk_options(session, scope).hotels,
    }
    return render(request, "review_import.html", context)


@router.get("/surveys/reviews", include_in_schema=False, dependencies=IMPORT)
def reviews_page(request: Request, session: SessionDep, scope: ScopeDep) -> Response:
    return _review_page(request, session, scope, None)


@router.post("/surveys/reviews", include_in_schema=False, dependencies=IMPORT)
def reviews_form(
    request: Request,
    session: SessionDep,
    scope: ScopeDep,
    settings: SettingsDep,
    principal: CurrentPrincipal,
    file: Annotated[UploadFile, File()],
    source: Annotated[str, Form(max_length=20)],
    hotel: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    done = _import_reviews(session, scope, settings, principal.user_id, file, source, hotel or None)
    return _review_page(request, session, scope, done)


@router.get("/feedback/rules", include_in_schema=False, dependencies=RULES)
def rules_page(
    request: Request, session: SessionDep, text: Annotated[str, Query(max_length=2000)] = ""
) -> Response:
    tried = feedback.classify(text, feedback.current_rules(session)) if text.strip() else None
    context = {"active": "feedback_rules", "text": text, "tried": tried, **_rules_context(session)}
    return render(request, "feedback_rules.html", context)


@router.post("/feedback/rules/{dimension}/{label}", include_in_schema=False, dependencies=RULES)
def rules_form(
    dimension: Dimension,
    label: Label,
    session: SessionDep,
    principal: CurrentPrincipal,
    words: Annotated[str, Form(max_length=20_000)] = "",
) -> Response:
    _save(session, principal.user_id, dimension, label, words)
    return RedirectResponse(f"/feedback/rules#rule-{dimension}-{label}", status_code=303)


def _save(session: SessionDep, actor_id: int, dimension: str, label: str, words: str) -> tuple[str, ...]:
    saved = feedback.save_rule(
        session, dimension=dimension, label=label, words=words, actor_id=actor_id, now=now_utc()
    )
    audit.log_event(
        session, "feedback.rules.edit", object_type="feedback_rule", object_id=f"{dimension}/{label}",
        details={"words": len(saved)},
    )  # fmt: skip
    return saved


# --- JSON -----------------------------------------------------------------------------------------


@api.get(
    "/surveys/scores",
    response_model=list[ScoreOut],
    summary="Survey scores per hotel (and month) in your scope",
    dependencies=REPORTS,
)
def api_scores(
    session: SessionDep,
    scope: ScopeDep,
    since: date | None = None,
    until: date | None = None,
    by: Annotated[
        Literal["hotel", "month"], Query(description="Group by hotel, or hotel and month.")
    ] = "hotel",
) -> list[dict[str, Any]]:
    rows = feedback.survey_scores(session, scope=scope, since=since, until=until, by_month=by == "month")
    return [asdict(r) for r in rows]


@api.get(
    "/surveys/answers",
    response_model=list[AnswerOut],
    summary="The latest survey answers in your scope",
    dependencies=REPORTS,
)
def api_answers(
    session: SessionDep, scope: ScopeDep, limit: Annotated[int, Query(ge=1, le=500)] = 50
) -> list[dict[str, Any]]:
    return [asdict(r) for r in feedback.recent_feedback(session, scope=scope, limit=limit)]


@api.get(
    "/feedback/scores",
    response_model=list[ScoreOut] | list[OutletScoreOut] | list[AspectScoreOut],
    summary="Feedback scores in your scope: surveys and OTA reviews, per outlet or review aspect",
    dependencies=REPORTS,
)
def api_feedback_scores(
    session: SessionDep,
    scope: ScopeDep,
    since: date | None = None,
    until: date | None = None,
    by: Annotated[
        Literal["hotel", "month", "outlet", "aspect"],
        Query(
            description="hotel, or hotel and month (rows tagged by source); outlet: the survey's outlet "
            "ratings per hotel, outlet and month; aspect: the reviews' sub-scores per hotel, aspect, month."
        ),
    ] = "hotel",
    source: SourceFilter = None,
) -> list[dict[str, Any]]:
    if by == "outlet":
        return [asdict(r) for r in feedback.outlet_scores(session, scope=scope, since=since, until=until)]
    if by == "aspect":
        return [asdict(r) for r in feedback.aspect_scores(session, scope=scope, since=since, until=until)]
    rows = feedback.feedback_scores(
        session, scope=scope, since=since, until=until, by_month=by == "month", source=source
    )
    return [asdict(r) for r in rows]


@api.get(
    "/feedback/reviews",
    response_model=list[ReviewOut],
    summary="The latest OTA reviews in your scope",
    dependencies=REPORTS,
)
def api_reviews(
    session: SessionDep, scope: ScopeDep, limit: Annotated[int, Query(ge=1, le=500)] = 50
) -> list[dict[str, Any]]:
    return [asdict(r) for r in feedback.recent_reviews(session, scope=scope, limit=limit)]


@api.post(
    "/feedback/reviews",
    response_model=ReviewImportOut,
    summary="Import an OTA review export (CSV or Excel); the same file again changes nothing",
    dependencies=IMPORT,
)
def api_import_reviews(
    session: SessionDep,
    scope: ScopeDep,
    settings: SettingsDep,
    principal: CurrentPrincipal,
    file: Annotated[UploadFile, File(description="The export as downloaded (CSV or .xlsx).")],
    source: Annotated[str, Form(max_length=20, description="The OTA: ctrip, booking...")],
    hotel: Annotated[str | None, Form(max_length=20, description="The hotel (unless the file says).")] = None,
) -> dict[str, Any]:
    """Counts (rows_read = imported + unchanged + rejected) and each rejected row's problems."""
    return _import_reviews(session, scope, settings, principal.user_id, file, source, hotel).as_dict()


@api.post(
    "/surveys/send",
    response_model=SurveysSentOut,
    summary="Send post-stay surveys (consent allowing)",
    dependencies=SEND,
)
def api_send(body: SendIn, session: SessionDep, scope: ScopeDep, settings: SettingsDep) -> dict[str, int]:
    return asdict(_send(session, scope, settings, body.checked_out_since))


@api.post(
    "/guests/{public_id}/self-service-links",
    response_model=LinkOut,
    summary="Issue a guest's self-service link (shown once)",
    status_code=201,
    dependencies=SEND,
)
def api_self_service_link(
    public_id: Annotated[str, Path(max_length=20)],
    body: LinkIn,
    session: SessionDep,
    scope: ScopeDep,
    settings: SettingsDep,
    principal: CurrentPrincipal,
) -> dict[str, Any]:
    valid_for = timedelta(days=settings.self_service_valid_days)
    issued = selfservice.issue_link(
        session, scope=scope, guest_public_id=public_id, hotel_code=body.hotel_code,
        base_url=settings.public_base_url.rstrip("/"), valid_for=valid_for, actor_id=principal.user_id,
        now=now_utc(),
    )  # fmt: skip
    return {"url": issued.url, "expires_at": issued.expires_at.isoformat()}


@api.get(
    "/feedback/rules",
    response_model=RulesOut,
    summary="The feedback classification words",
    dependencies=RULES,
)
def api_rules(session: SessionDep) -> dict[str, dict[str, list[str]]]:
    rules = feedback.current_rules(session)
    return {d: {label: list(words) for label, words in rules.of(d).items()} for d in feedback.DIMENSIONS}


@api.put(
    "/feedback/rules/{dimension}/{label}",
    response_model=WordsOut,
    summary="Replace one label's words",
    dependencies=RULES,
)
def api_rule(
    dimension: Dimension, label: Label, body: RuleIn, session: SessionDep, principal: CurrentPrincipal
) -> dict[str, list[str]]:
    return {"words": list(_save(session, principal.user_id, dimension, label, "\n".join(body.words)))}


@api.post(
    "/feedback/classify",
    response_model=ClassificationOut,
    summary="Classify a text with the current words",
    dependencies=RULES,
)
def api_classify(body: ClassifyIn, session: SessionDep) -> dict[str, Any]:
    found = feedback.classify(body.text, feedback.current_rules(session))
    return {**asdict(found), "matched": found.matched}


router.include_router(api)
