"""The unified inbox over HTTP: the list and conversation pages (reply with a template, make a
ticket, link the guest, close), logging a phone call, JSON under /api/v1/inbox, and the signed
webhooks SMS and WeChat gateways deliver inbound messages to. Thin adapters over `guestgraph.inbox`.

Working the inbox needs ticket.manage (the service agent role); the webhooks are authenticated by
the gateway's HMAC signature over the body (no session)."""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Form, Header, Query, Request
from fastapi.responses import RedirectResponse, Response
from markupsafe import escape
from pydantic import BaseModel, Field, ValidationError
from starlette.concurrency import run_in_threadpool

from guestgraph import engage, frontdesk, inbox, service
from guestgraph.access import Permission
from guestgraph.config import Settings
from guestgraph.db import session_scope
from guestgraph.web._auth import SOURCE_KEY, CurrentPrincipal, ScopeDep, allow, now_utc
from guestgraph.web._deps import FactoryDep, LocaleDep, SessionDep, SettingsDep
from guestgraph.web._render import render
from guestgraph.web.routes_service import TicketOut

router = APIRouter()
api = "/api/v1/inbox"
INBOX = allow(Permission.TICKET_MANAGE)
Status = Literal["open", "closed"]
TextChannel = Literal["sms", "wechat"]


class ReplyIn(BaseModel):
    model_config = {"extra": "forbid"}
    text: str = Field(min_length=1, max_length=20_000)


class TicketIn(BaseModel):
    model_config = {"extra": "forbid"}
    category: str = Field("other", max_length=20, description=f"One of: {', '.join(service.CATEGORIES)}.")
    priority: str = Field("normal", max_length=10, description=f"One of: {', '.join(service.PRIORITIES)}.")
    title: str | None = Field(None, max_length=200, description="Default: the subject or first line.")


class GuestIn(BaseModel):
    model_config = {"extra": "forbid"}
    guest_id: str = Field(min_length=1, max_length=20, description="The guest's public ID (in your scope).")


class StatusIn(BaseModel):
    model_config = {"extra": "forbid"}
    status: Status


class CallIn(BaseModel):
    model_config = {"extra": "forbid"}
    hotel_code: str = Field(min_length=1, max_length=20)
    phone: str = Field(min_length=3, max_length=40)
    direction: Literal["in", "out"] = "in"
    notes: str = Field(min_length=1, max_length=20_000)


class GatewayMessage(BaseModel):
    """What an SMS or WeChat gateway posts for one inbound message."""

    model_config = {"extra": "ignore"}
    sender: str = Field(alias="from", min_length=1, max_length=254, description="Phone number or account.")
    text: str = Field(min_length=1, max_length=20_000)
    id: str = Field(min_length=1, max_length=255, description="The gateway's message id (idempotency).")
    sent_at: datetime | None = None


# --- what the API answers (AC-04: only these keys leave; contacts are masked by `inbox`) -----------


class ConversationOut(BaseModel):
    id: int
    hotel: str
    channel: str
    counterpart: str | None = Field(description="The guest's number or address, masked.")
    subject: str | None
    guest_id: str | None = Field(description="The guest's public ID, when matched.")
    guest_name: str | None = Field(description="Masked.")
    match: str = Field(description="How the sender was matched to a guest.")
    candidates: int = Field(description="Guests the sender could be, when not matched to one.")
    status: str
    unread: int
    ticket_id: int | None
    last_message_at: datetime


class MessageOut(BaseModel):
    id: int
    direction: str
    at: datetime
    text: str | None
    staff: str | None
    delivery: str
    error: str | None


class ConversationDetailOut(ConversationOut):
    messages: list[MessageOut]


class ReplyTemplateOut(BaseModel):
    key: str
    title: str
    text: str = Field(description="Unfilled: its placeholders are filled for each guest.")


class FilledOut(BaseModel):
    text: str


class SentOut(BaseModel):
    delivered: bool = Field(description="False: the reply is kept with the gateway's error.")
    message: MessageOut


class LinkedOut(BaseModel):
    guest_id: str


class StatusOut(BaseModel):
    status: Status


class ReceivedOut(BaseModel):
    conversation_id: int
    message_id: int
    guest_public_id: str | None
    match: str
    new_conversation: bool
    duplicate: bool = Field(description="The same message id again: stored once.")
    ticket_id: int | None


def _policy(settings: Settings) -> inbox.InboxPolicy:
    return inbox.InboxPolicy.from_settings(settings)


def _received(r: inbox.Received) -> dict[str, Any]:
    return asdict(r)


# --- pages ----------------------------------------------------------------------------------------


@router.get("/inbox", include_in_schema=False, dependencies=[INBOX])
def inbox_page(
    request: Request,
    session: SessionDep,
    scope: ScopeDep,
    status: Annotated[str, Query(max_length=10)] = "open",
    hotel: Annotated[str, Query(max_length=20)] = "",
    channel: Annotated[str, Query(max_length=10)] = "",
) -> Response:
    found = inbox.list_conversations(
        session, scope=scope, status=status or None, hotel_code=hotel or None, channel=channel or None
    )
    context = {
        "active": "inbox",
        "conversations": found,
        "hotels": frontdesk.desk_options(session, scope).hotels,
        "channels": inbox.CHANNELS,
        "statuses": inbox.STATUSES,
        "filters": {"status": status, "hotel": hotel, "channel": channel},
    }
    template = "_inbox_rows.html" if request.headers.get("HX-Request") else "inbox.html"
    return render(request, template, context)


def _conversation_context(
    session: SessionDep, scope: ScopeDep, conversation_id: int, locale: str
) -> dict[str, Any]:
    view = inbox.get_conversation(session, scope=scope, conversation_id=conversation_id, mark_read=True)
    return {
        "active": "inbox",
        "view": view,
        "templates": inbox.reply_templates(locale),
        "categories": service.CATEGORIES,
        "priorities": service.PRIORITIES,
    }


@router.get("/inbox/{conversation_id}", include_in_schema=False, dependencies=[INBOX])
def conversation_page(
    request: Request, conversation_id: int, session: SessionDep, scope: ScopeDep, locale: LocaleDep
) -> Response:
    return render(
        request, "conversation.html", _conversation_context(session, scope, conversation_id, locale)
    )


@router.get("/inbox/{conversation_id}/template", include_in_schema=False, dependencies=[INBOX])
def template_fill(
    conversation_id: int,
    session: SessionDep,
    scope: ScopeDep,
    key: Annotated[str, Query(max_length=40)],
    lang: Annotated[str, Query(max_length=5)] = "",
) -> Response:
    """The template filled for this conversation's guest, as the reply box's new text (HTMX)."""
    text = inbox.fill_template(
        session, scope=scope, conversation_id=conversation_id, key=key, lang=lang or None
    )
    box = '<textarea name="text" id="reply-text" rows="8" required maxlength="20000">'
    return Response(f"{box}{escape(text)}</textarea>", media_type="text/html")


@router.post("/inbox/{conversation_id}/reply", include_in_schema=False, dependencies=[INBOX])
def reply_form(
    conversation_id: int,
    session: SessionDep,
    scope: ScopeDep,
    settings: SettingsDep,
    principal: CurrentPrincipal,
    text: Annotated[str, Form(max_length=20_000)],
) -> Response:
    inbox.reply(
        session, scope=scope, conversation_id=conversation_id, text=text, actor_id=principal.user_id,
        now=now_utc(), policy=_policy(settings),
    )  # fmt: skip
    return RedirectResponse(f"/inbox/{conversation_id}", status_code=303)


@router.post("/inbox/{conversation_id}/ticket", include_in_schema=False, dependencies=[INBOX])
def ticket_form(
    conversation_id: int,
    session: SessionDep,
    scope: ScopeDep,
    settings: SettingsDep,
    principal: CurrentPrincipal,
    category: Annotated[str, Form(max_length=20)] = "other",
    priority: Annotated[str, Form(max_length=10)] = "normal",
) -> Response:
    ticket_id = inbox.to_ticket(
        session, scope=scope, conversation_id=conversation_id, category=category, priority=priority,
        actor_id=principal.user_id, now=now_utc(), default_hours=settings.service_hours_default,
    )  # fmt: skip
    return RedirectResponse(f"/service/tickets/{ticket_id}", status_code=303)


@router.post("/inbox/{conversation_id}/guest", include_in_schema=False, dependencies=[INBOX])
def guest_form(
    conversation_id: int, session: SessionDep, scope: ScopeDep, guest: Annotated[str, Form(max_length=20)]
) -> Response:
    inbox.link_guest(session, scope=scope, conversation_id=conversation_id, guest_public_id=guest.strip())
    return RedirectResponse(f"/inbox/{conversation_id}", status_code=303)


@router.post("/inbox/{conversation_id}/status", include_in_schema=False, dependencies=[INBOX])
def status_form(
    conversation_id: int, session: SessionDep, scope: ScopeDep, status: Annotated[str, Form(max_length=10)]
) -> Response:
    inbox.set_status(session, scope=scope, conversation_id=conversation_id, status=status)
    return RedirectResponse("/inbox" if status == "closed" else f"/inbox/{conversation_id}", status_code=303)


@router.post("/inbox/calls", include_in_schema=False, dependencies=[INBOX])
def call_form(
    session: SessionDep,
    scope: ScopeDep,
    settings: SettingsDep,
    principal: CurrentPrincipal,
    hotel: Annotated[str, Form(max_length=20)],
    phone: Annotated[str, Form(max_length=40)],
    notes: Annotated[str, Form(max_length=20_000)],
    direction: Annotated[str, Form(max_length=3)] = "in",
) -> Response:
    logged = inbox.log_call(
        session, scope=scope, hotel_code=hotel, phone=phone, direction=direction, notes=notes,
        actor_id=principal.user_id, now=now_utc(), default_hours=settings.service_hours_default,
    )  # fmt: skip
    return RedirectResponse(f"/inbox/{logged.conversation_id}", status_code=303)


# --- JSON -----------------------------------------------------------------------------------------


@router.get(api, response_model=list[ConversationOut], dependencies=[INBOX])
def api_list(
    session: SessionDep,
    scope: ScopeDep,
    status: Annotated[Status | None, Query()] = "open",
    hotel: Annotated[str | None, Query(max_length=20)] = None,
    channel: Annotated[str | None, Query(max_length=10)] = None,
) -> list[dict[str, Any]]:
    """Conversations in your scope, latest message first (at most 100); contacts masked."""
    found = inbox.list_conversations(session, scope=scope, status=status, hotel_code=hotel, channel=channel)
    return [asdict(c) for c in found]


@router.get(f"{api}/templates", response_model=list[ReplyTemplateOut], dependencies=[INBOX])
def api_templates(
    locale: LocaleDep, lang: Annotated[str | None, Query(max_length=5)] = None
) -> list[dict[str, Any]]:
    """The reply-template library (zh or en), unfilled."""
    return [asdict(t) for t in inbox.reply_templates(lang or locale)]


@router.get(f"{api}/{{conversation_id}}", response_model=ConversationDetailOut, dependencies=[INBOX])
def api_get(conversation_id: int, session: SessionDep, scope: ScopeDep) -> dict[str, Any]:
    """One conversation with its messages (reading it is audited)."""
    view = inbox.get_conversation(session, scope=scope, conversation_id=conversation_id)
    return {**asdict(view.conversation), "messages": [asdict(m) for m in view.messages]}


@router.get(f"{api}/{{conversation_id}}/templates/{{key}}", response_model=FilledOut, dependencies=[INBOX])
def api_fill(
    conversation_id: int,
    key: str,
    session: SessionDep,
    scope: ScopeDep,
    lang: Annotated[str | None, Query(max_length=5)] = None,
) -> dict[str, str]:
    """A reply template filled for the conversation's guest (in the guest's language unless `lang`)."""
    return {
        "text": inbox.fill_template(session, scope=scope, conversation_id=conversation_id, key=key, lang=lang)
    }


@router.post(f"{api}/{{conversation_id}}/reply", response_model=SentOut, dependencies=[INBOX])
def api_reply(
    conversation_id: int,
    body: ReplyIn,
    session: SessionDep,
    scope: ScopeDep,
    settings: SettingsDep,
    principal: CurrentPrincipal,
) -> dict[str, Any]:
    """Reply through the conversation's channel; `delivered` false keeps the reply with the error."""
    sent = inbox.reply(
        session, scope=scope, conversation_id=conversation_id, text=body.text, actor_id=principal.user_id,
        now=now_utc(), policy=_policy(settings),
    )  # fmt: skip
    return {"delivered": sent.delivered, "message": asdict(sent.message)}


@router.post(
    f"{api}/{{conversation_id}}/ticket", status_code=201, response_model=TicketOut, dependencies=[INBOX]
)
def api_ticket(
    conversation_id: int,
    body: TicketIn,
    session: SessionDep,
    scope: ScopeDep,
    settings: SettingsDep,
    principal: CurrentPrincipal,
) -> dict[str, Any]:
    """The conversation's ticket (opened now unless it has one)."""
    ticket_id = inbox.to_ticket(
        session, scope=scope, conversation_id=conversation_id, category=body.category,
        priority=body.priority, actor_id=principal.user_id, now=now_utc(),
        default_hours=settings.service_hours_default, title=body.title,
    )  # fmt: skip
    return asdict(service.get_ticket(session, scope=scope, ticket_id=ticket_id))


@router.post(f"{api}/{{conversation_id}}/guest", response_model=LinkedOut, dependencies=[INBOX])
def api_guest(conversation_id: int, body: GuestIn, session: SessionDep, scope: ScopeDep) -> dict[str, str]:
    """Link the conversation to the guest you identified."""
    linked = inbox.link_guest(
        session, scope=scope, conversation_id=conversation_id, guest_public_id=body.guest_id
    )
    return {"guest_id": linked}


@router.post(f"{api}/{{conversation_id}}/status", response_model=StatusOut, dependencies=[INBOX])
def api_status(conversation_id: int, body: StatusIn, session: SessionDep, scope: ScopeDep) -> dict[str, str]:
    """Close or reopen the conversation."""
    return {
        "status": inbox.set_status(session, scope=scope, conversation_id=conversation_id, status=body.status)
    }


@router.post(f"{api}/calls", status_code=201, response_model=ReceivedOut, dependencies=[INBOX])
def api_call(
    body: CallIn, session: SessionDep, scope: ScopeDep, settings: SettingsDep, principal: CurrentPrincipal
) -> dict[str, Any]:
    """Log a phone call with a guest (matched by the number, threaded with their conversation)."""
    logged = inbox.log_call(
        session, scope=scope, hotel_code=body.hotel_code, phone=body.phone, direction=body.direction,
        notes=body.notes, actor_id=principal.user_id, now=now_utc(),
        default_hours=settings.service_hours_default,
    )  # fmt: skip
    return _received(logged)


# --- gateway webhooks -----------------------------------------------------------------------------


@router.post(
    f"{api}/webhooks/{{channel}}/{{hotel}}",
    response_model=ReceivedOut,
    dependencies=[SOURCE_KEY],
    tags=["inbox"],
)
async def webhook(
    channel: TextChannel,
    hotel: str,
    request: Request,
    factory: FactoryDep,
    settings: SettingsDep,
    signature: Annotated[str | None, Header(alias=inbox.HEADER)] = None,
) -> dict[str, Any]:
    """An SMS or WeChat gateway delivers one inbound message: `{"from", "text", "id", "sent_at"?}`
    signed with `X-Guestgraph-Signature: sha256=<hex HMAC-SHA256 of the body>`. The same `id` twice
    is one message (answered with `duplicate: true`)."""
    raw = await request.body()
    policy = _policy(settings)
    inbox.verify(policy.gateway_secret, raw, signature)
    try:
        message = GatewayMessage.model_validate(json.loads(raw))
    except (ValueError, ValidationError) as e:
        raise inbox.InvalidMessage(
            f"The {channel} webhook body is not a message: {e}"[:500],
            hint='Send JSON {"from": "+8613800138000", "text": "…", "id": "gateway-id"}.',
        ) from e
    inbound = inbox.Inbound(
        channel=channel, hotel_code=hotel, sender=message.sender, body=message.text, external_id=message.id,
        at=(message.sent_at or datetime.now(UTC)).astimezone(UTC),
    )  # fmt: skip

    def store() -> inbox.Received:
        with session_scope(factory) as session:
            received = inbox.receive(session, inbound, default_hours=policy.default_hours)
            if channel == "sms" and received.guest_public_id and not received.duplicate:  # "TD": opt-out
                engage.opt_out_by_reply(
                    session, guest_public_id=received.guest_public_id, text=message.text,
                    evidence=f"SMS reply {message.id}", now=now_utc(),
                )  # fmt: skip
            return received

    return _received(await run_in_threadpool(store))


@router.post(f"{api}/webhooks/email", response_model=ReceivedOut, dependencies=[SOURCE_KEY], tags=["inbox"])
async def email_webhook(
    request: Request,
    factory: FactoryDep,
    settings: SettingsDep,
    signature: Annotated[str | None, Header(alias=inbox.HEADER)] = None,
    recipient: Annotated[str | None, Query(max_length=254)] = None,
) -> dict[str, Any]:
    """A mail provider forwards one raw e-mail (message/rfc822 body), signed like the gateways;
    `recipient` is the envelope recipient when the provider knows it (else the To header counts)."""
    raw = await request.body()
    policy = _policy(settings)
    inbox.verify(policy.gateway_secret, raw, signature)

    def store() -> inbox.Received:
        with session_scope(factory) as session:
            return inbox.receive_email(
                session,
                raw,
                recipients=[recipient] if recipient else [],
                policy=policy,
                now=datetime.now(UTC),
            )

    return _received(await run_in_threadpool(store))
