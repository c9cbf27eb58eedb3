"""JSON API under /api/v1: thin adapters over the service functions."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, ConfigDict, Field

from guestgraph import __version__, audit, identity, org, profiles, recommend
from guestgraph.access import Permission
from guestgraph.db import database_status
from guestgraph.paging import Page
from guestgraph.web._answers import PageOut, page_out
from guestgraph.web._auth import PUBLIC, SIGNED_IN, CurrentPrincipal, ScopeDep, allow
from guestgraph.web._deps import PagingDep, SessionDep

SEARCH_HELP = (
    "Search: a phone in any format or its last 4 digits, a name in Han, pinyin or Latin script, "
    "an e-mail, a loyalty, confirmation or ID number."
)
router = APIRouter(prefix="/api/v1", tags=["api"])
health = APIRouter(tags=["health"])
API_DOCS_HTML = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>guestgraph API</title>
<link rel="stylesheet" href="/static/vendor/swagger-ui/swagger-ui.css"></head>
<body><div id="swagger-ui"></div>
<script src="/static/vendor/swagger-ui/swagger-ui-bundle.js"></script>
<script src="/static/js/api-docs.js"></script></body></html>
"""


class Health(BaseModel):
    status: str
    version: str
    database: str
    schema_revision: str | None
    schema_current: bool


@health.get("/api/docs", include_in_schema=False, response_class=HTMLResponse, dependencies=[PUBLIC])
def api_docs() -> str:
    return API_DOCS_HTML


@health.get("/healthz", response_model=Health, summary="Liveness and database check", dependencies=[PUBLIC])
def healthz(session: SessionDep) -> Health:
    status = database_status(session)
    return Health(
        status="ok",
        version=__version__,
        database=status.dialect,
        schema_revision=status.revision,
        schema_current=status.current,
    )


@router.get(
    "/hotels",
    response_model=list[org.HotelPublic],
    summary="Hotels in your data scope",
    dependencies=[SIGNED_IN],
)
def api_hotels(session: SessionDep, scope: ScopeDep) -> list[org.HotelPublic]:
    return org.list_hotels(session, scope=scope)


@router.get("/hotels/{code}", response_model=org.HotelPublic, summary="One hotel", dependencies=[SIGNED_IN])
def api_hotel(code: str, session: SessionDep, scope: ScopeDep) -> org.HotelPublic:
    return org.get_hotel(session, scope=scope, code=code)


@dataclass(frozen=True)
class GuestProfileOut(profiles.GuestProfile):
    """The 360° profile as the API gives it, with the room type and packages to suggest."""

    recommendations: list[recommend.Recommendation] = field(default_factory=list)


@router.get(
    "/guests/{public_id}",
    response_model=GuestProfileOut,
    summary="The 360° profile of one guest (masked, in your data scope)",
    dependencies=[allow(Permission.GUEST_READ)],
)
def api_guest(public_id: str, session: SessionDep, scope: ScopeDep) -> dict[str, object]:
    profile = profiles.get_profile(session, scope=scope, public_id=public_id)
    found = recommend.guest_recommendations(
        session, scope=scope, public_id=profile.public_id, today=datetime.now(UTC).date()
    )
    audit.log_event(session, "guest.read", guest_public_id=profile.public_id)
    return {**asdict(profile), "recommendations": [asdict(r) for r in found]}


class LinkOut(BaseModel):
    source_system: str
    external_id: str = Field(description="The record's ID in its source system.")
    guest_id: str = Field(description="The guest's public ID (a merged guest's ID gives its survivor).")
    record_type: str


@router.get(
    "/links",
    response_model=PageOut[LinkOut],
    summary="Source record -> guest ID cross-reference, one page at a time",
    dependencies=[allow(Permission.IMPORT_MANAGE)],
)
def api_links(
    session: SessionDep,
    scope: ScopeDep,
    paging: PagingDep,
    source: Annotated[str | None, Query(max_length=40, description="Only this source system.")] = None,
) -> dict[str, object]:
    page = identity.list_links(session, scope=scope, paging=paging, source=source)
    return page_out(Page([asdict(link) for link in page.items], page.total, page.page, page.size))


@router.get(
    "/links/{system}/{external_id}",
    response_model=LinkOut,
    summary="The guest ID of one source record",
    dependencies=[allow(Permission.IMPORT_MANAGE)],
)
def api_link(system: str, external_id: str, session: SessionDep, scope: ScopeDep) -> dict[str, str]:
    return asdict(identity.find_link(session, scope=scope, source=system, external_id=external_id))


@router.get(
    "/guests",
    response_model=PageOut[profiles.GuestSummary],
    summary="Guests, one page at a time",
    dependencies=[allow(Permission.GUEST_READ)],
)
def api_guests(
    session: SessionDep,
    scope: ScopeDep,
    paging: PagingDep,
    hotel: Annotated[
        str | None, Query(max_length=20, description="Only guests seen at this hotel code.")
    ] = None,
    q: Annotated[str | None, Query(max_length=100, description=SEARCH_HELP)] = None,
) -> dict[str, object]:
    if q and q.strip():
        return page_out(profiles.search_guests(session, scope=scope, q=q, paging=paging))
    return page_out(profiles.list_guests(session, scope=scope, paging=paging, hotel_code=hotel))


class RevealIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    field: Literal["phone", "email", "id_document_number", "birth_date"]
    purpose: Literal[
        "check_in_verification",
        "guest_request",
        "police_registration",
        "billing_dispute",
        "data_subject_request",
        "security_investigation",
    ] = Field(description="Why you need the full value (logged).")


class RevealOut(BaseModel):
    public_id: str
    field: str
    value: str | None
    purpose: str
    expires_at: datetime


@router.post(
    "/guests/{public_id}/reveal",
    response_model=RevealOut,
    summary="See one full value for a stated purpose (logged; the grant lasts a few minutes)",
    dependencies=[allow(Permission.GUEST_REVEAL)],
)
def api_reveal(public_id: str, body: RevealIn, session: SessionDep, principal: CurrentPrincipal) -> RevealOut:
    shown = profiles.reveal(
        session,
        principal,
        scope=principal.scope,
        public_id=public_id,
        field=body.field,
        purpose=body.purpose,
        now=datetime.now(UTC),
    )
    return RevealOut(**asdict(shown))


@router.get(
    "/guests/{public_id}/reveal/{field}",
    response_model=RevealOut,
    summary="The value again while your grant for it lasts",
    dependencies=[allow(Permission.GUEST_REVEAL)],
)
def api_revealed(public_id: str, field: str, session: SessionDep, principal: CurrentPrincipal) -> RevealOut:
    shown = profiles.revealed_again(
        session, principal, scope=principal.scope, public_id=public_id, field=field, now=datetime.now(UTC)
    )
    return RevealOut(**asdict(shown))
