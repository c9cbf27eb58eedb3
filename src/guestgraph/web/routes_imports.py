"""Pages for data stewards: imports and their reports, the quarantine, the data-quality dashboard."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import partial
from typing import Annotated

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.responses import RedirectResponse, Response, StreamingResponse
from starlette.concurrency import run_in_threadpool

from guestgraph import ingest, org, quality
from guestgraph.access import Permission
from guestgraph.web._auth import ScopeDep, allow
from guestgraph.web._deps import (
    FactoryDep,
    IngestRulesDep,
    LocaleDep,
    PagingDep,
    RowId,
    SessionDep,
    SettingsDep,
)
from guestgraph.web._render import render
from guestgraph.web._resolve import resolve_online

router = APIRouter(include_in_schema=False)


@router.get("/imports", dependencies=[allow(Permission.IMPORT_MANAGE)])
def imports_page(request: Request, session: SessionDep, scope: ScopeDep, paging: PagingDep) -> Response:
    page = ingest.list_batches(session, scope=scope, paging=paging)
    sources = sorted(
        {p.source for p in ingest.shipped_profiles().values()} | {"ota_ctrip", "ota_booking", "ota_expedia"}
    )
    context = {
        "page": page,
        "sources": sources,
        "profiles": sorted(ingest.shipped_profiles()),
        "hotels": org.list_hotels(session, scope=scope),
        "active": "imports",
    }
    return render(request, "imports.html", context)


@router.post("/imports", dependencies=[allow(Permission.IMPORT_MANAGE)])
def upload(
    factory: FactoryDep,
    settings: SettingsDep,
    rules: IngestRulesDep,
    file: Annotated[UploadFile, File(description="CSV, Excel, JSON lines, OpenTravel XML or OPERA JSON")],
    source: Annotated[str, Form(max_length=40)],
    profile: Annotated[str, Form(max_length=60)] = "",
    hotel: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    result = ingest.import_upload(  # the file is deleted once its import has finished (PR-03)
        factory,
        settings.data_dir,
        file.filename or "upload",
        file.file,
        source=source,
        profile=profile or None,
        hotel_code=hotel or None,
        rules=rules,
    )
    resolve_online(factory, settings, result.summary.batch_id)
    return RedirectResponse(f"/imports/{result.summary.batch_id}", status_code=303)


@router.get("/imports/{batch_id}", dependencies=[allow(Permission.IMPORT_MANAGE)])
def import_report(
    request: Request, batch_id: RowId, session: SessionDep, scope: ScopeDep, locale: LocaleDep
) -> Response:
    report = ingest.batch_report(session, scope=scope, batch_id=batch_id, locale=locale)
    return render(request, "import_report.html", {"report": report, "active": "imports"})


@router.get("/imports/{batch_id}/problems.csv", dependencies=[allow(Permission.IMPORT_MANAGE)])
def problems_csv(batch_id: RowId, session: SessionDep, scope: ScopeDep, locale: LocaleDep) -> Response:
    rows = list(ingest.problem_rows_csv(session, scope=scope, batch_id=batch_id, locale=locale))
    headers = {"Content-Disposition": f'attachment; filename="import-{batch_id}-problems.csv"'}
    return StreamingResponse(iter(rows), media_type="text/csv; charset=utf-8", headers=headers)


@router.get("/quarantine", dependencies=[allow(Permission.IMPORT_MANAGE)])
def quarantine_page(
    request: Request,
    session: SessionDep,
    scope: ScopeDep,
    paging: PagingDep,
    locale: LocaleDep,
    source: Annotated[str | None, Query(max_length=40)] = None,
    rule: Annotated[str | None, Query(max_length=60)] = None,
) -> Response:
    page = ingest.list_quarantine(
        session, scope=scope, paging=paging, locale=locale, source=source or None, rule=rule or None
    )
    return render(
        request,
        "quarantine.html",
        {"page": page, "source": source or "", "rule": rule or "", "active": "quality"},
    )


@router.post("/quarantine/discard", dependencies=[allow(Permission.IMPORT_MANAGE)])
def discard_records(
    session: SessionDep,
    scope: ScopeDep,
    record_ids: Annotated[list[int], Form()],
    reason: Annotated[str, Form(max_length=2000)],
) -> Response:
    ingest.discard(session, scope=scope, record_ids=record_ids, reason=reason)
    return RedirectResponse("/quarantine", status_code=303)


@router.get("/quarantine/{record_id}", dependencies=[allow(Permission.IMPORT_MANAGE)])
def quarantined_record(
    request: Request, record_id: RowId, session: SessionDep, scope: ScopeDep, locale: LocaleDep
) -> Response:
    item = ingest.get_quarantined(session, scope=scope, record_id=record_id, locale=locale)
    return render(request, "quarantine_record.html", {"item": item, "active": "quality"})


@router.post("/quarantine/{record_id}", dependencies=[allow(Permission.IMPORT_MANAGE)])
async def correct_record(
    request: Request, record_id: RowId, factory: FactoryDep, scope: ScopeDep, locale: LocaleDep
) -> Response:
    form = await request.form()
    corrections = {k: str(v) for k, v in form.items() if k.startswith(("fields.", "persons."))}
    summary = await run_in_threadpool(  # blocking database work stays off the event loop
        partial(
            ingest.resubmit, factory, scope=scope, record_id=record_id, corrections=corrections, locale=locale
        )
    )
    return RedirectResponse(f"/imports/{summary.batch_id}", status_code=303)


@router.get("/register", dependencies=[allow(Permission.STAY_OPERATE)])
def register_page(request: Request, session: SessionDep, scope: ScopeDep) -> Response:
    today = datetime.now(UTC).date().isoformat()
    return render(
        request,
        "register.html",
        {
            "hotels": org.list_hotels(session, scope=scope),
            "today": today,
            "fields": ingest.FORM_FIELDS,
            "active": "imports",
        },
    )


async def _form_values(request: Request) -> dict[str, str]:
    form = await request.form()
    return {k: str(v).strip() for k, v in form.items() if k in ingest.FORM_FIELDS}


@router.post("/register/check", dependencies=[allow(Permission.STAY_OPERATE)])
async def register_check(request: Request, session: SessionDep, locale: LocaleDep) -> Response:
    values = await _form_values(request)
    feedback = await run_in_threadpool(
        partial(ingest.check_registration, session, values=values, locale=locale)
    )
    by_field: dict[str, list[ingest.FieldFeedback]] = {f: [] for f in ingest.FORM_FIELDS}
    for item in feedback:
        by_field.setdefault(item.field, []).append(item)
    return render(request, "_register_feedback.html", {"by_field": by_field, "feedback": feedback})


@router.post("/register", dependencies=[allow(Permission.STAY_OPERATE)])
async def register_submit(request: Request, factory: FactoryDep, settings: SettingsDep) -> Response:
    values = await _form_values(request)
    summary = await run_in_threadpool(partial(ingest.submit_registration, factory, values=values))
    await run_in_threadpool(resolve_online, factory, settings, summary.batch_id)
    return RedirectResponse(f"/imports/{summary.batch_id}", status_code=303)


@router.get("/quality", dependencies=[allow(Permission.QUALITY_READ)])
def quality_page(
    request: Request, session: SessionDep, scope: ScopeDep, days: Annotated[int, Query(ge=1, le=3650)] = 90
) -> Response:
    board = quality.dashboard(session, scope=scope, today=datetime.now(UTC).date(), days=days)
    alerts = quality.list_alerts(session, scope=scope)
    return render(
        request, "quality.html", {"board": board, "alerts": alerts, "days": days, "active": "quality"}
    )


@router.post("/quality/threshold", dependencies=[allow(Permission.IMPORT_MANAGE)])
def set_threshold(
    session: SessionDep,
    scope: ScopeDep,
    hotel: Annotated[str, Form(max_length=20)],
    percent: Annotated[float, Form(ge=0, le=100)],
) -> Response:
    quality.set_threshold(
        session, scope=scope, hotel_code=hotel, threshold=percent / 100, today=datetime.now(UTC).date()
    )
    return RedirectResponse("/quality", status_code=303)
