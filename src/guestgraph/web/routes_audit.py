"""The audit trail for compliance officers and admins: search by user, guest, action and time, and
check the chain."""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, Field

from guestgraph import audit
from guestgraph.access import Permission
from guestgraph.paging import Page
from guestgraph.web._answers import PageOut
from guestgraph.web._auth import CurrentPrincipal, allow
from guestgraph.web._deps import PagingDep, RowId, SessionDep, SettingsDep
from guestgraph.web._render import render

router = APIRouter(include_in_schema=False, dependencies=[allow(Permission.AUDIT_READ)])
api = APIRouter(prefix="/api/v1/audit", tags=["audit"], dependencies=[allow(Permission.AUDIT_READ)])
Text = Annotated[str | None, Query(max_length=80)]
Day = Annotated[date | None, Query(description="UTC day, inclusive.")]


def _search(
    session: SessionDep,
    paging: PagingDep,
    user: str | None,
    guest: str | None,
    action: str | None,
    since: date | None,
    until: date | None,
) -> Page[audit.AuditRecord]:
    who: int | str | None = int(user) if user and user.isdigit() else (user or None)
    return audit.search_events(
        session,
        user=who,
        guest=guest or None,
        action=action or None,
        since=datetime.combine(since, time.min) if since else None,
        until=datetime.combine(until, time.min) + timedelta(days=1) if until else None,
        paging=paging,
    )


@router.get("/audit")
def audit_page(
    request: Request,
    session: SessionDep,
    paging: PagingDep,
    user: Text = None,
    guest: Text = None,
    action: Text = None,
    since: Day = None,
    until: Day = None,
) -> Response:
    page = _search(session, paging, user, guest, action, since, until)
    filters = {
        "user": user or "",
        "guest": guest or "",
        "action": action or "",
        "since": since or "",
        "until": until or "",
    }
    context = {
        "page": page,
        "filters": filters,
        "active": "audit",
        "report": None,
        "alerts": audit.list_alerts(session),
    }
    template = "_audit_rows.html" if request.headers.get("HX-Request") else "audit.html"
    return render(request, template, context)


@router.post("/audit/verify")
def audit_verify(request: Request, session: SessionDep, settings: SettingsDep, paging: PagingDep) -> Response:
    report = audit.verify(session, settings=settings)
    audit.log_event(
        session,
        "audit.verify",
        outcome="ok" if report.ok else "failed",
        details={"events": report.events_checked},
    )
    page = _search(session, paging, None, None, None, None, None)
    filters = {"user": "", "guest": "", "action": "", "since": "", "until": ""}
    context = {
        "page": page,
        "filters": filters,
        "active": "audit",
        "report": report,
        "alerts": audit.list_alerts(session),
    }
    return render(request, "audit.html", context)


@router.post("/audit/alerts/{alert_id}/acknowledge")
def acknowledge(alert_id: RowId, session: SessionDep, principal: CurrentPrincipal) -> Response:
    audit.acknowledge_alert(session, alert_id, by=principal.username, now=datetime.now(UTC))
    audit.log_event(session, "audit.alert_acknowledge", object_type="security_alert", object_id=str(alert_id))
    return RedirectResponse("/audit", status_code=303)


# --- what the API answers (AC-04: only these keys leave; events hold no personal data values) ------


class AlertOut(BaseModel):
    id: int
    rule: str = Field(description="What raised it, e.g. bulk_export.")
    actor_username: str | None
    raised_at: datetime
    facts: dict[str, Any] = Field(description="The counts behind the alert, e.g. rows exported.")
    acknowledged_by: str | None


class EventOut(BaseModel):
    seq: int = Field(description="The event's place in the audit chain.")
    time: str = Field(description="When it was recorded (ISO 8601, UTC).")
    action: str
    outcome: str = Field(description="ok, denied or failed.")
    actor_user_id: int | None
    actor_username: str | None
    actor_role: str | None
    scope: str | None
    object_type: str | None
    object_id: str | None
    guest_public_id: str | None
    purpose: str | None
    source_ip: str | None
    request_id: str | None
    details: dict[str, Any] = Field(
        description="Counts, filters and reasons; keys naming personal data are refused when logged."
    )
    category: str | None = Field(description="sensitive or security.")


@api.get(
    "/alerts",
    response_model=list[AlertOut],
    summary="Open security alerts (bulk exports, many full-value views, off-hours access)",
)
def api_alerts(session: SessionDep) -> list[dict[str, Any]]:
    return [asdict(a) for a in audit.list_alerts(session)]


@api.get(
    "/events",
    response_model=PageOut[EventOut],
    summary="Audit events, newest first, by user, guest, action (prefix with a trailing dot) and day",
)
def api_events(
    session: SessionDep,
    paging: PagingDep,
    user: Text = None,
    guest: Text = None,
    action: Text = None,
    since: Day = None,
    until: Day = None,
) -> dict[str, Any]:
    page = _search(session, paging, user, guest, action, since, until)
    items = [{"seq": r.seq, "time": r.time.isoformat(), **asdict(r.event)} for r in page.items]
    return {"items": items, "total": page.total, "page": page.page, "size": page.size, "pages": page.pages}
