"""The reports (pages and JSON API), their Excel and PDF exports, report schedules, and the export of
a saved segment's guests. Thin adapters over `reports`: scope, masking, permission checks beyond the
route's and the audit events live there."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Form, Path, Query, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, Field

from guestgraph import frontdesk, privacy, reports
from guestgraph.access import Permission
from guestgraph.web._auth import CurrentPrincipal, ScopeDep, allow, now_utc
from guestgraph.web._deps import LocaleDep, RowId, SessionDep, SettingsDep
from guestgraph.web._render import render

router = APIRouter()
API = "/api/v1"
READ = [allow(Permission.REPORT_READ)]
EXPORT_SEGMENT = [allow(Permission.GUEST_EXPORT)]
CODES = "^(" + "|".join(reports.KINDS) + ")$"
Code = Annotated[str, Path(pattern=CODES, description="The report: " + ", ".join(reports.KINDS) + ".")]
Since = Annotated[date | None, Query(description="First day (default: depends on the report).")]
Until = Annotated[date | None, Query(description="Last day (default: today).")]
Consent = Annotated[
    Literal["email", "sms", "wechat"] | None,
    Query(description="Birthdays: only guests with marketing consent in force on this channel."),
]
FILES: dict[int | str, dict[str, Any]] = {
    200: {
        "content": {"application/pdf": {}, reports.XLSX: {}},
        "description": "The report as Excel (.xlsx) or PDF, watermarked.",
    }
}

SEGMENT_FILES: dict[int | str, dict[str, Any]] = {
    200: {
        "content": {"text/csv": {}, reports.XLSX: {}},
        "description": "The segment's guests as CSV (UTF-8) or Excel (.xlsx), masked.",
    }
}
# A report's figure or cell: money and ISO dates as text, shares as fractions, none when unknown.
ReportValue = int | float | str | None


# --- what the API answers (AC-04: only these keys leave; guest names are masked by `reports`) -----


class ReportOut(BaseModel):
    report: str = Field(description="The report's code.")
    since: str = Field(description="First day (ISO date).")
    until: str = Field(description="Last day (ISO date).")
    figures: dict[str, ReportValue] = Field(description="Headline figures by key (the report's own).")
    sections: dict[str, list[dict[str, ReportValue]]] = Field(
        description="Each section's rows by section key; a row's keys are the section's column keys."
    )
    params: dict[str, str] | None = Field(
        default=None,
        exclude_if=lambda v: v is None,
        description="Other filters, as given; only when there are any.",
    )


class ScheduleOut(BaseModel):
    id: int
    report: str
    frequency: str
    format: str
    consent: str | None
    owner: str | None
    recipients: list[str] = Field(description="Usernames.")
    created_at: datetime
    last_period: date | None
    last_sent_at: datetime | None
    last_outcome: str | None


def _font(settings: SettingsDep) -> frontdesk.DocumentFont:
    return frontdesk.document_font(settings.document_font)


FontDep = Annotated[frontdesk.DocumentFont, Depends(_font)]


def _params(code: str, since: date | None, until: date | None, consent: str | None) -> reports.ReportParams:
    today = now_utc().date()
    if code == "birthdays" and since is None and until is None:
        first = today.replace(day=1)
        last = (first.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
        return reports.ReportParams(first, last, consent)
    until = until or today
    return reports.ReportParams(since or until - timedelta(days=365), until, consent)


def _file(f: reports.ReportFile) -> Response:
    headers = {
        "Content-Disposition": f'attachment; filename="{f.filename}"',
        "X-Export-Id": f.export_id,
        "X-Export-Rows": str(f.rows),
    }
    return Response(f.content, media_type=f.media_type, headers=headers)


def _json(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def _report_json(r: reports.Report) -> dict[str, Any]:
    return {
        "report": r.kind.code,
        "since": r.since.isoformat(),
        "until": r.until.isoformat(),
        "figures": {f.key: _json(f.value) for f in r.figures},
        "sections": {
            s.key: [{c.key: _json(v) for c, v in zip(s.columns, row, strict=True)} for row in s.rows]
            for s in r.sections
        },
        **({"params": r.params} if r.params else {}),
    }


@router.get("/reports/schedules", include_in_schema=False, dependencies=READ)
def schedules_page(request: Request, session: SessionDep, principal: CurrentPrincipal) -> Response:
    context = {
        "schedules": reports.list_schedules(session, owner_id=principal.user_id),
        "colleagues": reports.colleagues(session),
        "kinds": reports.KINDS,
        "frequencies": reports.FREQUENCIES,
        "active": "reports",
    }
    return render(request, "report_schedules.html", context)


@router.post("/reports/schedules", include_in_schema=False, dependencies=READ)
def create_schedule_form(
    session: SessionDep,
    principal: CurrentPrincipal,
    report: Annotated[str, Form(pattern=CODES)],
    frequency: Annotated[str, Form(pattern="^(daily|weekly|monthly)$")],
    fmt: Annotated[str, Form(alias="format", pattern="^(xlsx|pdf)$")],
    recipients: Annotated[list[str], Form(max_length=50)],
    consent: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    reports.create_schedule(
        session,
        report=report,
        frequency=frequency,
        fmt=fmt,
        recipients=recipients,
        owner_id=principal.user_id,
        permissions=principal.permissions,
        consent=consent or None,
        now=now_utc(),
    )
    return RedirectResponse("/reports/schedules", status_code=303)


@router.post("/reports/schedules/{schedule_id}/delete", include_in_schema=False, dependencies=READ)
def delete_schedule_form(schedule_id: RowId, session: SessionDep, principal: CurrentPrincipal) -> Response:
    reports.delete_schedule(session, schedule_id=schedule_id, owner_id=principal.user_id)
    return RedirectResponse("/reports/schedules", status_code=303)


@router.get("/reports/{code}", include_in_schema=False, dependencies=READ)
def report_page(
    request: Request,
    code: Code,
    session: SessionDep,
    scope: ScopeDep,
    principal: CurrentPrincipal,
    locale: LocaleDep,
    since: Since = None,
    until: Until = None,
    consent: Consent = None,
) -> Response:
    params = _params(code, since, until, consent)
    report = reports.build_report(session, code, scope=scope, params=params, locale=locale, now=now_utc())
    may_export = not report.kind.lists_guests or principal.can(Permission.GUEST_EXPORT)
    query = f"since={params.since}&until={params.until}" + (f"&consent={consent}" if consent else "")
    context = {
        "report": report,
        "kinds": reports.KINDS,
        "may_export": may_export,
        "query": query,
        "consent": consent,
        "show": reports.format_value,
        "active": "reports",
    }
    return render(request, "report.html", context)


@router.get("/reports/{code}/export", include_in_schema=False, dependencies=READ)
@router.get(
    f"{API}/reports/{{code}}/export",
    summary="A report as Excel or PDF: scoped, masked, watermarked, audited (guest lists need guest.export)",
    response_class=Response,
    responses=FILES,
    tags=["reports"],
    dependencies=READ,
)
def export_report(
    code: Code,
    session: SessionDep,
    scope: ScopeDep,
    principal: CurrentPrincipal,
    locale: LocaleDep,
    font: FontDep,
    fmt: Annotated[Literal["xlsx", "pdf"], Query(alias="format", description="xlsx or pdf")] = "xlsx",
    since: Since = None,
    until: Until = None,
    consent: Consent = None,
) -> Response:
    f = reports.export_report(
        session,
        code,
        scope=scope,
        params=_params(code, since, until, consent),
        fmt=fmt,
        locale=locale,
        permissions=principal.permissions,
        username=principal.username,
        now=now_utc(),
        font=font,
    )
    return _file(f)


@router.get(
    f"{API}/reports/{{code}}",
    response_model=ReportOut,
    summary="A report's figures and rows for a period, in your data scope (guest names masked)",
    tags=["reports"],
    dependencies=READ,
)
def api_report(
    code: Code,
    session: SessionDep,
    scope: ScopeDep,
    locale: LocaleDep,
    since: Since = None,
    until: Until = None,
    consent: Consent = None,
) -> dict[str, Any]:
    params = _params(code, since, until, consent)
    report = reports.build_report(session, code, scope=scope, params=params, locale=locale, now=now_utc())
    return _report_json(report)


class ScheduleIn(BaseModel):
    model_config = {"extra": "forbid"}
    report: str = Field(pattern=CODES)
    frequency: Literal["daily", "weekly", "monthly"]
    format: Literal["xlsx", "pdf"] = "xlsx"
    recipients: list[str] = Field(min_length=1, max_length=50, description="Staff usernames or e-mails.")
    consent: Literal["email", "sms", "wechat"] | None = None


@router.get(
    f"{API}/report-schedules",
    response_model=list[ScheduleOut],
    summary="Your report schedules",
    tags=["reports"],
    dependencies=READ,
)
def api_schedules(session: SessionDep, principal: CurrentPrincipal) -> list[dict[str, Any]]:
    return [asdict(s) for s in reports.list_schedules(session, owner_id=principal.user_id)]


@router.post(
    f"{API}/report-schedules",
    summary="E-mail a report every day, week or month to colleagues (each in their own scope)",
    status_code=201,
    response_model=ScheduleOut,
    tags=["reports"],
    dependencies=READ,
)
def api_create_schedule(body: ScheduleIn, session: SessionDep, principal: CurrentPrincipal) -> dict[str, Any]:
    view = reports.create_schedule(
        session,
        report=body.report,
        frequency=body.frequency,
        fmt=body.format,
        recipients=body.recipients,
        owner_id=principal.user_id,
        permissions=principal.permissions,
        consent=body.consent,
        now=now_utc(),
    )
    return asdict(view)


@router.delete(
    f"{API}/report-schedules/{{schedule_id}}",
    summary="Delete one of your report schedules",
    status_code=204,
    tags=["reports"],
    dependencies=READ,
)
def api_delete_schedule(schedule_id: RowId, session: SessionDep, principal: CurrentPrincipal) -> Response:
    reports.delete_schedule(session, schedule_id=schedule_id, owner_id=principal.user_id)
    return Response(status_code=204)


class SegmentExportIn(BaseModel):
    model_config = {"extra": "forbid"}
    purpose: privacy.ExportPurpose = Field(description="Why the list leaves the system (required).")
    format: Literal["csv", "xlsx"] = "csv"


def _segment_file(result: privacy.GuestListExport) -> Response:
    headers = {
        "Content-Disposition": f'attachment; filename="{result.filename}"',
        "X-Export-Id": result.export_id,
        "X-Export-Rows": str(result.rows),
        "X-Export-Excluded-No-Consent": str(result.excluded_no_marketing_consent),
    }
    return Response(result.content, media_type=result.media_type, headers=headers)


@router.post(
    f"{API}/segments/{{segment_id}}/export",
    summary="Export a saved segment's guests as CSV or Excel: masked, consent-filtered for marketing, logged",
    response_class=Response,
    responses=SEGMENT_FILES,
    tags=["analytics"],
    dependencies=EXPORT_SEGMENT,
)
def api_export_segment(
    segment_id: RowId,
    body: SegmentExportIn,
    session: SessionDep,
    scope: ScopeDep,
    principal: CurrentPrincipal,
) -> Response:
    result = reports.export_segment(
        session,
        segment_id,
        scope=scope,
        purpose=body.purpose,
        fmt=body.format,
        username=principal.username,
        actor_id=principal.user_id,
        now=now_utc(),
    )
    return _segment_file(result)


@router.post("/segments/{segment_id}/export", include_in_schema=False, dependencies=EXPORT_SEGMENT)
def export_segment_form(
    segment_id: RowId,
    session: SessionDep,
    scope: ScopeDep,
    principal: CurrentPrincipal,
    purpose: Annotated[privacy.ExportPurpose, Form()],
    fmt: Annotated[Literal["csv", "xlsx"], Form(alias="format")] = "csv",
) -> Response:
    result = reports.export_segment(
        session,
        segment_id,
        scope=scope,
        purpose=purpose,
        fmt=fmt,
        username=principal.username,
        actor_id=principal.user_id,
        now=now_utc(),
    )
    return _segment_file(result)
