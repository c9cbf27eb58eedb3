"""HTML pages (Jinja2 + HTMX): thin adapters over the same service functions as the API."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from guestgraph import analytics, audit, frontdesk, identity, org, profiles, recommend
from guestgraph.access import Permission
from guestgraph.errors import NotFound
from guestgraph.paging import PageRequest
from guestgraph.web._auth import PUBLIC, SIGNED_IN, CurrentPrincipal, ScopeDep, allow
from guestgraph.web._deps import LocaleDep, PagingDep, SessionDep
from guestgraph.web._i18n import LOCALE_COOKIE, LOCALES
from guestgraph.web._nav import COMING
from guestgraph.web._render import render

router = APIRouter(include_in_schema=False)


@router.get("/", dependencies=[SIGNED_IN])
def home(request: Request, session: SessionDep, scope: ScopeDep) -> Response:
    hotels = org.list_hotels(session, scope=scope)
    guests = profiles.list_guests(session, scope=scope, paging=PageRequest(page=1, size=1)).total
    return render(request, "home.html", {"hotels": hotels, "guest_total": guests, "active": "home"})


@router.get("/hotels", dependencies=[SIGNED_IN])
def hotels_page(request: Request, session: SessionDep, scope: ScopeDep) -> Response:
    hotels = org.list_hotels(session, scope=scope)
    return render(request, "hotels.html", {"hotels": hotels, "active": "hotels"})


@router.get("/hotels/{code}", dependencies=[SIGNED_IN])
def hotel_page(
    request: Request, code: str, session: SessionDep, scope: ScopeDep, paging: PagingDep
) -> Response:
    hotel = org.get_hotel(session, scope=scope, code=code)
    guests = profiles.list_guests(session, scope=scope, paging=paging, hotel_code=code)
    template = "_guest_rows.html" if request.headers.get("HX-Request") else "hotel.html"
    context = {"hotel": hotel, "page": guests, "active": "hotels", "base_url": f"/hotels/{code}"}
    return render(request, template, context)


@router.get("/guests", dependencies=[allow(Permission.GUEST_READ)])
def guests_page(
    request: Request,
    session: SessionDep,
    scope: ScopeDep,
    paging: PagingDep,
    hotel: Annotated[str | None, Query(max_length=20)] = None,
    q: Annotated[str | None, Query(max_length=100)] = None,
) -> Response:
    if q and q.strip():
        page = profiles.search_guests(session, scope=scope, q=q, paging=paging)
    else:
        page = profiles.list_guests(session, scope=scope, paging=paging, hotel_code=hotel or None)
    hotels = org.list_hotels(session, scope=scope)
    context = {
        "page": page,
        "hotels": hotels,
        "hotel_filter": hotel or "",
        "query": q or "",
        "active": "guests",
        "base_url": "/guests",
    }
    template = "_guest_rows.html" if request.headers.get("HX-Request") else "guests.html"
    return render(request, template, context)


@router.get("/guests/{public_id}", dependencies=[allow(Permission.GUEST_READ)])
def guest_page(
    request: Request, public_id: str, session: SessionDep, scope: ScopeDep, locale: LocaleDep
) -> Response:
    profile = profiles.get_profile(session, scope=scope, public_id=public_id)
    if profile.public_id != public_id:  # a merged guest's old ID: show the survivor at its own address
        return RedirectResponse(f"/guests/{profile.public_id}", status_code=301)
    desk = frontdesk.desk_options(session, scope)
    insight = analytics.guest_insight(
        session, scope=scope, public_id=public_id, rules=analytics.load_rules(), locale=locale
    )
    audit.log_event(session, "guest.read", guest_public_id=profile.public_id)
    context = {
        "profile": profile,
        "insight": insight,
        "desk": desk,
        "active": "guests",
        "reveal_fields": profiles.REVEAL_FIELDS,
        "purposes": profiles.PURPOSES,
        "merges": identity.guest_merges(session, scope=scope, public_id=public_id),
        "recommendations": recommend.guest_recommendations(
            session, scope=scope, public_id=public_id, today=datetime.now(UTC).date()
        ),
    }
    return render(request, "guest.html", context)


@router.post("/guests/{public_id}/reveal", dependencies=[allow(Permission.GUEST_REVEAL)])
def guest_reveal(
    request: Request,
    public_id: str,
    session: SessionDep,
    principal: CurrentPrincipal,
    field: Annotated[str, Form(max_length=30)],
    purpose: Annotated[str, Form(max_length=40)],
) -> Response:
    shown = profiles.reveal(
        session,
        principal,
        scope=principal.scope,
        public_id=public_id,
        field=field,
        purpose=purpose,
        now=datetime.now(UTC),
    )
    return render(request, "_revealed.html", {"shown": shown})


@router.get("/lang/{locale}", dependencies=[PUBLIC])
def switch_language(locale: str, next: str = "/") -> Response:  # noqa: A002 - the query parameter is `next`
    if locale not in LOCALES:
        raise NotFound(f"Language {locale!r} is not available.", hint=f"Choose one of: {', '.join(LOCALES)}.")
    target = next if next.startswith("/") and not next.startswith("//") else "/"
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(LOCALE_COOKIE, locale, max_age=365 * 86400, httponly=True, samesite="lax")
    return response


@router.get("/favicon.ico", dependencies=[PUBLIC])
def favicon() -> Response:
    return RedirectResponse("/static/favicon.svg", status_code=301)


@router.get("/soon/{section}", dependencies=[SIGNED_IN])
def coming_soon(request: Request, section: str) -> Response:
    if section not in COMING:
        raise NotFound(f"No section called {section!r}.")
    return render(request, "coming_soon.html", {"section": COMING[section], "active": section})
