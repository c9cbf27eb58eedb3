"""The ingestion API: push records, push OpenTravel messages, read import reports and quality figures."""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from guestgraph import ingest, quality
from guestgraph.access import Permission, authenticate_source
from guestgraph.web._answers import PageOut
from guestgraph.web._auth import SOURCE_KEY, ScopeDep, allow
from guestgraph.web._deps import FactoryDep, LocaleDep, PagingDep, PushGroupsDep, RowId, SessionDep

router = APIRouter(prefix="/api/v1", tags=["ingestion"])
KeyHeader = Annotated[str | None, Header(alias="X-API-Key", description="The source system's API key.")]


# --- what the API answers (AC-04: only these keys leave) ------------------------------------------


class FindingOut(BaseModel):
    rule: str
    severity: str = Field(description="reject, warn or info.")
    field: str | None
    detail: str | None


class RecordResultOut(BaseModel):
    """What became of one record of a pushed batch."""

    location: str
    external_id: str
    outcome: str = Field(
        description="accepted, accepted_with_warnings, quarantined, duplicate or superseded."
    )
    findings: list[FindingOut]
    status: str = Field(
        description="How the batch counts it: accepted, accepted_with_warnings or quarantined."
    )


class PushResult(BaseModel):
    batch_id: int
    rows_read: int
    accepted: int
    accepted_with_warnings: int
    quarantined: int
    duplicates: int
    records: list[RecordResultOut]


class BatchOut(BaseModel):
    id: int
    source: str
    hotel: str | None
    channel: str
    format: str
    profile: str | None
    filename: str | None
    status: str
    started_at: datetime
    finished_at: datetime | None
    rows_read: int
    accepted: int
    accepted_with_warnings: int
    quarantined: int
    duplicates: int
    superseded: int
    error: str | None
    reconciles: bool = Field(description="Every row read is accepted, quarantined or a duplicate.")


class RuleCountOut(BaseModel):
    rule: str
    title: str
    severity: str
    count: int


class ProblemRowOut(BaseModel):
    record_id: int
    location: str | None
    external_id: str
    status: str
    raw: str = Field(description="The row as received.")
    reasons: list[str]


class BatchReportOut(BaseModel):
    batch: BatchOut
    rules: list[RuleCountOut]
    samples: list[ProblemRowOut] = Field(description="Sample problem rows.")


class FieldSharesOut(BaseModel):
    """The share of persons with each field, none without persons."""

    with_name: float | None
    with_phone: float | None
    with_email: float | None
    with_document: float | None
    with_birth_date: float | None


class QualityFiguresOut(BaseModel):
    key: str = Field(description="The hotel code or the source system code.")
    records: int
    valid: int
    persons: int
    completeness: float | None
    validity: float | None
    non_identifying_share: float | None
    fields: FieldSharesOut
    quarantine_backlog: int
    threshold: float | None
    below_threshold: bool


class QualityOut(BaseModel):
    since: str = Field(description="The first day of the window (ISO date).")
    open_alerts: int
    hotels: list[QualityFiguresOut]
    sources: list[QualityFiguresOut]


def _result(summary: ingest.BatchSummary) -> PushResult:
    return PushResult(
        batch_id=summary.batch_id,
        rows_read=summary.rows_read,
        accepted=summary.accepted,
        accepted_with_warnings=summary.accepted_with_warnings,
        quarantined=summary.quarantined,
        duplicates=summary.duplicates,
        records=[asdict(r) for r in summary.records],
    )


@router.post(
    "/sources/{system}/records",
    response_model=PushResult,
    summary="Push up to 1,000 records",
    dependencies=[SOURCE_KEY],
)
def push(
    system: str,
    batch: ingest.PushBatch,
    factory: FactoryDep,
    groups: PushGroupsDep,
    api_key: KeyHeader = None,
) -> PushResult:
    _authenticate(factory, system, api_key)
    return _result(ingest.push_records(factory, source=system, batch=batch, groups=groups))


def _authenticate(factory: sessionmaker[Session], system: str, key: str | None) -> None:
    # A short session of its own: an import needs connections from the same pool, and a request that
    # held one while waiting for another would deadlock the pool under load.
    with factory() as session:
        authenticate_source(session, source=system, key=key)


OTA_MAX_BYTES = 50 * 1024 * 1024  # as the XML reader's own limit (readers/_xmlsafe.py)
# The route reads the body itself (streamed, capped): what it takes is documented here.
OTA_REQUEST_BODY: dict[str, Any] = {
    "required": True,
    "description": "An OpenTravel OTA_HotelResNotifRQ (2003/05 namespace), UTF-8, up to 50 MB; an "
    "unreadable message is refused whole (400, naming where), each reservation is answered in the "
    "OTA_HotelResNotifRS.",
    "content": {"application/xml": {"schema": {"type": "string"}}},
}


@router.post(
    "/sources/{system}/ota",
    summary="Push an OpenTravel OTA_HotelResNotifRQ (XML in, XML out)",
    response_class=Response,
    responses={200: {"content": {"application/xml": {}}, "description": "OTA_HotelResNotifRS"}},
    openapi_extra={"requestBody": OTA_REQUEST_BODY},
    dependencies=[SOURCE_KEY],
)
async def push_ota(
    system: str, request: Request, factory: FactoryDep, groups: PushGroupsDep, api_key: KeyHeader = None
) -> Response:
    body = await _capped_body(request, OTA_MAX_BYTES)
    return await run_in_threadpool(_push_ota, factory, groups, system, api_key, body)


async def _capped_body(request: Request, limit: int) -> bytes:
    """The request body, refused (413) as soon as its declared or streamed size passes `limit`, so an
    oversize message is never held whole in memory."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise ingest.too_large(int(declared), limit, source="push")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise ingest.too_large(size, limit, source="push")
        chunks.append(chunk)
    return b"".join(chunks)


def _push_ota(
    factory: sessionmaker[Session], groups: ingest.PushGroups, system: str, api_key: str | None, body: bytes
) -> Response:
    from guestgraph.ingest.readers.ota_response import hotel_res_notif_rs

    _authenticate(factory, system, api_key)
    summary, echo, version = ingest.push_ota_message(factory, source=system, body=body, groups=groups)
    results: list[tuple[str, str | None]] = [
        (r.external_id, None) for r in summary.records if r.outcome != "quarantined"
    ]
    errors = [
        (r.external_id, "; ".join(str(f["rule"]) for f in r.findings if f["severity"] == "reject"))
        for r in summary.records
        if r.outcome == "quarantined"
    ]
    xml = hotel_res_notif_rs(echo_token=echo, version=version, results=results, errors=errors)
    return Response(xml, media_type="application/xml")


@router.get(
    "/imports",
    response_model=PageOut[BatchOut],
    summary="Import batches, newest first",
    dependencies=[allow(Permission.IMPORT_MANAGE)],
)
def api_imports(session: SessionDep, scope: ScopeDep, paging: PagingDep) -> dict[str, Any]:
    page = ingest.list_batches(session, scope=scope, paging=paging)
    return {
        "items": [asdict(b) | {"reconciles": b.reconciles} for b in page.items],
        "total": page.total,
        "page": page.page,
        "size": page.size,
        "pages": page.pages,
    }


@router.get(
    "/imports/{batch_id}",
    response_model=BatchReportOut,
    summary="One batch: counts by outcome and rule, sample problem rows",
    dependencies=[allow(Permission.IMPORT_MANAGE)],
)
def api_import(batch_id: RowId, session: SessionDep, scope: ScopeDep, locale: LocaleDep) -> dict[str, Any]:
    report = ingest.batch_report(session, scope=scope, batch_id=batch_id, locale=locale)
    return {
        "batch": asdict(report.batch) | {"reconciles": report.batch.reconciles},
        "rules": [asdict(r) for r in report.rules],
        "samples": [asdict(s) for s in report.samples],
    }


@router.get(
    "/quality",
    response_model=QualityOut,
    summary="Data-quality figures per hotel and source",
    dependencies=[allow(Permission.QUALITY_READ)],
)
def api_quality(
    session: SessionDep,
    scope: ScopeDep,
    days: Annotated[int, Query(ge=1, le=3650, description="Window in days.")] = 90,
) -> dict[str, Any]:
    board = quality.dashboard(session, scope=scope, today=datetime.now(UTC).date(), days=days)

    def figures(f: quality.QualityFigures) -> dict[str, Any]:
        return {
            "key": f.key,
            "records": f.records,
            "valid": f.valid,
            "persons": f.persons,
            "completeness": f.completeness,
            "validity": f.validity,
            "non_identifying_share": f.non_identifying_share,
            "fields": {k: f.field_share(k) for k in f.fields},
            "quarantine_backlog": f.backlog,
            "threshold": f.threshold,
            "below_threshold": f.below_threshold,
        }

    return {
        "since": board.since.isoformat(),
        "open_alerts": board.open_alerts,
        "hotels": [figures(f) for f in board.hotels],
        "sources": [figures(f) for f in board.sources],
    }
