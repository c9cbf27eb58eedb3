"""Service tickets as JSON under /api/v1/tickets (and the SLA figures under /api/v1/service/sla); the
pages are in `routes_service`, whose permissions, models (what the API takes and answers) and helpers
these routes share. Thin adapters: scope, lifecycle and SLA rules live in `guestgraph.service`."""

from __future__ import annotations

from dataclasses import asdict
from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, File, Query, UploadFile
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from guestgraph import service
from guestgraph.access import Permission
from guestgraph.db import session_scope
from guestgraph.web._auth import CurrentPrincipal, ScopeDep, allow, now_utc
from guestgraph.web._deps import FactoryDep, SessionDep, SettingsDep
from guestgraph.web.routes_service import (
    FILE,
    TICKETS,
    AssignIn,
    AttachmentOut,
    CommentIn,
    SlaOut,
    Status,
    StatusIn,
    TicketDetailOut,
    TicketIn,
    TicketOut,
    attachment_file,
    read_upload,
    ticket_detail,
)

router = APIRouter()
api = "/api/v1"
# --- JSON -----------------------------------------------------------------------------------------


@router.post(
    f"{api}/tickets/{{ticket_id}}/attachments",
    status_code=201,
    response_model=AttachmentOut,
    dependencies=[TICKETS],
)
async def api_attach(
    ticket_id: int,
    file: Annotated[UploadFile, File(description="JPEG, PNG, WebP, GIF, PDF or plain text; at most 5 MB.")],
    factory: FactoryDep,
    scope: ScopeDep,
    principal: CurrentPrincipal,
) -> dict[str, Any]:
    """Put a file on the ticket (its type is found from its bytes)."""
    content = await read_upload(file)

    def store() -> service.AttachmentLine:
        with session_scope(factory) as session:
            return service.add_attachment(
                session, scope=scope, ticket_id=ticket_id, filename=file.filename or "", content=content,
                actor_id=principal.user_id, now=now_utc(),
            )  # fmt: skip

    return asdict(await run_in_threadpool(store))


@router.get(
    f"{api}/tickets/{{ticket_id}}/attachments/{{attachment_id}}",
    response_class=Response,
    responses=FILE,
    dependencies=[TICKETS],
)
def api_attachment(ticket_id: int, attachment_id: int, session: SessionDep, scope: ScopeDep) -> Response:
    """The file's bytes (audited when the ticket is about a guest)."""
    return attachment_file(session, scope, ticket_id, attachment_id)


@router.get(f"{api}/tickets", response_model=list[TicketOut], dependencies=[TICKETS])
def api_list(
    session: SessionDep,
    scope: ScopeDep,
    status: Annotated[Status | None, Query()] = None,
    hotel: Annotated[str | None, Query(max_length=20)] = None,
    category: Annotated[str | None, Query(max_length=20)] = None,
    open_only: bool = False,
) -> list[dict[str, Any]]:
    """Tickets in your scope, most urgent resolve deadline first (at most 200)."""
    found = service.list_tickets(
        session, scope=scope, status=status, hotel_code=hotel, category=category, open_only=open_only
    )
    return [asdict(t) for t in found]


@router.post(f"{api}/tickets", status_code=201, response_model=TicketOut, dependencies=[TICKETS])
def api_create(
    body: TicketIn, session: SessionDep, scope: ScopeDep, settings: SettingsDep, principal: CurrentPrincipal
) -> dict[str, Any]:
    """Open a ticket (or, with `interaction_id`, the ticket for a logged complaint) with its SLA due times."""
    now, hours, actor = now_utc(), settings.service_hours_default, principal.user_id
    if body.interaction_id is not None:
        ticket = service.ticket_from_interaction(
            session, scope=scope, interaction_id=body.interaction_id, actor_id=actor, now=now,
            default_hours=hours, category=body.category, priority=body.priority,
        )  # fmt: skip
    else:
        spec = service.NewTicket(
            body.title, body.category, body.priority, body.hotel_code, body.description, body.guest_id,
            body.team, body.assignee_id,
        )  # fmt: skip
        ticket = service.create_ticket(
            session, scope=scope, ticket=spec, actor_id=actor, now=now, default_hours=hours
        )
    return asdict(ticket)


@router.get(f"{api}/tickets/{{ticket_id}}", response_model=TicketDetailOut, dependencies=[TICKETS])
def api_get(ticket_id: int, session: SessionDep, scope: ScopeDep) -> dict[str, Any]:
    """A ticket in your scope with its full history and the guest's ratings of it (one per resolution)."""
    detail = ticket_detail(session, scope, ticket_id)
    return {
        **asdict(detail["ticket"]),
        "history": [asdict(e) for e in detail["history"]],
        "attachments": [asdict(a) for a in detail["attachments"]],
        "ratings": [asdict(r) for r in detail["ratings"]],
    }


@router.post(f"{api}/tickets/{{ticket_id}}/status", response_model=TicketOut, dependencies=[TICKETS])
def api_status(
    ticket_id: int,
    body: StatusIn,
    session: SessionDep,
    scope: ScopeDep,
    principal: CurrentPrincipal,
    settings: SettingsDep,
) -> dict[str, Any]:
    """Move the ticket along its lifecycle (409 when the move is not allowed; back to open reopens).
    Resolving a ticket about a guest opens the guest's rating of it."""
    ticket = service.change_status(
        session,
        scope=scope,
        ticket_id=ticket_id,
        to=body.status,
        actor_id=principal.user_id,
        now=now_utc(),
        note=body.note,
        rating_valid_for=timedelta(days=settings.rating_valid_days),
    )
    return asdict(ticket)


@router.post(f"{api}/tickets/{{ticket_id}}/comments", response_model=TicketOut, dependencies=[TICKETS])
def api_comment(
    ticket_id: int, body: CommentIn, session: SessionDep, scope: ScopeDep, principal: CurrentPrincipal
) -> dict[str, Any]:
    """Comment on the ticket; the first comment counts as the first response."""
    ticket = service.add_comment(
        session, scope=scope, ticket_id=ticket_id, text=body.text, actor_id=principal.user_id, now=now_utc()
    )
    return asdict(ticket)


@router.post(f"{api}/tickets/{{ticket_id}}/assign", response_model=TicketOut, dependencies=[TICKETS])
def api_assign(
    ticket_id: int, body: AssignIn, session: SessionDep, scope: ScopeDep, principal: CurrentPrincipal
) -> dict[str, Any]:
    """Give the ticket to a member of staff."""
    ticket = service.assign_ticket(
        session,
        scope=scope,
        ticket_id=ticket_id,
        assignee_id=body.assignee_id,
        actor_id=principal.user_id,
        now=now_utc(),
    )
    return asdict(ticket)


@router.get(f"{api}/service/sla", response_model=list[SlaOut], dependencies=[allow(Permission.REPORT_READ)])
def api_sla(session: SessionDep, scope: ScopeDep) -> list[dict[str, Any]]:
    """The SLA dashboard's figures per hotel and category in your scope (medians in minutes)."""
    return [asdict(row) for row in service.sla_dashboard(session, scope=scope)]
