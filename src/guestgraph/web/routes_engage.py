"""Campaign pages and API (campaign.manage), and the public links of campaign messages: unsubscribe
`/u/{token}`, the open pixel `/o/{token}` and the click redirect `/c/{token}?u=…` (signed tokens);
the SMS / WeChat gateways' delivery receipts (signed with the gateway secret).

Sending runs after the response (a background task) with its own sessions; the page then shows the
results filling in. A separate worker (`guestgraph campaigns send`) can do the same work."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

from fastapi import APIRouter, BackgroundTasks, Form, Header, Path, Query, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, Field, ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from guestgraph import engage, offers
from guestgraph.access import DataScope, Permission
from guestgraph.config import Settings
from guestgraph.db import session_scope
from guestgraph.db.models import Hotel
from guestgraph.errors import GuestgraphError, InvalidInput
from guestgraph.gateway import HEADER, verify
from guestgraph.privacy import Channel
from guestgraph.web._auth import PUBLIC, SOURCE_KEY, CurrentPrincipal, ScopeDep, allow, now_utc
from guestgraph.web._deps import FactoryDep, RowId, SessionDep, SettingsDep
from guestgraph.web._render import render
from guestgraph.web.routes_offers import campaign_coupon_context

router = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/api/v1", tags=["campaigns"])
MANAGE = [allow(Permission.CAMPAIGN_MANAGE)]
Short = Annotated[str, Form(max_length=200)]
Text = Annotated[str, Form(max_length=20_000)]
Token = Annotated[str, Path(max_length=80)]


class CampaignIn(BaseModel):
    model_config = {"extra": "forbid"}
    name: str = Field(max_length=120)
    channel: Literal["email", "sms", "wechat"] = Field(
        "email", description="sms and wechat: the bodies are the text (at most 300 characters for SMS)."
    )
    subject_zh: str = Field("", max_length=200, description="E-mail only.")
    subject_en: str = Field("", max_length=200, description="E-mail only.")
    body_zh: str = Field(max_length=20_000)
    body_en: str = Field(max_length=20_000)
    hotel_code: str | None = Field(None, max_length=20, description="Only guests whose last stay was here.")
    last_stay_from: date | None = Field(None, description="Last stay departed on or after this day.")
    last_stay_to: date | None = Field(None, description="Last stay departed on or before this day.")
    attribution_days: int = Field(
        14, ge=1, le=90, description="Bookings within this many days after a guest's message count for it."
    )


class ScheduleIn(BaseModel):
    model_config = {"extra": "forbid"}
    at: datetime = Field(
        description="When to send: with an offset (2026-12-01T09:30:00+08:00), or without one as the local "
        "time of the campaign's hotel (the group's time zone for a campaign to all hotels)."
    )


class ReceiptIn(BaseModel):
    model_config = {"extra": "forbid"}
    reference: str = Field(max_length=80, description="The reference the message was sent with.")
    status: Literal["delivered", "failed"]
    id: str | None = Field(None, max_length=120, description="The gateway's message id (not kept).")
    error: str | None = Field(None, max_length=200, description="The gateway's error code when failed.")


# --- what the API answers (AC-04: only these keys leave) ------------------------------------------


class ResultsOut(BaseModel):
    """What became of a campaign's messages, how guests responded, and the bookings it brought."""

    counts: dict[str, int] = Field(description="Messages by status (queued, sending, sent, skipped, failed).")
    reasons: dict[str, int] = Field(description="Why guests were skipped or failed.")
    total: int
    delivered: int
    bounced: int
    hard_bounced: int
    undelivered: int
    opened: int
    clicked: int
    open_rate: float | None = Field(description="Opened per sent message; null before anything is sent.")
    click_rate: float | None
    unsubscribed: int
    bookings: int = Field(description="Bookings attributed to the campaign.")
    revenue: dict[str, str] = Field(description="Of those bookings, by currency (decimal strings).")


class CampaignDetailOut(BaseModel):
    campaign: engage.CampaignRow
    results: ResultsOut
    coupons: offers.CouponResults = Field(description="The coupons its messages carried.")


class QueuedOut(BaseModel):
    queued: int = Field(description="Messages queued (one per guest of the audience).")


class ReceiptOut(BaseModel):
    recorded: bool = Field(description="False when the reference names no message of that channel.")


def _zone(session: Session, settings: Settings, campaign: engage.CampaignRow) -> str:
    return engage.campaign_zone(session, campaign.hotel_code, settings.journey_timezone)


def _send_later(factory: sessionmaker[Session], settings: Settings, campaign_id: int) -> None:
    policy = engage.EngagePolicy.from_settings(settings)
    engage.send_queued(factory, policy=policy, clock=now_utc, campaign_id=campaign_id)


def _hotels(session: Session) -> list[str]:
    return list(session.scalars(select(Hotel.code).order_by(Hotel.code)))


def _list(
    request: Request, session: Session, scope: DataScope, error: GuestgraphError | None = None
) -> Response:
    context = {
        "campaigns": engage.list_campaigns(session, scope=scope),
        "hotels": _hotels(session),
        "fields": engage.FIELDS,
        "error": error,
        "active": "campaigns",
    }
    return render(request, "campaigns.html", context, status_code=error.status if error else 200)


def _detail(request: Request, session: Session, scope: DataScope, campaign_id: int, **extra: Any) -> Response:
    error = extra.get("error")
    campaign = engage.get_campaign(session, campaign_id, scope=scope)
    settings: Settings = request.app.state.settings
    zone = _zone(session, settings, campaign)
    scheduled = campaign.scheduled_at.astimezone(ZoneInfo(zone)) if campaign.scheduled_at else None
    context = {
        "campaign": campaign,
        "zone": zone,
        "scheduled_local": scheduled,
        "results": engage.campaign_results(session, campaign_id, scope=scope),
        **campaign_coupon_context(session, scope, campaign_id),
        "active": "campaigns",
        "preview": None,
        "notice": None,
        **extra,
    }
    return render(request, "campaign.html", context, status_code=error.status if error else 200)


@router.get("/campaigns", dependencies=MANAGE)
def campaigns_page(request: Request, session: SessionDep, scope: ScopeDep) -> Response:
    return _list(request, session, scope)


def _optional_day(value: str) -> date | None:
    return date.fromisoformat(value) if value.strip() else None


@router.post("/campaigns", dependencies=MANAGE)
def create_page(
    request: Request,
    session: SessionDep,
    scope: ScopeDep,
    principal: CurrentPrincipal,
    name: Short,
    body_zh: Text,
    body_en: Text,
    subject_zh: Short = "",
    subject_en: Short = "",
    channel: Annotated[Literal["email", "sms", "wechat"], Form()] = "email",
    hotel: Short = "",
    last_stay_from: Annotated[str, Form(max_length=10)] = "",
    last_stay_to: Annotated[str, Form(max_length=10)] = "",
    attribution_days: Annotated[int, Form(ge=1, le=90)] = 14,
) -> Response:
    try:
        spec = engage.CampaignInput(
            name, subject_zh, subject_en, body_zh, body_en, hotel or None,
            _optional_day(last_stay_from), _optional_day(last_stay_to), channel=Channel(channel),
            attribution_days=attribution_days,
        )  # fmt: skip
        row = engage.create_campaign(
            session, scope=scope, spec=spec, created_by_id=principal.user_id, now=now_utc()
        )
    except GuestgraphError as e:
        session.rollback()
        return _list(request, session, scope, e)
    return RedirectResponse(f"/campaigns/{row.id}", status_code=303)


@router.get("/campaigns/{campaign_id}", dependencies=MANAGE)
def campaign_page(request: Request, campaign_id: RowId, session: SessionDep, scope: ScopeDep) -> Response:
    return _detail(request, session, scope, campaign_id)


@router.post("/campaigns/{campaign_id}/preview", dependencies=MANAGE)
def preview_page(
    request: Request,
    campaign_id: RowId,
    session: SessionDep,
    scope: ScopeDep,
    settings: SettingsDep,
    guest: Short,
) -> Response:
    policy = engage.EngagePolicy.from_settings(settings)
    try:
        shown = engage.preview(session, campaign_id, scope=scope, guest_public_id=guest, policy=policy)
    except GuestgraphError as e:
        return _detail(request, session, scope, campaign_id, error=e, guest=guest)
    return _detail(request, session, scope, campaign_id, preview=shown, guest=guest)


@router.post("/campaigns/{campaign_id}/test", dependencies=MANAGE)
def test_page(
    request: Request,
    campaign_id: RowId,
    session: SessionDep,
    scope: ScopeDep,
    settings: SettingsDep,
    guest: Short,
    to: Short,
) -> Response:
    policy = engage.EngagePolicy.from_settings(settings)
    try:
        shown = engage.send_test(
            session, campaign_id, scope=scope, guest_public_id=guest, to=to, policy=policy
        )
    except GuestgraphError as e:
        return _detail(request, session, scope, campaign_id, error=e, guest=guest)
    return _detail(request, session, scope, campaign_id, preview=shown, guest=guest, notice=to.strip())


@router.post("/campaigns/{campaign_id}/send", dependencies=MANAGE)
def send_page(
    campaign_id: RowId,
    session: SessionDep,
    scope: ScopeDep,
    settings: SettingsDep,
    factory: FactoryDep,
    tasks: BackgroundTasks,
) -> Response:
    engage.queue_campaign(session, campaign_id, scope=scope, now=now_utc())
    session.commit()
    tasks.add_task(_send_later, factory, settings, campaign_id)
    return RedirectResponse(f"/campaigns/{campaign_id}", status_code=303)


@router.post("/campaigns/{campaign_id}/schedule", dependencies=MANAGE)
def schedule_page(
    request: Request,
    campaign_id: RowId,
    session: SessionDep,
    scope: ScopeDep,
    settings: SettingsDep,
    at: Annotated[str, Form(max_length=40)],
) -> Response:
    """Schedule the draft for a local date and time of its hotel (the group's zone for all hotels)."""
    try:
        zone = _zone(session, settings, engage.get_campaign(session, campaign_id, scope=scope))
        when = engage.local_time(at, zone)
        engage.schedule_campaign(session, campaign_id, scope=scope, at=when, now=now_utc())
    except GuestgraphError as e:
        session.rollback()
        return _detail(request, session, scope, campaign_id, error=e)
    return RedirectResponse(f"/campaigns/{campaign_id}", status_code=303)


@router.post("/campaigns/{campaign_id}/unschedule", dependencies=MANAGE)
def unschedule_page(request: Request, campaign_id: RowId, session: SessionDep, scope: ScopeDep) -> Response:
    try:
        engage.unschedule_campaign(session, campaign_id, scope=scope, now=now_utc())
    except GuestgraphError as e:
        session.rollback()
        return _detail(request, session, scope, campaign_id, error=e)
    return RedirectResponse(f"/campaigns/{campaign_id}", status_code=303)


@router.get("/u/{token}", dependencies=[PUBLIC])
def unsubscribe_page(request: Request, token: Token, session: SessionDep, settings: SettingsDep) -> Response:
    key = engage.EngagePolicy.from_settings(settings).signing_key
    target = engage.unsubscription(session, token, key=key, now=now_utc())
    return render(request, "unsubscribe.html", {"target": target, "token": token})


@router.post("/u/{token}", dependencies=[PUBLIC])
def unsubscribe_post(request: Request, token: Token, session: SessionDep, settings: SettingsDep) -> Response:
    """The page's button and the one-click POST of mail providers (List-Unsubscribe-Post)."""
    key = engage.EngagePolicy.from_settings(settings).signing_key
    target = engage.unsubscribe(session, token, key=key, now=now_utc())
    return render(request, "unsubscribe.html", {"target": target, "token": token, "done": True})


@router.get("/o/{token}", dependencies=[PUBLIC])
def open_pixel(token: Token, session: SessionDep, settings: SettingsDep) -> Response:
    """The open pixel of a campaign e-mail: notes the first open, answers a 1x1 GIF."""
    key = engage.EngagePolicy.from_settings(settings).signing_key
    engage.record_open(session, token, key=key, now=now_utc())
    return Response(engage.PIXEL, media_type="image/gif", headers={"Cache-Control": "no-store"})


@router.get("/c/{token}", dependencies=[PUBLIC])
def click_redirect(
    token: Token,
    session: SessionDep,
    settings: SettingsDep,
    u: Annotated[str, Query(max_length=2000)] = "",
) -> Response:
    """A tracked link of a campaign e-mail: notes the click, redirects to the URL the token was
    signed for (an altered URL or token: 404, no redirect)."""
    key = engage.EngagePolicy.from_settings(settings).signing_key
    target = engage.record_click(session, token, u, key=key, now=now_utc())
    return RedirectResponse(target, status_code=302)


def _results(results: engage.CampaignResults) -> dict[str, Any]:
    return {
        "counts": results.counts,
        "reasons": results.reasons,
        "total": results.total,
        "delivered": results.delivered,
        "bounced": results.bounced,
        "hard_bounced": results.hard_bounced,
        "undelivered": results.undelivered,
        "opened": results.opened,
        "clicked": results.clicked,
        "open_rate": results.open_rate,
        "click_rate": results.click_rate,
        "unsubscribed": results.unsubscribed,
        "bookings": results.bookings,
        "revenue": {currency: str(amount) for currency, amount in results.revenue.items()},
    }


@api.get(
    "/campaigns",
    response_model=list[engage.CampaignRow],
    summary="Campaigns in your scope",
    dependencies=MANAGE,
)
def api_campaigns(session: SessionDep, scope: ScopeDep) -> list[engage.CampaignRow]:
    return engage.list_campaigns(session, scope=scope)


@api.post(
    "/campaigns",
    response_model=engage.CampaignRow,
    summary="Create a campaign (a draft)",
    status_code=201,
    dependencies=MANAGE,
)
def api_create(
    body: CampaignIn, session: SessionDep, scope: ScopeDep, principal: CurrentPrincipal
) -> engage.CampaignRow:
    values = body.model_dump()
    spec = engage.CampaignInput(**{**values, "channel": Channel(values["channel"])})
    return engage.create_campaign(
        session, scope=scope, spec=spec, created_by_id=principal.user_id, now=now_utc()
    )


@api.get(
    "/campaigns/{campaign_id}",
    response_model=CampaignDetailOut,
    summary="A campaign and its results",
    dependencies=MANAGE,
)
def api_campaign(campaign_id: RowId, session: SessionDep, scope: ScopeDep) -> dict[str, Any]:
    results = engage.campaign_results(session, campaign_id, scope=scope)
    return {
        "campaign": engage.get_campaign(session, campaign_id, scope=scope),
        "results": _results(results),
        "coupons": offers.campaign_coupon_results(session, campaign_id, scope=scope),
    }


@api.post(
    "/campaigns/{campaign_id}/send",
    response_model=QueuedOut,
    summary="Queue the audience and start sending",
    dependencies=MANAGE,
)
def api_send(
    campaign_id: RowId,
    session: SessionDep,
    scope: ScopeDep,
    settings: SettingsDep,
    factory: FactoryDep,
    tasks: BackgroundTasks,
) -> dict[str, int]:
    queued = engage.queue_campaign(session, campaign_id, scope=scope, now=now_utc())
    session.commit()
    tasks.add_task(_send_later, factory, settings, campaign_id)
    return {"queued": queued}


@api.post(
    "/campaigns/{campaign_id}/schedule",
    response_model=engage.CampaignRow,
    summary="Schedule a draft campaign (its audience is taken when it is due)",
    dependencies=MANAGE,
)
def api_schedule(
    campaign_id: RowId, body: ScheduleIn, session: SessionDep, scope: ScopeDep, settings: SettingsDep
) -> engage.CampaignRow:
    at = body.at
    if at.tzinfo is None:
        zone = _zone(session, settings, engage.get_campaign(session, campaign_id, scope=scope))
        at = at.replace(tzinfo=ZoneInfo(zone))
    return engage.schedule_campaign(session, campaign_id, scope=scope, at=at.astimezone(UTC), now=now_utc())


@api.delete(
    "/campaigns/{campaign_id}/schedule",
    response_model=engage.CampaignRow,
    summary="Unschedule a campaign",
    dependencies=MANAGE,
)
def api_unschedule(campaign_id: RowId, session: SessionDep, scope: ScopeDep) -> engage.CampaignRow:
    return engage.unschedule_campaign(session, campaign_id, scope=scope, now=now_utc())


@api.post(
    "/campaigns/receipts/{channel}",
    response_model=ReceiptOut,
    summary="A gateway's delivery receipt",
    dependencies=[SOURCE_KEY],
)
async def api_receipt(
    channel: Literal["sms", "wechat"],
    request: Request,
    factory: FactoryDep,
    settings: SettingsDep,
    signature: Annotated[str | None, Header(alias=HEADER)] = None,
) -> dict[str, bool]:
    """An SMS or WeChat gateway reports what became of a campaign message: `{"reference":
    "campaign-<c>.message-<m>", "status": "delivered"|"failed", "error"?}`, signed like the inbox
    webhooks (`X-Guestgraph-Signature: sha256=<hex HMAC-SHA256 of the body>`). `recorded: false`
    when the reference names no campaign message of that channel."""
    raw = await request.body()
    secret = settings.gateway_secret.get_secret_value() if settings.gateway_secret else None
    verify(secret, raw, signature)
    try:
        body = ReceiptIn.model_validate(json.loads(raw))
    except (ValueError, ValidationError) as e:
        raise InvalidInput(
            f"The receipt is not one: {e}"[:500],
            hint='Send JSON {"reference": "campaign-1.message-2", "status": "delivered"}.',
        ) from e

    def store() -> engage.Receipt | None:
        with session_scope(factory) as session:
            return engage.record_receipt(
                session,
                channel,
                reference=body.reference,
                status=body.status,
                error=body.error,
                now=now_utc(),
            )

    receipt = await run_in_threadpool(store)
    return {"recorded": receipt is not None}
