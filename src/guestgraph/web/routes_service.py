"""Service tickets over HTTP, as pages: the board and SLA dashboard, the ticket page with its history
and HTMX actions, attachments, and the guest profile's open tickets; the JSON under /api/v1/tickets
is in `routes_service_api`. Thin adapters: scope, lifecycle and SLA rules live in `guestgraph.service`.

Who may use what: working tickets needs ticket.manage (the service agent role); the SLA dashboard
alone (/service/sla, /api/v1/service/sla) needs report.read (hotel and regional managers); the
open tickets on a guest's profile need guest.read."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Any, Literal
from urllib.parse import quote

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from guestgraph import frontdesk, profiles, selfservice, service
from guestgraph.access import Permission
from guestgraph.db import session_scope
from guestgraph.db.models import TicketStatus
from guestgraph.web._auth import CurrentPrincipal, ScopeDep, allow, now_utc
from guestgraph.web._deps import FactoryDep, SessionDep, SettingsDep
from guestgraph.web._render import qr_svg, render

router = APIRouter()
api = "/api/v1"
TICKETS = allow(Permission.TICKET_MANAGE)
Status = Literal["open", "assigned", "in_progress", "resolved", "closed"]
# "row": an HTMX action from the board answers with the ticket's board row instead of its page section
View = Annotated[Literal["", "row"], Query()]
FILE: dict[int | str, dict[str, Any]] = {
    200: {
        "content": {
            t: {}
            for t in ("image/jpeg", "image/png", "image/webp", "image/gif", "application/pdf", "text/plain")
        },
        "description": "The file's bytes, in the type found from them.",
    }
}


class TicketIn(BaseModel):
    model_config = {"extra": "forbid"}
    title: str = Field(min_length=1, max_length=200)
    category: str = Field("other", max_length=20, description=f"One of: {', '.join(service.CATEGORIES)}.")
    priority: str = Field("normal", max_length=10, description=f"One of: {', '.join(service.PRIORITIES)}.")
    hotel_code: str | None = Field(None, max_length=20, description="Default: your hotel if you have one.")
    description: str | None = Field(None, max_length=4000)
    guest_id: str | None = Field(None, max_length=20, description="The guest's public ID (in your scope).")
    team: str | None = Field(None, max_length=40, description="Auto-assigned to its least-loaded member.")
    assignee_id: int | None = None
    interaction_id: int | None = Field(None, description="A logged complaint: its guest, hotel and text.")


class StatusIn(BaseModel):
    model_config = {"extra": "forbid"}
    status: Status
    note: str | None = Field(None, max_length=4000)


class CommentIn(BaseModel):
    model_config = {"extra": "forbid"}
    text: str = Field(min_length=1, max_length=4000)


class AssignIn(BaseModel):
    model_config = {"extra": "forbid"}
    assignee_id: int


# --- what the API answers (AC-04: only these keys leave) ------------------------------------------


class TicketOut(BaseModel):
    id: int
    hotel: str = Field(description="The hotel's code.")
    category: str
    priority: str
    status: Status
    title: str
    description: str | None
    team: str | None
    assignee: str | None = Field(description="The assignee's display name.")
    guest_id: str | None = Field(description="The guest's public ID.")
    created_at: datetime
    respond_due_at: datetime
    resolve_due_at: datetime
    first_response_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None
    respond_breached: bool
    resolve_breached: bool


class TicketEventOut(BaseModel):
    at: datetime
    actor: str | None
    kind: str
    from_status: str | None
    to_status: str | None
    text: str | None


class AttachmentOut(BaseModel):
    id: int
    filename: str
    content_type: str
    size: int = Field(description="Bytes.")
    uploaded_by: str | None
    uploaded_at: datetime


class RatingOut(BaseModel):
    """The guest's rating of one resolution."""

    id: int
    state: str
    created_at: datetime
    expires_at: datetime
    sent_at: datetime | None
    skip_reason: str | None
    rated_at: datetime | None
    score: int | None
    comment: str | None


class TicketDetailOut(TicketOut):
    history: list[TicketEventOut] = Field(description="Every change of the ticket, oldest first.")
    attachments: list[AttachmentOut]
    ratings: list[RatingOut]


class SlaOut(BaseModel):
    hotel: str
    category: str
    tickets: int
    open: int
    breached_open: int
    breached_total: int
    median_response_minutes: float | None
    median_resolution_minutes: float | None
    ratings: int
    average_rating: float | None


def ticket_detail(session: SessionDep, scope: ScopeDep, ticket_id: int) -> dict[str, Any]:
    ticket = service.get_ticket(session, scope=scope, ticket_id=ticket_id)
    history = service.ticket_history(session, scope=scope, ticket_id=ticket_id)
    return {
        "ticket": ticket,
        "history": history,
        "attachments": service.list_attachments(session, scope=scope, ticket_id=ticket_id),
        "ratings": service.ticket_ratings(session, scope=scope, ticket_id=ticket_id, now=now_utc()),
        "moves": sorted(service.TRANSITIONS[TicketStatus(ticket.status)]),
    }


def _after(
    request: Request, session: SessionDep, scope: ScopeDep, ticket_id: int, view: str = ""
) -> Response:
    if not request.headers.get("HX-Request"):
        return RedirectResponse(f"/service/tickets/{ticket_id}", status_code=303)
    if view == "row":
        return render(
            request, "_ticket_row.html", {"t": service.get_ticket(session, scope=scope, ticket_id=ticket_id)}
        )
    return render(request, "_ticket_detail.html", ticket_detail(session, scope, ticket_id))


# --- pages ----------------------------------------------------------------------------------------


@router.get("/service", include_in_schema=False, dependencies=[TICKETS])
def board(
    request: Request,
    session: SessionDep,
    scope: ScopeDep,
    status: Annotated[str, Query(max_length=20)] = "",
    hotel: Annotated[str, Query(max_length=20)] = "",
    category: Annotated[str, Query(max_length=20)] = "",
) -> Response:
    tickets = service.list_tickets(
        session, scope=scope, status=status or None, hotel_code=hotel or None, category=category or None,
        open_only=not status,
    )  # fmt: skip
    context = {
        "active": "service",
        "tickets": tickets,
        "sla": service.sla_dashboard(session, scope=scope),
        "hotels": frontdesk.desk_options(session, scope).hotels,
        "categories": service.CATEGORIES,
        "priorities": service.PRIORITIES,
        "statuses": list(service.TRANSITIONS),
        "filters": {"status": status, "hotel": hotel, "category": category},
    }
    return render(request, "service.html", context)


@router.get("/service/sla", include_in_schema=False, dependencies=[allow(Permission.REPORT_READ)])
def sla_page(request: Request, session: SessionDep, scope: ScopeDep) -> Response:
    return render(
        request, "service_sla.html", {"active": "sla", "sla": service.sla_dashboard(session, scope=scope)}
    )


@router.post("/service/tickets", include_in_schema=False, dependencies=[TICKETS])
def create_form(
    session: SessionDep,
    scope: ScopeDep,
    settings: SettingsDep,
    principal: CurrentPrincipal,
    title: Annotated[str, Form(max_length=200)],
    category: Annotated[str, Form(max_length=20)] = "other",
    priority: Annotated[str, Form(max_length=10)] = "normal",
    hotel: Annotated[str, Form(max_length=20)] = "",
    guest: Annotated[str, Form(max_length=20)] = "",
    team: Annotated[str, Form(max_length=40)] = "",
    description: Annotated[str, Form(max_length=4000)] = "",
) -> Response:
    spec = service.NewTicket(
        title, category, priority, hotel or None, description or None, guest or None, team or None
    )
    ticket = service.create_ticket(
        session, scope=scope, ticket=spec, actor_id=principal.user_id, now=now_utc(),
        default_hours=settings.service_hours_default,
    )  # fmt: skip
    return RedirectResponse(f"/service/tickets/{ticket.id}", status_code=303)


@router.get("/service/tickets/{ticket_id}", include_in_schema=False, dependencies=[TICKETS])
def ticket_page(request: Request, ticket_id: int, session: SessionDep, scope: ScopeDep) -> Response:
    return render(request, "ticket.html", {"active": "service", **ticket_detail(session, scope, ticket_id)})


@router.post("/service/tickets/{ticket_id}/status", include_in_schema=False, dependencies=[TICKETS])
def status_form(
    request: Request,
    ticket_id: int,
    session: SessionDep,
    scope: ScopeDep,
    principal: CurrentPrincipal,
    settings: SettingsDep,
    status: Annotated[str, Form(max_length=20)],
    note: Annotated[str, Form(max_length=4000)] = "",
    view: View = "",
) -> Response:
    service.change_status(
        session,
        scope=scope,
        ticket_id=ticket_id,
        to=status,
        actor_id=principal.user_id,
        now=now_utc(),
        note=note,
        rating_valid_for=timedelta(days=settings.rating_valid_days),
    )
    return _after(request, session, scope, ticket_id, view)


@router.post("/service/tickets/{ticket_id}/take", include_in_schema=False, dependencies=[TICKETS])
def take_form(
    request: Request,
    ticket_id: int,
    session: SessionDep,
    scope: ScopeDep,
    principal: CurrentPrincipal,
    view: View = "",
) -> Response:
    uid = principal.user_id
    service.assign_ticket(
        session, scope=scope, ticket_id=ticket_id, assignee_id=uid, actor_id=uid, now=now_utc()
    )
    return _after(request, session, scope, ticket_id, view)


@router.post("/service/tickets/{ticket_id}/comments", include_in_schema=False, dependencies=[TICKETS])
def comment_form(
    request: Request,
    ticket_id: int,
    session: SessionDep,
    scope: ScopeDep,
    principal: CurrentPrincipal,
    text: Annotated[str, Form(max_length=4000)],
) -> Response:
    service.add_comment(
        session, scope=scope, ticket_id=ticket_id, text=text, actor_id=principal.user_id, now=now_utc()
    )
    return _after(request, session, scope, ticket_id)


@router.post("/service/complaints/{interaction_id}", include_in_schema=False, dependencies=[TICKETS])
def complaint_form(
    interaction_id: int,
    session: SessionDep,
    scope: ScopeDep,
    settings: SettingsDep,
    principal: CurrentPrincipal,
) -> Response:
    ticket = service.ticket_from_interaction(
        session, scope=scope, interaction_id=interaction_id, actor_id=principal.user_id, now=now_utc(),
        default_hours=settings.service_hours_default,
    )  # fmt: skip
    return RedirectResponse(f"/service/tickets/{ticket.id}", status_code=303)


@router.get(
    "/service/guests/{public_id}", include_in_schema=False, dependencies=[allow(Permission.GUEST_READ)]
)
def guest_tickets(request: Request, public_id: str, session: SessionDep, scope: ScopeDep) -> Response:
    guest = profiles.visible_guest(session, scope, public_id)
    context = {
        "tickets": service.list_tickets(session, scope=scope, guest_id=guest.id, open_only=True),
        "complaints": service.complaints_without_ticket(session, scope=scope, guest_id=guest.id),
        "public_id": guest.public_id,
        "hotels": frontdesk.desk_options(session, scope).hotels,
    }
    return render(request, "_guest_tickets.html", context)


@router.post("/service/guests/{public_id}/self-service-link", include_in_schema=False, dependencies=[TICKETS])
def self_service_link_form(
    request: Request,
    public_id: str,
    session: SessionDep,
    scope: ScopeDep,
    settings: SettingsDep,
    principal: CurrentPrincipal,
    hotel: Annotated[str, Form(max_length=20)],
) -> Response:
    """Issue the guest's self-service link at a hotel: the address (shown this once) and its QR code
    to print for the room or send in a message."""
    issued = selfservice.issue_link(
        session, scope=scope, guest_public_id=public_id, hotel_code=hotel,
        base_url=settings.public_base_url.rstrip("/"),
        valid_for=timedelta(days=settings.self_service_valid_days), actor_id=principal.user_id, now=now_utc(),
    )  # fmt: skip
    context = {"issued": issued, "hotel": hotel, "qr": qr_svg(issued.url, title="self-service")}
    return render(request, "_self_service_link.html", context)


async def read_upload(file: UploadFile) -> bytes:
    content = await file.read(service.MAX_BYTES + 1)  # one byte over the limit is enough to refuse
    await file.close()
    return content


@router.post("/service/tickets/{ticket_id}/attachments", include_in_schema=False, dependencies=[TICKETS])
async def attachment_form(
    request: Request,
    ticket_id: int,
    file: Annotated[UploadFile, File()],
    factory: FactoryDep,
    scope: ScopeDep,
    principal: CurrentPrincipal,
) -> Response:
    content = await read_upload(file)

    def store() -> None:
        with session_scope(factory) as session:
            service.add_attachment(
                session, scope=scope, ticket_id=ticket_id, filename=file.filename or "", content=content,
                actor_id=principal.user_id, now=now_utc(),
            )  # fmt: skip

    await run_in_threadpool(store)
    return RedirectResponse(f"/service/tickets/{ticket_id}", status_code=303)


def attachment_file(session: SessionDep, scope: ScopeDep, ticket_id: int, attachment_id: int) -> Response:
    line, content = service.read_attachment(
        session, scope=scope, ticket_id=ticket_id, attachment_id=attachment_id
    )
    disposition = "inline" if line.content_type.startswith("image/") else "attachment"
    quoted = quote(line.filename)
    headers = {
        "Content-Disposition": f"{disposition}; filename*=UTF-8''{quoted}",
        "Content-Security-Policy": "default-src 'none'; sandbox",
        "Cache-Control": "private, no-store",
    }
    return Response(content, media_type=line.content_type, headers=headers)


@router.get(
    "/service/tickets/{ticket_id}/attachments/{attachment_id}",
    include_in_schema=False,
    dependencies=[TICKETS],
)
def attachment_page(ticket_id: int, attachment_id: int, session: SessionDep, scope: ScopeDep) -> Response:
    return attachment_file(session, scope, ticket_id, attachment_id)
