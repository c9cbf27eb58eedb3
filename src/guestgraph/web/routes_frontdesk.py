"""The front desk over HTTP: the arrivals list and a hotel's PMS feed switch — as HTML and as JSON under
/api/v1. Thin adapters: the scope and every rule live in `frontdesk`. Stay operations are in
`routes_stays` (reservations, check-in/out, naming a stay's primary guest) and `routes_folio` (charges
and payments); preferences and interactions on the guest's profile in `routes_frontdesk_profile`."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, Field

from guestgraph import frontdesk, prompts
from guestgraph.access import Permission
from guestgraph.web._auth import ScopeDep, allow
from guestgraph.web._deps import SessionDep
from guestgraph.web._render import render
from guestgraph.web.routes_frontdesk_profile import PreferenceOut

router = APIRouter()
api = "/api/v1"


class PmsFeedIn(BaseModel):
    model_config = {"extra": "forbid"}
    pms_feed: bool = Field(description="True: the hotel's stays come from its PMS (no stay operations here).")


class AlertOut(BaseModel):
    kind: str = Field(description="do_not_rent, vip_arriving, allergy, complaint_last_stay or birthday.")
    detail: str | None


class ArrivalOut(BaseModel):
    confirmation_number: str
    arrival: date
    departure: date
    nights: int
    status: str
    room_number: str | None
    room_type: str | None
    rate_plan: str | None
    channel: str | None
    adults: int | None
    guest_public_id: str | None
    guest_name: str | None = Field(description="Masked.")
    loyalty_tier: str | None
    vip_level: str | None
    preferences: list[PreferenceOut]
    alerts: list[AlertOut]
    paid: Decimal | None = Field(None, description="Received against the folio so far (a deposit).")
    balance: Decimal | None = Field(None, description="Charges less payments; below zero a credit.")
    currency: str | None = None


class ArrivalsOut(BaseModel):
    hotel_code: str
    hotel_name_zh: str
    hotel_name_en: str
    day: frontdesk.Day
    date: date
    lines: list[ArrivalOut]
    pms_feed: bool


class PmsFeedOut(BaseModel):
    hotel_code: str
    pms_feed: bool


@router.get("/arrivals", include_in_schema=False, dependencies=[allow(Permission.GUEST_READ)])
def arrivals_page(
    request: Request,
    session: SessionDep,
    scope: ScopeDep,
    hotel: Annotated[str | None, Query(max_length=20)] = None,
    day: frontdesk.Day = "today",
) -> Response:
    code = hotel or frontdesk.first_hotel_code(session, scope)
    board = prompts.arrivals_board(session, scope=scope, hotel_code=code, day=day) if code else None
    context = {
        "arrivals": board.arrivals if board else None,
        "board": board,
        "desk": frontdesk.desk_options(session, scope),
        "day": day,
        "active": "arrivals",
    }
    return render(request, "arrivals.html", context)


@router.get(
    f"{api}/hotels/{{code}}/arrivals", response_model=ArrivalsOut, dependencies=[allow(Permission.GUEST_READ)]
)
def api_arrivals(
    code: str, session: SessionDep, scope: ScopeDep, day: frontdesk.Day = "today"
) -> dict[str, Any]:
    """Today's or tomorrow's arrivals at a hotel in your scope, with each guest's preferences and alerts."""
    return asdict(frontdesk.list_arrivals(session, scope=scope, hotel_code=code, day=day))


@router.put(
    f"{api}/hotels/{{code}}/pms-feed",
    response_model=PmsFeedOut,
    dependencies=[allow(Permission.ADMIN_SETTINGS)],
)
def api_set_pms_feed(code: str, body: PmsFeedIn, session: SessionDep, scope: ScopeDep) -> dict[str, Any]:
    """Say whether a hotel's stays come from a PMS feed; the front desk operates stays only where not."""
    hotel = frontdesk.set_pms_feed(session, scope, code, pms_feed=body.pms_feed)
    return {"hotel_code": hotel.code, "pms_feed": hotel.pms_feed}


@router.post(
    "/hotels/{code}/pms-feed", include_in_schema=False, dependencies=[allow(Permission.ADMIN_SETTINGS)]
)
def set_pms_feed_form(
    code: str, session: SessionDep, scope: ScopeDep, pms_feed: Annotated[Literal["on", "off"], Form()]
) -> Response:
    frontdesk.set_pms_feed(session, scope, code, pms_feed=pms_feed == "on")
    return RedirectResponse(f"/arrivals?hotel={code}", status_code=303)
