"""Pages: the segment builder with a live count and masked preview, saved segments, the management
dashboard and the churn-warning list."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from guestgraph import analytics, org, privacy, reports
from guestgraph.access import Permission
from guestgraph.web._auth import CurrentPrincipal, ScopeDep, allow, now_utc
from guestgraph.web._deps import PagingDep, SessionDep, SettingsDep
from guestgraph.web._render import render
from guestgraph.web._segment_form import definition_from_form

router = APIRouter(include_in_schema=False)
SEGMENTS = [allow(Permission.SEGMENT_MANAGE)]
REPORTS = [allow(Permission.REPORT_READ)]
NAMES = {
    "stages": analytics.STAGES,
    "rfm_groups": analytics.RFM_GROUP_BY_CODE,
    "outlets": ("fnb", "spa", "minibar", "room", "other"),
}


@router.get("/segments", dependencies=SEGMENTS)
def segments_page(request: Request, session: SessionDep, scope: ScopeDep) -> Response:
    context = {
        "segments": analytics.list_segments(session),
        "hotels": org.list_hotels(session, scope=scope),
        "tags": analytics.load_rules().tags,
        "active": "segments",
        **NAMES,
    }
    return render(request, "segments.html", context)


@router.post("/segments/preview", dependencies=SEGMENTS)
async def segment_preview(request: Request, session: SessionDep, scope: ScopeDep) -> Response:
    definition = definition_from_form(await request.form())
    preview = analytics.preview_segment(session, scope=scope, definition=definition, today=now_utc().date())
    return render(request, "_segment_preview.html", {"preview": preview, "definition": definition, **NAMES})


@router.post("/segments", dependencies=SEGMENTS)
async def save_segment(
    request: Request,
    session: SessionDep,
    scope: ScopeDep,
    principal: CurrentPrincipal,
    name: Annotated[str, Form(max_length=100)],
    kind: Annotated[str, Form(pattern="^(dynamic|frozen)$")] = "dynamic",
) -> Response:
    definition = definition_from_form(await request.form())
    now = now_utc()
    info = analytics.create_segment(
        session,
        scope=scope,
        name=name,
        definition=definition,
        kind=kind,
        by=principal.username,
        today=now.date(),
        now=now,
    )
    return RedirectResponse(f"/segments/{info.id}", status_code=303)


@router.get("/segments/{segment_id}", dependencies=SEGMENTS)
def segment_page(request: Request, segment_id: int, session: SessionDep, scope: ScopeDep) -> Response:
    info = analytics.get_segment(session, segment_id)
    preview = analytics.segment_preview(session, scope=scope, segment_id=segment_id, today=now_utc().date())
    context = {
        "segment": info,
        "preview": preview,
        "active": "segments",
        "export_purposes": [p.value for p in privacy.ExportPurpose],
        **NAMES,
    }
    return render(request, "segment.html", context)


@router.post("/segments/{segment_id}/delete", dependencies=SEGMENTS)
def delete_segment(segment_id: int, session: SessionDep) -> Response:
    analytics.delete_segment(session, segment_id=segment_id)
    return RedirectResponse("/segments", status_code=303)


@router.get("/reports", dependencies=REPORTS)
def reports_page(
    request: Request,
    session: SessionDep,
    scope: ScopeDep,
    since: Annotated[date | None, Query()] = None,
    until: Annotated[date | None, Query()] = None,
    hotel: Annotated[str | None, Query(max_length=20)] = None,
) -> Response:
    until = until or now_utc().date()
    board = analytics.dashboard(session, scope=scope, since=since, until=until, hotel=hotel or None)
    context = {
        "board": board,
        "hotels": org.list_hotels(session, scope=scope),
        "country_name": reports.country_name,
        "active": "reports",
        "report_kinds": reports.KINDS,
        **NAMES,
    }
    return render(request, "reports.html", context)


@router.get("/reports/churn", dependencies=REPORTS)
def churn_page(
    request: Request, session: SessionDep, scope: ScopeDep, paging: PagingDep, settings: SettingsDep
) -> Response:
    page = analytics.churn_warnings(
        session, scope=scope, paging=paging, settings=settings.analytics_settings()
    )
    context = {"page": page, "active": "reports", "base_url": "/reports/churn", **NAMES}
    return render(request, "churn.html", context)


@router.post("/guests/{public_id}/fields", dependencies=SEGMENTS)
def set_field_form(
    public_id: str,
    session: SessionDep,
    scope: ScopeDep,
    principal: CurrentPrincipal,
    name: Annotated[str, Form(max_length=30)],
    value: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    analytics.set_guest_field(
        session,
        scope=scope,
        public_id=public_id,
        name=name,
        value=value or None,
        by=principal.username,
        now=now_utc(),
    )
    return RedirectResponse(f"/guests/{public_id}#fields", status_code=303)
