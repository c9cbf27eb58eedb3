"""The guest's pages reached by a secret link: the survey `/s/{token}`, self-service `/r/{token}`, and
the rating of a resolved request `/t/{token}` (from the e-mail) or `/r/{token}/rate/{request}` (from
the self-service page; the same rating).
Public (the link is the only key), mobile-first, showing nothing of the guest but their own requests;
invalid links are counted per address and refused past a limit."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import Response

from guestgraph import feedback, selfservice
from guestgraph.access import TooManyAttempts
from guestgraph.config import Settings
from guestgraph.web._auth import PUBLIC, client_ip, now_utc
from guestgraph.web._deps import SessionDep, SettingsDep
from guestgraph.web._ratelimit import limiter_of
from guestgraph.web._render import render

router = APIRouter()
Token = Annotated[str, Path(max_length=100)]
STATUS = {"open": 200, "thanks": 200, "answered": 409, "expired": 410, "invalid": 404, "limited": 429}


def _limited(request: Request, settings: Settings) -> bool:
    """True for an address that tried too many invalid links (the page says why, status 429)."""
    try:
        limiter_of(request).check(client_ip(request) or "?", settings.survey_rate_limit)
    except TooManyAttempts:
        return True
    return False


def _page(request: Request, token: str, state: str, status: int | None = None, **context: object) -> Response:
    return render(
        request,
        "survey_public.html",
        {"state": state, "token": token, **context},
        status_code=status or STATUS[state],
    )


def _invalid(request: Request, token: str) -> Response:
    limiter_of(request).fail(client_ip(request) or "?")
    return _page(request, token, "invalid")


@router.get("/s/{token}", dependencies=[PUBLIC], include_in_schema=False)
def survey_page(request: Request, token: Token, session: SessionDep, settings: SettingsDep) -> Response:
    if _limited(request, settings):
        return _page(request, token, "limited")
    try:
        form = feedback.survey_form(session, token, now=now_utc())
    except feedback.SurveyLinkInvalid:
        return _invalid(request, token)
    # Revisiting an answered link is normal (200); only a second submission is a conflict (409).
    return _page(
        request, token, form.state, hotel=form.hotel, outlets=form.outlets,
        status=200 if form.state == "answered" else None,
    )  # fmt: skip


@router.post("/s/{token}", dependencies=[PUBLIC], include_in_schema=False)
def survey_answer(
    request: Request,
    token: Token,
    session: SessionDep,
    settings: SettingsDep,
    nps: Annotated[int, Form(ge=0, le=10)],
    csat: Annotated[int, Form(ge=1, le=5)],
    comment: Annotated[str, Form(max_length=2000)] = "",
    outlet_room: Annotated[int | None, Form(ge=1, le=5)] = None,
    outlet_fnb: Annotated[int | None, Form(ge=1, le=5)] = None,
    outlet_spa: Annotated[int | None, Form(ge=1, le=5)] = None,
    outlet_minibar: Annotated[int | None, Form(ge=1, le=5)] = None,
) -> Response:
    if _limited(request, settings):
        return _page(request, token, "limited")
    given = zip(feedback.RATED_OUTLETS, (outlet_room, outlet_fnb, outlet_spa, outlet_minibar), strict=True)
    answer = feedback.Answer(nps, csat, comment, {o: n for o, n in given if n is not None})
    try:
        done = feedback.answer_survey(
            session, token, answer=answer, now=now_utc(), default_hours=settings.service_hours_default
        )
    except feedback.SurveyLinkInvalid:
        return _invalid(request, token)
    except feedback.SurveyExpired:
        return _page(request, token, "expired")
    except feedback.SurveyAnswered:
        return _page(request, token, "answered")
    except feedback.InvalidFeedbackInput as e:  # e.g. a rating for an outlet the page did not ask about
        form = feedback.survey_form(session, token, now=now_utc())
        return _page(
            request, token, form.state, status=422, hotel=form.hotel, outlets=form.outlets,
            problem=f"{e.message} {e.hint or ''}".strip(),
        )  # fmt: skip
    return _page(request, token, "thanks", ticket=done.ticket_id is not None)


# --- self-service ---------------------------------------------------------------------------------

SELF = {"ok": 200, "invalid": 404, "expired": 410, "limited": 429, "busy": 429}


def _self_page(request: Request, token: str, state: str, **context: object) -> Response:
    ctx = {"state": state, "token": token, "kinds": list(selfservice.KINDS), **context}
    return render(request, "selfservice_public.html", ctx, status_code=SELF[state])


def _self_view(
    request: Request, session: SessionDep, token: str, state: str = "ok", **extra: object
) -> Response:
    try:
        page = selfservice.request_page(session, token, now=now_utc())
    except selfservice.LinkInvalid:
        limiter_of(request).fail(client_ip(request) or "?")
        return _self_page(request, token, "invalid")
    except selfservice.LinkExpired:
        return _self_page(request, token, "expired")
    return _self_page(request, token, state, hotel=page.hotel, requests=page.requests, **extra)


@router.get("/r/{token}", dependencies=[PUBLIC], include_in_schema=False)
def self_service_page(request: Request, token: Token, session: SessionDep, settings: SettingsDep) -> Response:
    if _limited(request, settings):
        return _self_page(request, token, "limited")
    return _self_view(request, session, token)


@router.post("/r/{token}", dependencies=[PUBLIC], include_in_schema=False)
def self_service_request(
    request: Request,
    token: Token,
    session: SessionDep,
    settings: SettingsDep,
    kind: Annotated[str, Form(max_length=20)],
    text: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    if _limited(request, settings):
        return _self_page(request, token, "limited")
    try:
        selfservice.file_request(
            session, token, kind=kind, text=text, now=now_utc(), default_hours=settings.service_hours_default
        )
    except selfservice.TooManyRequests:
        return _self_view(request, session, token, "busy")
    except (selfservice.LinkInvalid, selfservice.LinkExpired):
        return _self_view(request, session, token)
    return _self_view(request, session, token, filed=True)


# --- rating a resolved request --------------------------------------------------------------------

RATE = {"open": 200, "thanks": 200, "rated": 409, "expired": 410, "invalid": 404, "limited": 429}
RequestId = Annotated[int, Path(ge=1, le=2**63 - 1)]


def _rate_page(
    request: Request, action: str, state: str, status: int | None = None, **context: object
) -> Response:
    return render(
        request,
        "rating_public.html",
        {"state": state, "action": action, **context},
        status_code=status or RATE[state],
    )


def _rate_invalid(request: Request, action: str) -> Response:
    limiter_of(request).fail(client_ip(request) or "?")
    return _rate_page(request, action, "invalid")


def _rate_form(request: Request, action: str, form: feedback.RatingForm) -> Response:
    # Revisiting a rated link is normal (200); only a second submission is a conflict (409).
    return _rate_page(
        request,
        action,
        form.state,
        status=200 if form.state == "rated" else None,
        form=form,
        hotel=form.hotel,
    )


@router.get("/t/{token}", dependencies=[PUBLIC], include_in_schema=False)
def rating_page(request: Request, token: Token, session: SessionDep, settings: SettingsDep) -> Response:
    action = f"/t/{token}"
    if _limited(request, settings):
        return _rate_page(request, action, "limited")
    try:
        form = feedback.rating_form(session, token, now=now_utc())
    except feedback.RatingLinkInvalid:
        return _rate_invalid(request, action)
    return _rate_form(request, action, form)


@router.post("/t/{token}", dependencies=[PUBLIC], include_in_schema=False)
def rating_answer(
    request: Request,
    token: Token,
    session: SessionDep,
    settings: SettingsDep,
    score: Annotated[int, Form(ge=1, le=5)],
    comment: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    action = f"/t/{token}"
    if _limited(request, settings):
        return _rate_page(request, action, "limited")
    try:
        done = feedback.rate_ticket(session, token, score=score, comment=comment, now=now_utc())
    except feedback.RatingLinkInvalid:
        return _rate_invalid(request, action)
    except feedback.RatingExpired:
        return _rate_page(request, action, "expired")
    except feedback.RatingAnswered:
        return _rate_page(request, action, "rated")
    return _rate_page(request, action, "thanks", reopened=done.reopened)


@router.get("/r/{token}/rate/{request_id}", dependencies=[PUBLIC], include_in_schema=False)
def self_service_rating_page(
    request: Request, token: Token, request_id: RequestId, session: SessionDep, settings: SettingsDep
) -> Response:
    action = f"/r/{token}/rate/{request_id}"
    if _limited(request, settings):
        return _rate_page(request, action, "limited")
    try:
        form = selfservice.rating_form(session, token, request_id, now=now_utc())
    except selfservice.LinkInvalid:
        return _rate_invalid(request, action)
    except selfservice.LinkExpired:
        return _rate_page(request, action, "expired")
    return _rate_form(request, action, form)


@router.post("/r/{token}/rate/{request_id}", dependencies=[PUBLIC], include_in_schema=False)
def self_service_rating_answer(
    request: Request,
    token: Token,
    request_id: RequestId,
    session: SessionDep,
    settings: SettingsDep,
    score: Annotated[int, Form(ge=1, le=5)],
    comment: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    action = f"/r/{token}/rate/{request_id}"
    if _limited(request, settings):
        return _rate_page(request, action, "limited")
    try:
        done = selfservice.rate_request(
            session, token, request_id, score=score, comment=comment, now=now_utc()
        )
    except selfservice.LinkInvalid:
        return _rate_invalid(request, action)
    except (selfservice.LinkExpired, feedback.RatingExpired):
        return _rate_page(request, action, "expired")
    except feedback.RatingAnswered:
        return _rate_page(request, action, "rated")
    return _rate_page(request, action, "thanks", reopened=done.reopened, back=f"/r/{token}")
