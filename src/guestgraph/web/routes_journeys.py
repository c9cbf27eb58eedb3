"""Journey pages and API (journey.manage): the list with the shipped templates, create one from a
template, a journey's steps and figures (enrolled, at each step, sent, skipped with the reasons, each
guest with theirs), activate and pause. The steps themselves run in `guestgraph worker`."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from guestgraph import journeys, offers
from guestgraph.access import DataScope, Permission
from guestgraph.db.models import Hotel, JourneyStatus
from guestgraph.errors import GuestgraphError, InvalidInput
from guestgraph.web._auth import CurrentPrincipal, ScopeDep, allow, now_utc
from guestgraph.web._deps import LocaleDep, RowId, SessionDep
from guestgraph.web._render import render

router = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/api/v1", tags=["journeys"])
MANAGE = [allow(Permission.JOURNEY_MANAGE)]
Code = Annotated[str, Form(max_length=40)]


class JourneyIn(BaseModel):
    model_config = {"extra": "forbid"}
    template: str | None = Field(None, max_length=40, description="A shipped template's code.")
    name: str | None = Field(None, max_length=120, description="With `definition`; a template names itself.")
    definition: dict[str, Any] | None = Field(None, description="{trigger: {...}, steps: [...]}")
    hotel_code: str | None = Field(None, max_length=20, description="Only this hotel's guests and stays.")


# --- what the API answers (AC-04: only these keys leave) ------------------------------------------


class TemplateOut(BaseModel):
    code: str
    name: str = Field(description="In the request's language.")
    about: str = Field(description="What the journey does, in the request's language.")
    definition: dict[str, Any] = Field(description="{trigger: {...}, steps: [...]}")


class JourneyDetailOut(BaseModel):
    journey: journeys.JourneyRow
    counts: journeys.JourneyCounts
    coupons: offers.CouponResults = Field(description="The coupons its issue_coupon steps issued.")


def _templates(locale: str) -> list[dict[str, str]]:
    return [
        {"code": t.code, "name": t.name(locale), "about": t.about(locale)}
        for t in journeys.TEMPLATES.values()
    ]


def _list(
    request: Request, session: Session, scope: DataScope, locale: str, error: GuestgraphError | None = None
) -> Response:
    context = {
        "journeys": journeys.list_journeys(session, scope=scope),
        "templates": _templates(locale),
        "hotels": list(session.scalars(select(Hotel.code).order_by(Hotel.code))),
        "error": error,
        "active": "journeys",
    }
    return render(request, "journeys.html", context, status_code=error.status if error else 200)


def _detail(
    request: Request,
    session: Session,
    scope: DataScope,
    journey_id: int,
    error: GuestgraphError | None = None,
    draft: str | None = None,
) -> Response:
    journey = journeys.get_journey(session, journey_id, scope=scope)
    context = {
        "journey": journey,
        "steps": journey.definition["steps"],
        "trigger": journey.definition["trigger"],
        "counts": journeys.journey_counts(session, journey_id, scope=scope),
        "coupons": journeys.journey_coupons(session, journey_id, scope=scope),
        "guests": journeys.journey_guests(session, journey_id, scope=scope),
        "offers": offers.list_offers(session, scope=scope, active_only=True),
        "draft": draft if draft is not None else json.dumps(journey.definition, ensure_ascii=False, indent=2),
        "error": error,
        "active": "journeys",
    }
    return render(request, "journey.html", context, status_code=error.status if error else 200)


@router.get("/journeys", dependencies=MANAGE)
def journeys_page(request: Request, session: SessionDep, scope: ScopeDep, locale: LocaleDep) -> Response:
    return _list(request, session, scope, locale)


@router.post("/journeys", dependencies=MANAGE)
def create_page(
    request: Request,
    session: SessionDep,
    scope: ScopeDep,
    locale: LocaleDep,
    principal: CurrentPrincipal,
    template: Code,
    hotel: Code = "",
) -> Response:
    try:
        row = journeys.create_from_template(
            session,
            scope=scope,
            code=template,
            locale=locale,
            hotel_code=hotel or None,
            created_by_id=principal.user_id,
            now=now_utc(),
        )
    except GuestgraphError as e:
        session.rollback()
        return _list(request, session, scope, locale, e)
    return RedirectResponse(f"/journeys/{row.id}", status_code=303)


@router.get("/journeys/{journey_id}", dependencies=MANAGE)
def journey_page(request: Request, journey_id: RowId, session: SessionDep, scope: ScopeDep) -> Response:
    return _detail(request, session, scope, journey_id)


def _set(session: Session, scope: DataScope, journey_id: int, status: JourneyStatus) -> journeys.JourneyRow:
    return journeys.set_status(session, journey_id, scope=scope, status=status, now=now_utc())


@router.post("/journeys/{journey_id}/edit", dependencies=MANAGE)
def edit_page(
    request: Request,
    journey_id: RowId,
    session: SessionDep,
    scope: ScopeDep,
    name: Annotated[str, Form(max_length=120)],
    definition: Annotated[str, Form(max_length=200_000)],
) -> Response:
    try:
        try:
            parsed = json.loads(definition)
        except json.JSONDecodeError as e:
            raise journeys.JourneyInvalid(
                f"The definition is not JSON (line {e.lineno}, column {e.colno}): {e.msg}",
                hint="Check the commas and quotes near there.",
            ) from e
        journeys.update_journey(session, journey_id, scope=scope, name=name, definition=parsed, now=now_utc())
    except GuestgraphError as e:
        session.rollback()
        return _detail(request, session, scope, journey_id, e, draft=definition)
    return RedirectResponse(f"/journeys/{journey_id}", status_code=303)


@router.post("/journeys/{journey_id}/activate", dependencies=MANAGE)
def activate_page(request: Request, journey_id: RowId, session: SessionDep, scope: ScopeDep) -> Response:
    try:
        _set(session, scope, journey_id, JourneyStatus.ACTIVE)
    except journeys.JourneyStateConflict as e:
        session.rollback()
        return _detail(request, session, scope, journey_id, e)
    return RedirectResponse(f"/journeys/{journey_id}", status_code=303)


@router.post("/journeys/{journey_id}/pause", dependencies=MANAGE)
def pause_page(request: Request, journey_id: RowId, session: SessionDep, scope: ScopeDep) -> Response:
    try:
        _set(session, scope, journey_id, JourneyStatus.PAUSED)
    except journeys.JourneyStateConflict as e:
        session.rollback()
        return _detail(request, session, scope, journey_id, e)
    return RedirectResponse(f"/journeys/{journey_id}", status_code=303)


@api.get(
    "/journey-templates",
    response_model=list[TemplateOut],
    summary="The shipped journey templates",
    dependencies=MANAGE,
)
def api_templates(locale: LocaleDep) -> list[dict[str, Any]]:
    return [{**t, "definition": journeys.TEMPLATES[t["code"]].definition} for t in _templates(locale)]


@api.get(
    "/journeys",
    response_model=list[journeys.JourneyRow],
    summary="Journeys in your scope",
    dependencies=MANAGE,
)
def api_journeys(session: SessionDep, scope: ScopeDep) -> list[journeys.JourneyRow]:
    return journeys.list_journeys(session, scope=scope)


@api.post(
    "/journeys",
    response_model=journeys.JourneyRow,
    summary="Create a journey (a draft) from a template or a definition",
    status_code=201,
    dependencies=MANAGE,
)
def api_create(
    body: JourneyIn, session: SessionDep, scope: ScopeDep, locale: LocaleDep, principal: CurrentPrincipal
) -> journeys.JourneyRow:
    now = now_utc()
    if body.template:
        row = journeys.create_from_template(
            session,
            scope=scope,
            code=body.template,
            locale=locale,
            hotel_code=body.hotel_code,
            created_by_id=principal.user_id,
            now=now,
        )
    elif body.definition is not None and body.name:
        row = journeys.create_journey(
            session,
            scope=scope,
            name=body.name,
            definition=body.definition,
            hotel_code=body.hotel_code,
            created_by_id=principal.user_id,
            now=now,
        )
    else:
        raise InvalidInput(
            "Give a template, or a name and a definition.", hint="See GET /api/v1/journey-templates."
        )
    return row


@api.get(
    "/journeys/{journey_id}",
    response_model=JourneyDetailOut,
    summary="A journey and its figures",
    dependencies=MANAGE,
)
def api_journey(journey_id: RowId, session: SessionDep, scope: ScopeDep) -> dict[str, Any]:
    return {
        "journey": journeys.get_journey(session, journey_id, scope=scope),
        "counts": journeys.journey_counts(session, journey_id, scope=scope),
        "coupons": journeys.journey_coupons(session, journey_id, scope=scope),
    }


@api.get(
    "/journeys/{journey_id}/guests",
    response_model=list[journeys.GuestLine],
    summary="The journey's guests and why any were skipped",
    dependencies=MANAGE,
)
def api_guests(journey_id: RowId, session: SessionDep, scope: ScopeDep) -> list[journeys.GuestLine]:
    return journeys.journey_guests(session, journey_id, scope=scope)


class JourneyEdit(BaseModel):
    model_config = {"extra": "forbid"}
    name: str = Field(max_length=120)
    definition: dict[str, Any]


@api.put(
    "/journeys/{journey_id}",
    response_model=journeys.JourneyRow,
    summary="Edit a draft journey's name and steps",
    dependencies=MANAGE,
)
def api_update(
    journey_id: RowId, body: JourneyEdit, session: SessionDep, scope: ScopeDep
) -> journeys.JourneyRow:
    return journeys.update_journey(
        session, journey_id, scope=scope, name=body.name, definition=body.definition, now=now_utc()
    )


@api.post(
    "/journeys/{journey_id}/activate",
    response_model=journeys.JourneyRow,
    summary="Activate (or resume) a journey",
    dependencies=MANAGE,
)
def api_activate(journey_id: RowId, session: SessionDep, scope: ScopeDep) -> journeys.JourneyRow:
    return _set(session, scope, journey_id, JourneyStatus.ACTIVE)


@api.post(
    "/journeys/{journey_id}/pause",
    response_model=journeys.JourneyRow,
    summary="Pause a journey (guests stay at their step)",
    dependencies=MANAGE,
)
def api_pause(journey_id: RowId, session: SessionDep, scope: ScopeDep) -> journeys.JourneyRow:
    return _set(session, scope, journey_id, JourneyStatus.PAUSED)
