"""The front desk over HTTP, on the guest's profile: preferences and interactions, as HTML (HTMX
fragments, or a redirect without HTMX) and as JSON under /api/v1. Thin adapters: the scope and every
rule live in `profiles`. Stay operations and arrivals are in `routes_frontdesk`."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, Field

from guestgraph import frontdesk, profiles
from guestgraph.access import Permission
from guestgraph.web._auth import CurrentPrincipal, ScopeDep, allow
from guestgraph.web._deps import SessionDep
from guestgraph.web._render import render

router = APIRouter()
api = "/api/v1"


class PreferenceIn(BaseModel):
    model_config = {"extra": "forbid"}
    category: str = Field(max_length=30, description=f"One of: {', '.join(profiles.PREFERENCE_CATEGORIES)}.")
    value: str = Field(min_length=1, max_length=500)


class InteractionIn(BaseModel):
    model_config = {"extra": "forbid"}
    kind: str = Field(max_length=20, description=f"One of: {', '.join(profiles.INTERACTION_KINDS)}.")
    text: str = Field(min_length=1, max_length=4000)
    hotel_code: str | None = Field(
        None, max_length=20, description="Default: your hotel (group staff: none)."
    )
    direction: Literal["inbound", "outbound", "internal"] | None = None


# --- what the API answers (AC-04: only these keys leave; personal fields are masked in the data layer) ---


class PreferenceOut(BaseModel):
    id: int
    category: str
    value: str
    source: str | None = Field(description="The source system it came from; none when staff added it.")
    source_external_id: str | None
    created_by: str | None = Field(description="The member of staff who added it.")
    created_at: datetime
    retired_at: datetime | None


class InteractionOut(BaseModel):
    id: int
    kind: str
    channel: str
    direction: str
    text: str
    hotel: str | None = Field(description="The hotel's code; none: the group.")
    author: str | None
    occurred_at: datetime


# --- the profile: preferences and interactions (HTMX fragments, or a redirect without HTMX) ---------


def _profile_part(
    request: Request, session: SessionDep, scope: ScopeDep, public_id: str, part: str
) -> Response:
    if not request.headers.get("HX-Request"):
        return RedirectResponse(f"/guests/{public_id}#{part}", status_code=303)
    profile = profiles.get_profile(session, scope=scope, public_id=public_id)
    context = {"profile": profile, "desk": frontdesk.desk_options(session, scope)}
    return render(request, f"_{part}.html", context)


@router.post(
    "/guests/{public_id}/preferences", include_in_schema=False, dependencies=[allow(Permission.STAY_OPERATE)]
)
def add_preference_form(
    request: Request,
    public_id: str,
    session: SessionDep,
    scope: ScopeDep,
    principal: CurrentPrincipal,
    category: Annotated[str, Form(max_length=30)],
    value: Annotated[str, Form(max_length=500)],
) -> Response:
    profiles.add_preference(
        session,
        scope=scope,
        public_id=public_id,
        category=category,
        value=value,
        created_by_id=principal.user_id,
    )
    return _profile_part(request, session, scope, public_id, "preferences")


@router.post(
    "/guests/{public_id}/preferences/{preference_id}/retire",
    include_in_schema=False,
    dependencies=[allow(Permission.STAY_OPERATE)],
)
def retire_preference_form(
    request: Request, public_id: str, preference_id: int, session: SessionDep, scope: ScopeDep
) -> Response:
    profiles.retire_preference(session, scope=scope, public_id=public_id, preference_id=preference_id)
    return _profile_part(request, session, scope, public_id, "preferences")


@router.post(
    "/guests/{public_id}/interactions", include_in_schema=False, dependencies=[allow(Permission.STAY_OPERATE)]
)
def add_interaction_form(
    request: Request,
    public_id: str,
    session: SessionDep,
    scope: ScopeDep,
    principal: CurrentPrincipal,
    kind: Annotated[str, Form(max_length=20)],
    text: Annotated[str, Form(max_length=4000)],
    hotel: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    profiles.add_interaction(
        session,
        scope=scope,
        public_id=public_id,
        kind=kind,
        text=text,
        hotel_code=hotel or None,
        staff_user_id=principal.user_id,
    )
    return _profile_part(request, session, scope, public_id, "interactions")


@router.post(
    f"{api}/guests/{{public_id}}/preferences",
    status_code=201,
    response_model=PreferenceOut,
    dependencies=[allow(Permission.STAY_OPERATE)],
)
def api_add_preference(
    public_id: str, body: PreferenceIn, session: SessionDep, scope: ScopeDep, principal: CurrentPrincipal
) -> dict[str, Any]:
    """Add a preference to a guest in your scope (needs stay.operate)."""
    line = profiles.add_preference(
        session,
        scope=scope,
        public_id=public_id,
        category=body.category,
        value=body.value,
        created_by_id=principal.user_id,
    )
    return asdict(line)


@router.delete(
    f"{api}/guests/{{public_id}}/preferences/{{preference_id}}",
    response_model=PreferenceOut,
    dependencies=[allow(Permission.STAY_OPERATE)],
)
def api_retire_preference(
    public_id: str, preference_id: int, session: SessionDep, scope: ScopeDep
) -> dict[str, Any]:
    """Retire a preference (kept with the time it was retired, no longer shown or used)."""
    return asdict(
        profiles.retire_preference(session, scope=scope, public_id=public_id, preference_id=preference_id)
    )


@router.post(
    f"{api}/guests/{{public_id}}/interactions",
    status_code=201,
    response_model=InteractionOut,
    dependencies=[allow(Permission.STAY_OPERATE)],
)
def api_add_interaction(
    public_id: str, body: InteractionIn, session: SessionDep, scope: ScopeDep, principal: CurrentPrincipal
) -> dict[str, Any]:
    """Record a call, e-mail, chat, complaint, compliment or note about a guest in your scope."""
    line = profiles.add_interaction(
        session,
        scope=scope,
        public_id=public_id,
        kind=body.kind,
        text=body.text,
        hotel_code=body.hotel_code,
        direction=body.direction,
        staff_user_id=principal.user_id,
    )
    return asdict(line)
